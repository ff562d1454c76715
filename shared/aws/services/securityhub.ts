import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { type AwsService, defineService } from '../clients';

/** AWS Security Hub for `AwsClients.get`: `aws.get(SecurityHub).send(…)`. */
export const SecurityHub: AwsService<SecurityHubClient, 'securityhub'> = defineService({
  name: 'securityhub',
  client: SecurityHubClient,
});
