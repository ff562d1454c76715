import { GetPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import { S3Control } from '../../aws/services/s3control';
import { liveReads, orNull } from '../live-reader';

/**
 * The S3 Control part of the live reader: the account-level S3 Block Public Access.
 * @example
 * await new LiveReader(aws, accountId, { s3control: s3controlReads }).accountPublicAccessBlock(); // null when none
 */
export const s3controlReads = liveReads('s3control', ({ aws, accountId }) => ({
  async accountPublicAccessBlock() {
    const out = await orNull(
      aws.get(S3Control).send(new GetPublicAccessBlockCommand({ AccountId: accountId })),
      ['NoSuchPublicAccessBlockConfiguration'],
    );
    return out?.PublicAccessBlockConfiguration ?? null;
  },
}));
