import type { GetTrailStatusResponse, Trail } from '@aws-sdk/client-cloudtrail';
import type { SecurityGroup } from '@aws-sdk/client-ec2';
import type { PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import type { BucketReadout, Reader, TrailSelectors } from '../collectors/reader';

/** How long a warm container keeps the entries of a prefix list it read. */
export const PREFIX_LIST_TTL_MS = 5 * 60_000;
/** At most this many prefix lists are kept (a container serving many accounts must not grow without bound). */
export const PREFIX_LIST_CACHE_SIZE = 1_000;

/**
 * The entries of managed prefix lists a rule's Lambda read, kept across warm invocations for a few minutes, so a
 * change-triggered security-group evaluation needs no read besides PutEvaluations. Only complete answers are kept:
 * a list that could not be read (denied, not shared, deleted, a failed call) is read again next time, so the cache
 * never turns an unreadable list into one that looks read. Keyed by account, region and list id.
 *
 * What it costs: for up to five minutes after a list is edited, a group that references it may be evaluated with
 * the list's previous entries; the first evaluation after that reads it afresh. (Config does not re-evaluate the
 * groups that reference a list when the list changes in any case: the periodic evaluation is what catches that.)
 */
export class PrefixListCache {
  private readonly entries = new Map<string, { cidrs: readonly string[]; until: number }>();

  constructor(
    private readonly ttlMs = PREFIX_LIST_TTL_MS,
    private readonly maxEntries = PREFIX_LIST_CACHE_SIZE,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The entries kept for `key`, if they are younger than the TTL. */
  get(key: string): readonly string[] | undefined {
    const kept = this.entries.get(key);
    if (!kept) return undefined;
    if (kept.until > this.clock()) return kept.cidrs;
    this.entries.delete(key);
    return undefined;
  }

  /** Keeps a complete answer (the oldest entry makes room when full). */
  set(key: string, cidrs: readonly string[]): void {
    if (this.entries.size >= this.maxEntries && !this.entries.has(key)) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.delete(key);
    this.entries.set(key, { cidrs: Object.freeze([...cidrs]), until: this.clock() + this.ttlMs });
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The reader of one invocation: prefix-list entries from the container's {@link PrefixListCache} when it has them,
 * everything else (and the lists it has not) from the live reader, which is made on the first read that needs it (an
 * evaluation that reads nothing makes none).
 * @example
 * const reader = new WarmReader(() => new LiveReader(aws, accountId, rule.reads), cache, accountId, region);
 */
export class WarmReader implements Reader {
  private made: Reader | undefined;

  constructor(
    private readonly make: () => Reader,
    private readonly cache: PrefixListCache,
    readonly accountId: string,
    readonly region: string,
  ) {}

  private get live(): Reader {
    if (this.made === undefined) this.made = this.make();
    return this.made;
  }

  async prefixListCidrs(prefixListId: string): Promise<string[] | undefined> {
    const key = `${this.accountId}|${this.region}|${prefixListId}`;
    const kept = this.cache.get(key);
    if (kept) return [...kept];
    const cidrs = await this.live.prefixListCidrs(prefixListId);
    if (Array.isArray(cidrs)) this.cache.set(key, cidrs);
    return cidrs;
  }

  describeSecurityGroups(groupIds?: string[]): Promise<SecurityGroup[]> {
    return this.live.describeSecurityGroups(groupIds);
  }

  listBucketNames(): Promise<string[]> {
    return this.live.listBucketNames();
  }

  readBucket(name: string): Promise<BucketReadout> {
    return this.live.readBucket(name);
  }

  accountPublicAccessBlock(): Promise<PublicAccessBlockConfiguration | null> {
    return this.live.accountPublicAccessBlock();
  }

  accountAccessKeysPresent(): Promise<number | undefined> {
    return this.live.accountAccessKeysPresent();
  }

  credentialReport(): Promise<string> {
    return this.live.credentialReport();
  }

  describeTrails(): Promise<Trail[]> {
    return this.live.describeTrails();
  }

  trailStatus(trail: Trail): Promise<GetTrailStatusResponse> {
    return this.live.trailStatus(trail);
  }

  eventSelectors(trail: Trail): Promise<TrailSelectors> {
    return this.live.eventSelectors(trail);
  }
}
