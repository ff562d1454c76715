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
import { defineReads } from '../parts';
import type { BucketReadout } from '../reader';
import { need } from '../snapshot-reader';

declare module '../reader' {
  interface ReadsByPart {
    s3: {
      /** Names of the buckets that live in this region. */
      listBucketNames(): Promise<string[]>;
      readBucket(name: string): Promise<BucketReadout>;
    };
  }
  interface EvaluationSnapshot {
    buckets?: BucketReadout[];
  }
}

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
 * The S3 part of a reader: the buckets of the region, and each bucket's ACL, policy, Block Public Access, object
 * ownership and tags.
 * @example
 * const reader = new LiveReader(aws, accountId, { s3: s3Reads });
 * await reader.readBucket((await reader.listBucketNames())[0]);
 */
export const s3Reads = defineReads('s3', {
  live: ({ aws, region }) => ({
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
  }),
  snapshot: {
    keys: {
      buckets:
        'bucket readouts: [{"name","region","grants" (GetBucketAcl Grants),"policy" (text or null),"publicAccessBlock","objectOwnership","tags"}]',
    },
    open: (snapshot, { region }) => ({
      async listBucketNames() {
        // Same contract as the live reader: only this region's buckets (a hand-written readout may omit its region).
        return need(snapshot.buckets, 'buckets', 'buckets')
          .filter((b) => !b.region || b.region === region)
          .map((b) => b.name);
      },
      async readBucket(name) {
        const bucket = need(snapshot.buckets, 'buckets', 'buckets').find((b) => b.name === name);
        return need(bucket, `buckets[name=${name}]`, `bucket ${name}`);
      },
    }),
  },
});
