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
 * The S3 part of a reader: the buckets of the region, and each bucket's ACL, policy, Block Public Access, object
 * ownership and tags.
 * @example
 * const reader = new LiveReader(aws, accountId, { s3: s3Reads });
 * await reader.readBucket((await reader.listBucketNames())[0]);
 */
export const s3Reads = defineReads('s3', {
  live: () => import('./s3.live.js'),
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
