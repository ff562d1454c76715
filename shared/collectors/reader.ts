import type { AdvancedEventSelector, EventSelector } from '@aws-sdk/client-cloudtrail';
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
 * The reads of every part of a reader, by part name. It is empty here and open: each part adds its own reads where
 * it is defined (with {@link defineReads}, in `shared/collectors/reads/<part>.ts` or in a rule's folder), by
 * declaration merging, so no file lists every rule's reads:
 *
 * @example
 * declare module '../reader' {
 *   interface ReadsByPart {
 *     guardduty: { listDetectorIds(): Promise<string[]> };
 *   }
 * }
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging, one part per module.
export interface ReadsByPart {}

/** A part of a reader: `ec2`, `s3`, `guardduty`, … (one AWS service each, by convention). */
export type ReadPart = keyof ReadsByPart;

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void
  ? I
  : never;

/** Where a reader reads. */
export interface ReaderScope {
  readonly accountId: string;
  readonly region: string;
}

/** A reader limited to the reads of the parts `N`: what a rule that declares those parts may call. */
export type ReaderOf<N extends ReadPart> = ReaderScope & UnionToIntersection<ReadsByPart[N]>;

/**
 * Everything rebaseline can read from an account, in the AWS API's own shapes: the reads of every part. Two
 * implementations: {@link LiveReader} (SDK clients, cached for one invocation) and {@link SnapshotReader} (a JSON
 * context, for offline evaluation). Collectors build typed models from what a reader returns; evaluators never see
 * a reader.
 */
export type Reader = ReaderOf<ReadPart>;

/**
 * What a collector would otherwise read, supplied as JSON (the CLI's `--context`). Open like {@link ReadsByPart}:
 * each part adds the keys its offline reads answer from.
 */
export interface EvaluationSnapshot {
  /** Evaluation time (ISO); defaults to now. */
  now?: string;
}
