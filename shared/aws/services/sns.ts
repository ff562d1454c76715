import { SNSClient } from '@aws-sdk/client-sns';
import { type AwsService, defineService } from '../clients';

/** Amazon SNS for `AwsClients.get`: `aws.get(SNS).send(…)`. */
export const SNS: AwsService<SNSClient, 'sns'> = defineService({ name: 'sns', client: SNSClient });
