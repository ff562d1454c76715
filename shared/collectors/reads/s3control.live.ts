import { GetPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import { S3Control } from '../../aws/services/s3control';
import { orNull } from '../live-reader';
import type { LiveReads } from '../parts';

/**
 * The S3 Control part's read through the SDK (the live half of `s3controlReads`, loaded on its first read).
 * @example
 * await new LiveReader(aws, accountId, { s3control: s3controlReads }).accountPublicAccessBlock(); // loads this module
 */
export const live: LiveReads<'s3control'> = ({ aws, accountId }) => ({
  async accountPublicAccessBlock() {
    const out = await orNull(
      aws.get(S3Control).send(new GetPublicAccessBlockCommand({ AccountId: accountId })),
      ['NoSuchPublicAccessBlockConfiguration'],
    );
    return out?.PublicAccessBlockConfiguration ?? null;
  },
});
