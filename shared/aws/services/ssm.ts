import { SSMClient } from '@aws-sdk/client-ssm';
import { type AwsService, defineService } from '../clients';

/** AWS Systems Manager for `AwsClients.get`: `aws.get(SSM).send(…)`. */
export const SSM: AwsService<SSMClient, 'ssm'> = defineService({ name: 'ssm', client: SSMClient });
