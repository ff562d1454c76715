import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { type AwsService, defineService } from '../clients';

/** AWS Config for `AwsClients.get`: `aws.get(ConfigService).send(…)`. */
export const ConfigService: AwsService<ConfigServiceClient, 'config'> = defineService({
  name: 'config',
  client: ConfigServiceClient,
});
