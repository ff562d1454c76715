import type { GetTrailStatusResponse, Trail } from '@aws-sdk/client-cloudtrail';
import type { SecurityGroup } from '@aws-sdk/client-ec2';
import type { PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import type { AwsClients } from '../aws/clients';
import { awsErrorName, ReaderPartMissingError } from '../errors';
import type { BucketReadout, Reader, ReadPart, ReadsByPart, TrailSelectors } from './reader';

/** How long `credentialReport()` waits for IAM to generate the report. */
export interface CredentialReportWait {
  attempts: number;
  delayMs: number;
}

/** What a part of the live reader reads with: the account's clients, its id, and the credential report wait. */
export interface LiveSession {
  readonly aws: AwsClients;
  readonly accountId: string;
  readonly region: string;
  readonly wait: CredentialReportWait;
}

/**
 * One part of the {@link LiveReader}: the reads of one AWS service (`shared/collectors/live/<part>.ts`), so a Lambda
 * bundles only the SDK clients of the parts it is built with. `open` is called once per reader, on first use.
 */
export interface LiveReads<N extends ReadPart = ReadPart> {
  readonly part: N;
  readonly open: (session: LiveSession) => ReadsByPart[N];
}

/** Parts of a live reader by name; a rule's `reads`. */
export type LiveReadParts = { readonly [N in ReadPart]?: LiveReads<N> };

/**
 * Declares a part of the live reader; used once per part, in `shared/collectors/live/<part>.ts`.
 * @example
 * export const s3ControlReads = liveReads('s3control', ({ aws, accountId }) => ({
 *   accountPublicAccessBlock: async () => …,
 * }));
 */
export function liveReads<N extends ReadPart>(
  part: N,
  open: (session: LiveSession) => ReadsByPart[N],
): LiveReads<N> {
  return { part, open };
}

/**
 * The answer of `read`, or `null` when the API says the thing is not configured (one of the `missing` error names).
 * @example
 * await orNull(s3.send(new GetBucketPolicyCommand({ Bucket })), ['NoSuchBucketPolicy']); // → null without a policy
 */
export async function orNull<T>(read: Promise<T>, missing: readonly string[]): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (missing.includes(awsErrorName(error) ?? '')) return null;
    throw error;
  }
}

/**
 * Reads an account through SDK clients. One instance serves one invocation (or one scan): every answer is
 * cached here, so a value needed by several resources (account-level BPA, a prefix list) is read once. The reads
 * come from the parts it is built with (a rule's `reads`; `ALL_READS` from `live/all.ts` for everything); a read of
 * a part it was not given fails with {@link ReaderPartMissingError}.
 * @example
 * const reader = new LiveReader(aws, '123456789012', { ec2: ec2Reads });
 * await reader.describeSecurityGroups(['sg-0123456789abcdef0']);
 */
export class LiveReader implements Reader {
  private readonly memo = new Map<string, Promise<unknown>>();
  private readonly opened = new Map<ReadPart, unknown>();

  constructor(
    private readonly aws: AwsClients,
    readonly accountId: string,
    private readonly parts: LiveReadParts,
    private readonly wait: CredentialReportWait = { attempts: 15, delayMs: 2000 },
  ) {}

  get region(): string {
    return this.aws.region;
  }

  /** `call` on the part, once per `read` and `key` for the life of this reader. */
  private once<N extends ReadPart, T>(
    part: N,
    read: keyof ReadsByPart[N] & string,
    key: string,
    call: (reads: ReadsByPart[N]) => Promise<T>,
  ): Promise<T> {
    const memoKey = `${read}:${key}`;
    let p = this.memo.get(memoKey) as Promise<T> | undefined;
    if (!p) {
      let reads = this.opened.get(part) as ReadsByPart[N] | undefined;
      if (!reads) {
        const live = this.parts[part] as LiveReads<N> | undefined;
        if (!live) return Promise.reject(new ReaderPartMissingError(read, part));
        reads = live.open({ aws: this.aws, accountId: this.accountId, region: this.region, wait: this.wait });
        this.opened.set(part, reads);
      }
      p = call(reads);
      this.memo.set(memoKey, p);
    }
    return p;
  }

  describeSecurityGroups(groupIds?: string[]): Promise<SecurityGroup[]> {
    return this.once('ec2', 'describeSecurityGroups', groupIds?.join(',') ?? '*', (r) =>
      r.describeSecurityGroups(groupIds),
    );
  }

  prefixListCidrs(prefixListId: string): Promise<string[] | undefined> {
    return this.once('ec2', 'prefixListCidrs', prefixListId, (r) => r.prefixListCidrs(prefixListId));
  }

  listBucketNames(): Promise<string[]> {
    return this.once('s3', 'listBucketNames', '', (r) => r.listBucketNames());
  }

  readBucket(name: string): Promise<BucketReadout> {
    return this.once('s3', 'readBucket', name, (r) => r.readBucket(name));
  }

  accountPublicAccessBlock(): Promise<PublicAccessBlockConfiguration | null> {
    return this.once('s3control', 'accountPublicAccessBlock', '', (r) => r.accountPublicAccessBlock());
  }

  accountAccessKeysPresent(): Promise<number | undefined> {
    return this.once('iam', 'accountAccessKeysPresent', '', (r) => r.accountAccessKeysPresent());
  }

  credentialReport(): Promise<string> {
    return this.once('iam', 'credentialReport', '', (r) => r.credentialReport());
  }

  describeTrails(): Promise<Trail[]> {
    return this.once('cloudtrail', 'describeTrails', '', (r) => r.describeTrails());
  }

  trailStatus(trail: Trail): Promise<GetTrailStatusResponse> {
    return this.once('cloudtrail', 'trailStatus', trail.TrailARN ?? trail.Name ?? '', (r) =>
      r.trailStatus(trail),
    );
  }

  eventSelectors(trail: Trail): Promise<TrailSelectors> {
    return this.once('cloudtrail', 'eventSelectors', trail.TrailARN ?? trail.Name ?? '', (r) =>
      r.eventSelectors(trail),
    );
  }
}
