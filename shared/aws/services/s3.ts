import { S3Client } from '@aws-sdk/client-s3';
import { type AwsService, defineService } from '../clients';

/**
 * Amazon S3 for `AwsClients.get`: `aws.get(S3).send(…)`. Against a custom endpoint, buckets are addressed by path
 * (`http://127.0.0.1:5000/my-bucket`): an emulator has no `my-bucket.127.0.0.1` host.
 */
export const S3: AwsService<S3Client, 's3'> = defineService({
  name: 's3',
  client: S3Client,
  withEndpoint: () => ({ forcePathStyle: true }),
});
