import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { type AwsService, defineService } from '../clients';

/** Amazon EC2 Auto Scaling for `AwsClients.get`: `aws.get(AutoScaling).send(…)`. */
export const AutoScaling: AwsService<AutoScalingClient, 'autoscaling'> = defineService({
  name: 'autoscaling',
  client: AutoScalingClient,
});
