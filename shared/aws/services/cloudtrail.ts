import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { type AwsService, defineService } from '../clients';

/** AWS CloudTrail for `AwsClients.get`: `aws.get(CloudTrail).send(…)`. */
export const CloudTrail: AwsService<CloudTrailClient, 'cloudtrail'> = defineService({
  name: 'cloudtrail',
  client: CloudTrailClient,
});
