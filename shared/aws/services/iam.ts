import { IAMClient } from '@aws-sdk/client-iam';
import { type AwsService, defineService } from '../clients';

/** AWS IAM for `AwsClients.get`: `aws.get(IAM).send(…)`. */
export const IAM: AwsService<IAMClient, 'iam'> = defineService({ name: 'iam', client: IAMClient });
