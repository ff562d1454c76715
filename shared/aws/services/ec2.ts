import { EC2Client } from '@aws-sdk/client-ec2';
import { type AwsService, defineService } from '../clients';

/** Amazon EC2 for `AwsClients.get`: `aws.get(EC2).send(…)`. */
export const EC2: AwsService<EC2Client, 'ec2'> = defineService({ name: 'ec2', client: EC2Client });
