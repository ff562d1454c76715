import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type AwsService, defineService } from '../clients';

/** Amazon DynamoDB for `AwsClients.get`: `aws.get(DynamoDB).send(…)`. */
export const DynamoDB: AwsService<DynamoDBClient, 'dynamodb'> = defineService({
  name: 'dynamodb',
  client: DynamoDBClient,
});
