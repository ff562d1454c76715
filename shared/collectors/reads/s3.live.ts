import {
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
} from '@aws-sdk/client-s3';
import { S3 } from '../../aws/services/s3';
import { awsErrorName, CollectionError } from '../../errors';
import { orNull } from '../live-reader';
import type { LiveReads } from '../parts';

/**
 * `GetBucketLocation`'s answer as a region name (`null` means us-east-1, `EU` means eu-west-1).
 * @example
 * bucketRegionFromLocation('EU'); // → 'eu-west-1'
 */
export function bucketRegionFromLocation(constraint: string | undefined | null): string {
  if (!constraint) return 'us-east-1';
  return constraint === 'EU' ? 'eu-west-1' : constraint;
}

/**
 * The S3 part's reads through the SDK (the live half of `s3Reads`, loaded on its first read).
 * @example
 * await new LiveReader(aws, accountId, { s3: s3Reads }).listBucketNames(); // loads this module
 */
export const live: LiveReads<'s3'> = ({ aws, region }) => ({
  async listBucketNames() {
    const s3 = aws.get(S3);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(new ListBucketsCommand({ ContinuationToken: token, MaxBuckets: 1000 }));
      for (const b of page.Buckets ?? []) {
        if (!b.Name) continue;
        const bucketRegion =
          b.BucketRegion ??
          bucketRegionFromLocation(
            (await s3.send(new GetBucketLocationCommand({ Bucket: b.Name }))).LocationConstraint,
          );
        if (bucketRegion === region) names.push(b.Name);
      }
      token = page.ContinuationToken;
    } while (token);
    return names;
  },

  async readBucket(name) {
    // Four of these five reads normally end in a 404 (nothing configured); S3 has no read that says "none" without
    // one. The clients' retry strategy counts such an answer as a success, so they never drain the retry quota the
    // reads of later buckets need under throttling (shared/aws/clients.ts, docs/faults.md).
    const s3 = aws.get(S3);
    try {
      const [acl, policy, bpa, ownership, tagging] = await Promise.all([
        s3.send(new GetBucketAclCommand({ Bucket: name })),
        orNull(s3.send(new GetBucketPolicyCommand({ Bucket: name })), ['NoSuchBucketPolicy']),
        orNull(s3.send(new GetPublicAccessBlockCommand({ Bucket: name })), [
          'NoSuchPublicAccessBlockConfiguration',
        ]),
        orNull(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: name })), [
          'OwnershipControlsNotFoundError',
        ]),
        orNull(s3.send(new GetBucketTaggingCommand({ Bucket: name })), ['NoSuchTagSet']),
      ]);
      return {
        name,
        region,
        // Absent is not "no grant" (every ACL has its owner's): the model refuses it.
        grants: acl.Grants,
        policy: policy?.Policy ?? null,
        publicAccessBlock: bpa?.PublicAccessBlockConfiguration ?? null,
        objectOwnership: ownership?.OwnershipControls?.Rules?.[0]?.ObjectOwnership,
        tags: Object.fromEntries((tagging?.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      };
    } catch (cause) {
      throw new CollectionError('AWS::S3::Bucket', name, `${awsErrorName(cause) ?? 'error'}.`, { cause });
    }
  },
});
