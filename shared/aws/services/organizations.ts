import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { type AwsService, defineService } from '../clients';

/** AWS Organizations for `AwsClients.get`: `aws.get(Organizations).send(…)`. */
export const Organizations: AwsService<OrganizationsClient, 'organizations'> = defineService({
  name: 'organizations',
  client: OrganizationsClient,
});
