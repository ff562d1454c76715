import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type AwsService, defineService } from '../clients';

/** Elastic Load Balancing v2 (target groups) for `AwsClients.get`: `aws.get(ELBv2).send(…)`. */
export const ELBv2: AwsService<ElasticLoadBalancingV2Client, 'elbv2'> = defineService({
  name: 'elbv2',
  client: ElasticLoadBalancingV2Client,
});
