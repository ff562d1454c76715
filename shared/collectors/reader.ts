import type {
  AdvancedEventSelector,
  EventSelector,
  GetTrailStatusResponse,
  Trail,
} from '@aws-sdk/client-cloudtrail';
import type { SecurityGroup } from '@aws-sdk/client-ec2';
import type { Grant, PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';

/** The event selectors of one trail, as `GetEventSelectors` returns them. */
export interface TrailSelectors {
  EventSelectors?: EventSelector[];
  AdvancedEventSelectors?: AdvancedEventSelector[];
}

/** What the collectors read about one bucket, in the S3 API's shapes. */
export interface BucketReadout {
  name: string;
  region: string;
  grants: Grant[] | undefined;
  policy: string | null;
  publicAccessBlock: PublicAccessBlockConfiguration | null;
  objectOwnership: string | undefined;
  tags: Record<string, string>;
}

/**
 * Everything rebaseline reads from an account, in the AWS API's own shapes. Two implementations:
 * {@link LiveReader} (SDK clients, cached for one invocation) and {@link SnapshotReader} (a JSON context, for
 * offline evaluation). Collectors build typed models from what a reader returns; evaluators never see a reader.
 */
export interface Reader {
  readonly accountId: string;
  readonly region: string;
  describeSecurityGroups(groupIds?: string[]): Promise<SecurityGroup[]>;
  /** CIDRs of a managed prefix list; `undefined` when they cannot be read (then the list is not the world). */
  prefixListCidrs(prefixListId: string): Promise<string[] | undefined>;
  /** Names of the buckets that live in this region. */
  listBucketNames(): Promise<string[]>;
  readBucket(name: string): Promise<BucketReadout>;
  /** Account-level S3 Block Public Access; `null` when none is configured. */
  accountPublicAccessBlock(): Promise<PublicAccessBlockConfiguration | null>;
  /** `AccountAccessKeysPresent` from `GetAccountSummary`, when readable. */
  accountAccessKeysPresent(): Promise<number | undefined>;
  /** The IAM credential report as CSV text. */
  credentialReport(): Promise<string>;
  describeTrails(): Promise<Trail[]>;
  trailStatus(trail: Trail): Promise<GetTrailStatusResponse>;
  eventSelectors(trail: Trail): Promise<TrailSelectors>;
}

/**
 * The reads of a {@link Reader} by the part of the live reader that makes them, one AWS service each
 * (`shared/collectors/live/<part>.ts`). A rule declares the parts it reads, so its Lambda bundles only their clients.
 */
export interface ReadsByPart {
  ec2: Pick<Reader, 'describeSecurityGroups' | 'prefixListCidrs'>;
  s3: Pick<Reader, 'listBucketNames' | 'readBucket'>;
  s3control: Pick<Reader, 'accountPublicAccessBlock'>;
  iam: Pick<Reader, 'accountAccessKeysPresent' | 'credentialReport'>;
  cloudtrail: Pick<Reader, 'describeTrails' | 'trailStatus' | 'eventSelectors'>;
}

/** A part of the live reader: `ec2`, `s3`, `s3control`, `iam` or `cloudtrail`. */
export type ReadPart = keyof ReadsByPart;

/** The reads of the parts `N`. */
export type ReadsOf<N extends ReadPart> = { [P in N]: keyof ReadsByPart[P] }[N] & keyof Reader;

/** A reader limited to the reads of the parts `N`: what a rule that declares those parts may call. */
export type ReaderOf<N extends ReadPart> = Pick<Reader, 'accountId' | 'region' | ReadsOf<N>>;
