import type { GetTrailStatusResponse, Trail } from '@aws-sdk/client-cloudtrail';
import type { SecurityGroup } from '@aws-sdk/client-ec2';
import type { PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import { InsufficientDataError, UsageError } from '../errors';
import type { BucketReadout, Reader, TrailSelectors } from './reader';

/**
 * What a collector would otherwise read, supplied as JSON (the CLI's `--context`). Shapes are the AWS APIs',
 * except `accountPublicAccessBlock`, which also takes the configuration item's camelCase flags.
 */
export interface EvaluationSnapshot {
  accountPublicAccessBlock?: Record<string, boolean> | null;
  credentialReport?: string;
  accountAccessKeysPresent?: number;
  trails?: Trail[];
  trailStatus?: Record<string, GetTrailStatusResponse>;
  eventSelectors?: Record<string, TrailSelectors>;
  prefixLists?: Record<string, string[]>;
  securityGroups?: SecurityGroup[];
  buckets?: BucketReadout[];
  /** Evaluation time (ISO); defaults to now. */
  now?: string;
}

/** Every key of an {@link EvaluationSnapshot}, with what it holds (the CLI's `evaluate --help` lists them). */
export const SNAPSHOT_KEYS: Readonly<Record<keyof EvaluationSnapshot, string>> = {
  accountPublicAccessBlock:
    'account-level S3 Block Public Access: {"blockPublicAcls":true,…} (camelCase or the API\'s PascalCase), null for none',
  credentialReport: 'the IAM credential report, as CSV text',
  accountAccessKeysPresent: "GetAccountSummary's AccountAccessKeysPresent (0 or 1)",
  trails: 'DescribeTrails trailList',
  trailStatus: 'GetTrailStatus responses, keyed by trail name or ARN',
  eventSelectors: 'GetEventSelectors responses, keyed by trail name or ARN',
  prefixLists: 'managed prefix list id → its CIDRs',
  securityGroups: 'DescribeSecurityGroups SecurityGroups',
  buckets:
    'bucket readouts: [{"name","region","grants" (GetBucketAcl Grants),"policy" (text or null),"publicAccessBlock","objectOwnership","tags"}]',
  now: 'the evaluation time (ISO 8601; default: the event time, else now)',
};

/**
 * Accepts `{blockPublicAcls: true}` (configuration item) or `{BlockPublicAcls: true}` (API); a flag left out is off.
 * @throws UsageError for a flag that is not a boolean (or `"true"`/`"false"`): it must not be read as off.
 * @example
 * publicAccessBlockFromAnyCase({ blockPublicAcls: true }); // → { BlockPublicAcls: true, IgnorePublicAcls: false, … }
 */
export function publicAccessBlockFromAnyCase(
  flags: Record<string, unknown> | null | undefined,
): PublicAccessBlockConfiguration | null {
  if (flags === null || flags === undefined) return null;
  if (typeof flags !== 'object' || Array.isArray(flags))
    throw new UsageError('--context accountPublicAccessBlock must be an object of four flags, or null.');
  const read = (name: string) => {
    const key = name in flags ? name : name.charAt(0).toUpperCase() + name.slice(1);
    const v = flags[key];
    if (v === undefined || v === false || (typeof v === 'string' && v.toLowerCase() === 'false'))
      return false;
    if (v === true || (typeof v === 'string' && v.toLowerCase() === 'true')) return true;
    throw new UsageError(
      `--context accountPublicAccessBlock.${key} is ${JSON.stringify(v)}, not true or false.`,
    );
  };
  return {
    BlockPublicAcls: read('blockPublicAcls'),
    IgnorePublicAcls: read('ignorePublicAcls'),
    BlockPublicPolicy: read('blockPublicPolicy'),
    RestrictPublicBuckets: read('restrictPublicBuckets'),
  };
}

function need<T>(value: T | undefined, key: string, what: string): T {
  if (value === undefined)
    throw new InsufficientDataError(
      `Offline evaluation of ${what} needs "${key}" in the evaluation context (--context).`,
    );
  return value;
}

/** A {@link Reader} that answers from a JSON snapshot: no AWS calls. */
export class SnapshotReader implements Reader {
  constructor(
    private readonly snapshot: EvaluationSnapshot,
    readonly accountId: string,
    readonly region: string,
  ) {
    for (const key of Object.keys(snapshot))
      if (!Object.hasOwn(SNAPSHOT_KEYS, key))
        throw new UsageError(
          `Unknown evaluation context key "${key}"; known keys: ${Object.keys(SNAPSHOT_KEYS).join(', ')}.`,
        );
  }

  async describeSecurityGroups(groupIds?: string[]): Promise<SecurityGroup[]> {
    const all = need(this.snapshot.securityGroups, 'securityGroups', 'security groups');
    return groupIds ? all.filter((g) => g.GroupId && groupIds.includes(g.GroupId)) : all;
  }

  async prefixListCidrs(prefixListId: string): Promise<string[] | undefined> {
    // A list the context does not give is unknown, not empty: it must not make a group look closed.
    const entries = this.snapshot.prefixLists?.[prefixListId];
    return need(entries, `prefixLists["${prefixListId}"]`, `prefix list ${prefixListId}`);
  }

  async listBucketNames(): Promise<string[]> {
    // Same contract as the live reader: only this region's buckets (a hand-written readout may omit its region).
    return need(this.snapshot.buckets, 'buckets', 'buckets')
      .filter((b) => !b.region || b.region === this.region)
      .map((b) => b.name);
  }

  async readBucket(name: string): Promise<BucketReadout> {
    const bucket = need(this.snapshot.buckets, 'buckets', 'buckets').find((b) => b.name === name);
    return need(bucket, `buckets[name=${name}]`, `bucket ${name}`);
  }

  async accountPublicAccessBlock(): Promise<PublicAccessBlockConfiguration | null> {
    // Absent is unknown, not "none" (that is `null`): a bucket whose verdict depends on it is not evaluated.
    const flags = need(
      this.snapshot.accountPublicAccessBlock,
      'accountPublicAccessBlock',
      'the account-level S3 Block Public Access (null when none is configured)',
    );
    return publicAccessBlockFromAnyCase(flags);
  }

  async accountAccessKeysPresent(): Promise<number | undefined> {
    return this.snapshot.accountAccessKeysPresent;
  }

  async credentialReport(): Promise<string> {
    return need(this.snapshot.credentialReport, 'credentialReport', 'root access keys');
  }

  async describeTrails(): Promise<Trail[]> {
    return need(this.snapshot.trails, 'trails', 'CloudTrail');
  }

  private byTrail<T>(map: Record<string, T> | undefined, trail: Trail, key: string): T {
    const found =
      (trail.TrailARN ? map?.[trail.TrailARN] : undefined) ?? (trail.Name ? map?.[trail.Name] : undefined);
    return need(found, `${key}["${trail.Name ?? trail.TrailARN}"]`, `trail ${trail.Name}`);
  }

  async trailStatus(trail: Trail): Promise<GetTrailStatusResponse> {
    return this.byTrail(this.snapshot.trailStatus, trail, 'trailStatus');
  }

  async eventSelectors(trail: Trail): Promise<TrailSelectors> {
    return this.byTrail(this.snapshot.eventSelectors, trail, 'eventSelectors');
  }
}
