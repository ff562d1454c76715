import { STSClient } from '@aws-sdk/client-sts';
import { type AwsService, defineService } from '../clients';

/** AWS STS for `AwsClients.get`: `aws.get(STS).send(…)`. */
export const STS: AwsService<STSClient, 'sts'> = defineService({ name: 'sts', client: STSClient });
