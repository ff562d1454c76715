import type { ReaderOf } from '../../shared/collectors/reader';
import { cloudtrailReads } from '../../shared/collectors/reads/cloudtrail';
import {
  awsErrorName,
  CollectionError,
  RebaselineError,
  UnreadableDependencyError,
} from '../../shared/errors';
import { ruleMetadata } from '../../shared/metadata';
import {
  type CloudTrailAccountModel,
  cloudTrailAccountModel,
  type ManagementEventCoverage,
  type TrailFacts,
  trailFacts,
  uniqueTrails,
} from '../../shared/models/trail';
import type { CommonParameters } from '../../shared/params';
import { defineRule, type Scope, type Verdict } from '../../shared/rule';
import meta from './rule.json';

/**
 * Scenarios
 * - Given no trail at all, then NON_COMPLIANT "No CloudTrail trail exists."
 * - Given a multi-region trail that is logging, records read and write management events without excluding event
 *   sources and has log file validation, then COMPLIANT (also when it is a shadow or an organization trail).
 * - Given only trails that miss something (single-region, not logging, read-only or write-only management events,
 *   excluded event sources, no validation, or KMS / CloudWatch Logs / bucket when required), then NON_COMPLIANT
 *   naming the closest trail and everything it lacks.
 * - Given a trail answer that cannot be read whole (IncludeManagementEvents "maybe", selectors that are not a list,
 *   IsLogging missing), then the account is not evaluated (never COMPLIANT); values as text ("false") are decoded.
 */
export interface Parameters extends CommonParameters {
  requireLogFileValidation: boolean;
  requireKmsEncryption: boolean;
  requireCloudWatchLogs: boolean;
  s3BucketName: string;
}

/** A check whose facts could not be read: it neither passes nor fails. */
const UNKNOWN = Symbol('unknown');
type Outcome = string | undefined | typeof UNKNOWN;

function joinAnd(parts: readonly string[]): string {
  return parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`;
}

/** What a trail's selectors lack, or `undefined` when they log all read and write management events. */
function managementEventsLack(m: ManagementEventCoverage | undefined): Outcome {
  if (!m) return UNKNOWN;
  if (m.read && m.write) return undefined;
  if (!m.someRead && !m.someWrite) return 'does not log management events';
  const lacks: string[] = [];
  if (!m.someWrite) lacks.push('logs only read-only management events');
  else if (!m.someRead) lacks.push('logs only write-only management events');
  if (m.excludedSources.length > 0)
    lacks.push(`excludes management events from ${m.excludedSources.join(', ')}`);
  if (m.filters.length > 0) lacks.push(`filters management events by ${m.filters.join('; ')}`);
  return lacks.length > 0 ? lacks.join(' and ') : 'does not log all management events';
}

/** Every requirement, in the order the annotation names what a trail lacks. */
const CHECKS: ((t: TrailFacts, p: Parameters) => Outcome)[] = [
  (t) => (t.isMultiRegion ? undefined : 'is not multi-region'),
  (t) => (t.isLogging === undefined ? UNKNOWN : t.isLogging ? undefined : 'is not logging'),
  (t) => managementEventsLack(t.managementEvents),
  (t, p) => (!p.requireLogFileValidation || t.logFileValidation ? undefined : 'has no log file validation'),
  (t, p) => (!p.requireKmsEncryption || t.kmsKeyId ? undefined : 'is not encrypted with a KMS key'),
  (t, p) =>
    !p.requireCloudWatchLogs || t.cloudWatchLogsLogGroupArn
      ? undefined
      : 'does not deliver to CloudWatch Logs',
  (t, p) =>
    !p.s3BucketName || t.s3BucketName === p.s3BucketName
      ? undefined
      : t.s3BucketName
        ? `delivers to bucket ${t.s3BucketName}, not ${p.s3BucketName}`
        : `does not deliver to bucket ${p.s3BucketName}`,
];

/**
 * What one trail lacks, and whether some facts were unknown.
 * @example
 * assessTrail(singleRegionTrailWithoutValidation, params)
 * // → { lacks: ['is not multi-region', 'has no log file validation'], unknown: false }
 */
export function assessTrail(t: TrailFacts, p: Parameters): { lacks: string[]; unknown: boolean } {
  const outcomes = CHECKS.map((check) => check(t, p));
  return {
    lacks: outcomes.filter((o): o is string => typeof o === 'string'),
    unknown: outcomes.includes(UNKNOWN),
  };
}

/**
 * COMPLIANT when one trail meets every requirement; otherwise NON_COMPLIANT naming the closest trail (fewest
 * failed checks, first listed on a tie) and all it lacks.
 * @throws UnreadableDependencyError when no trail is known to comply but one might, its status or selectors being
 *   unreadable: reporting either verdict would be a guess.
 * @example
 * evaluate(model, params).annotation // → 'Trail Default is not multi-region and has no log file validation.'
 */
export function evaluate(model: CloudTrailAccountModel, params: Parameters): Verdict {
  if (model.trails.length === 0)
    return { complianceType: 'NON_COMPLIANT', annotation: 'No CloudTrail trail exists.' };
  const assessed = model.trails.map((trail) => ({ trail, ...assessTrail(trail, params) }));
  const good = assessed.find((a) => a.lacks.length === 0 && !a.unknown);
  if (good)
    return {
      complianceType: 'COMPLIANT',
      annotation: `Trail ${good.trail.name} is multi-region, logging, and logs all read and write management events.`,
    };
  const undecided = assessed.find((a) => a.lacks.length === 0);
  if (undecided)
    throw new UnreadableDependencyError(
      model.resourceType,
      model.resourceId,
      `the status or event selectors of trail ${undecided.trail.name} (no other trail complies)`,
      undecided.trail.unreadable.join('; ') || 'unknown',
    );
  const closest = assessed.reduce((best, a) => (a.lacks.length < best.lacks.length ? a : best));
  return {
    complianceType: 'NON_COMPLIANT',
    annotation: `Trail ${closest.trail.name} ${joinAnd(closest.lacks)}.`,
  };
}

/** `AccessDeniedException: …` for an SDK error; our own errors already say what is missing. */
function describeError(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const name = error instanceof RebaselineError ? undefined : awsErrorName(error);
  return name && name !== message ? `${name}: ${message}` : message;
}

async function orUnreadable<T>(
  read: () => Promise<T>,
  what: string,
  unreadable: string[],
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    // Not swallowed: an unknown fact can never make the account COMPLIANT, and evaluate() fails the invocation
    // when the verdict depends on it. Other trails can still decide (an unreadable organization trail must not
    // hide the account's own compliant trail).
    unreadable.push(`${what}: ${describeError(error)}`);
    return undefined;
  }
}

/**
 * One account model holding every trail visible in the account, with its status and event selectors. A trail
 * whose status or selectors cannot be read is kept, those facts unknown (see {@link TrailFacts.unreadable}).
 * @example
 * (await collectTrails(new SnapshotReader({ trails: [] }, id, region), scope)).trails // → []
 */
export async function collectTrails(
  reader: ReaderOf<'cloudtrail'>,
  scope: Scope,
): Promise<CloudTrailAccountModel> {
  const trails = uniqueTrails(await reader.describeTrails());
  const facts = await Promise.all(
    trails.map(async (trail) => {
      const unreadable: string[] = [];
      const [status, selectors] = await Promise.all([
        orUnreadable(() => reader.trailStatus(trail), 'status', unreadable),
        orUnreadable(() => reader.eventSelectors(trail), 'event selectors', unreadable),
      ]);
      return trailFacts(trail, status, selectors, unreadable);
    }),
  );
  return cloudTrailAccountModel(scope.accountId, scope.region, facts);
}

export const rule = defineRule<CloudTrailAccountModel, Parameters, undefined, 'cloudtrail'>({
  meta: ruleMetadata(meta),
  reads: { cloudtrail: cloudtrailReads },
  collect: async (reader, scope) => {
    try {
      return [await collectTrails(reader, scope)];
    } catch (error) {
      // A trail answer that cannot be read whole (MalformedResourceError) is reported as such, never as a verdict.
      if (error instanceof CollectionError) return [error];
      throw error;
    }
  },
  loadContext: async () => undefined,
  evaluate: (model, params) => evaluate(model, params),
});
