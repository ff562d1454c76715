import type { ReaderOf } from '../../shared/collectors/reader';
import {
  awsErrorName,
  CollectionError,
  RebaselineError,
  UnreadableDependencyError,
} from '../../shared/errors';
import { ruleMetadata } from '../../shared/metadata';
import type { CommonParameters } from '../../shared/params';
import {
  ACCOUNT_RESOURCE_TYPE,
  defineRule,
  type ResourceModel,
  type Scope,
  type Verdict,
} from '../../shared/rule';
import { type GuardDutyAdministrator, guarddutyReads } from './reads';
import meta from './rule.json';

/**
 * Scenarios
 * - Given no GuardDuty detector in the region, then NON_COMPLIANT "GuardDuty has no detector in <region>."
 * - Given a detector that is ENABLED and publishes findings at least as often as maximumFindingPublishingFrequency
 *   (FIFTEEN_MINUTES by default), then COMPLIANT.
 * - Given an ENABLED detector that publishes less often (SIX_HOURS), then NON_COMPLIANT naming both frequencies,
 *   unless an organisation administrator manages it (relationship Enabled): the administrator sets a member's
 *   frequency, so the member is covered (COMPLIANT, naming the administrator account).
 * - Given a DISABLED (suspended) detector, then NON_COMPLIANT, managed or not: nothing is monitored.
 * - Given a detector, or its administrator, that cannot be read when the verdict depends on it, then the account is
 *   not evaluated (never COMPLIANT) and the invocation fails so Config retries; a status or frequency GuardDuty does
 *   not define is refused, never read as ENABLED.
 */
export interface Parameters extends CommonParameters {
  maximumFindingPublishingFrequency: FindingPublishingFrequency;
}

/** GuardDuty's finding publishing frequencies, fastest first. */
export const FREQUENCIES = ['FIFTEEN_MINUTES', 'ONE_HOUR', 'SIX_HOURS'] as const;
export type FindingPublishingFrequency = (typeof FREQUENCIES)[number];

/** What the rule knows about one detector; `undefined` facts could not be read (see `unreadable`). */
export interface DetectorFacts {
  id: string;
  status: 'ENABLED' | 'DISABLED' | undefined;
  frequency: FindingPublishingFrequency | undefined;
  /** The administrator managing it: `null` for none, `undefined` when it could not be read. */
  administrator: { accountId: string; relationshipStatus: string } | null | undefined;
  unreadable: string[];
}

/** One account and region: every detector GuardDuty lists there. */
export interface GuardDutyAccountModel extends ResourceModel {
  region: string;
  detectors: DetectorFacts[];
}

/** A member managed by its organisation's administrator: the relationship is Enabled (GuardDuty's spelling). */
function managedBy(d: DetectorFacts): string | undefined {
  return d.administrator && d.administrator.relationshipStatus.toLowerCase() === 'enabled'
    ? d.administrator.accountId
    : undefined;
}

type Assessment = { compliant: string } | { lacks: string } | { unknown: string };

function assess(d: DetectorFacts, p: Parameters): Assessment {
  const why = d.unreadable.join('; ') || 'unknown';
  if (d.status === undefined) return { unknown: `the status of detector ${d.id} (${why})` };
  if (d.status === 'DISABLED')
    return { lacks: `GuardDuty detector ${d.id} is DISABLED (suspended): nothing is monitored.` };
  const wanted = FREQUENCIES.indexOf(p.maximumFindingPublishingFrequency);
  if (d.frequency !== undefined && FREQUENCIES.indexOf(d.frequency) <= wanted)
    return {
      compliant: `GuardDuty detector ${d.id} is ENABLED and publishes findings every ${d.frequency}.`,
    };
  const admin = managedBy(d);
  if (admin)
    return {
      compliant: `GuardDuty detector ${d.id} is ENABLED and managed by the organisation's administrator account ${admin}, which sets its finding publishing frequency.`,
    };
  if (d.administrator === undefined) return { unknown: `the administrator of detector ${d.id} (${why})` };
  if (d.frequency === undefined)
    return { unknown: `the finding publishing frequency of detector ${d.id} (${why})` };
  return {
    lacks: `GuardDuty detector ${d.id} publishes findings every ${d.frequency}; at most ${p.maximumFindingPublishingFrequency} is required.`,
  };
}

/**
 * COMPLIANT when one detector of the region is ENABLED and publishes often enough, or is managed by an
 * organisation administrator; otherwise NON_COMPLIANT naming what the first detector lacks.
 * @throws UnreadableDependencyError when no detector is known to comply but one might, some fact being unreadable.
 * @example
 * evaluate({ ...account, detectors: [] }, params).annotation // → 'GuardDuty has no detector in us-east-1.'
 */
export function evaluate(model: GuardDutyAccountModel, params: Parameters): Verdict {
  if (model.detectors.length === 0)
    return { complianceType: 'NON_COMPLIANT', annotation: `GuardDuty has no detector in ${model.region}.` };
  const assessed = model.detectors.map((d) => assess(d, params));
  const good = assessed.find((a): a is { compliant: string } => 'compliant' in a);
  if (good) return { complianceType: 'COMPLIANT', annotation: good.compliant };
  const unknown = assessed.find((a): a is { unknown: string } => 'unknown' in a);
  if (unknown)
    throw new UnreadableDependencyError(
      model.resourceType,
      model.resourceId,
      unknown.unknown,
      'no other detector complies',
    );
  const first = assessed[0] as { lacks: string };
  return { complianceType: 'NON_COMPLIANT', annotation: first.lacks };
}

function describeError(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).replace(/\.$/, '');
  const name = error instanceof RebaselineError ? undefined : awsErrorName(error);
  return name && name !== message ? `${name}: ${message}` : message;
}

/** A value GuardDuty defines, or `undefined` with the reason recorded (never a guess). */
function decoded<T extends string>(
  value: unknown,
  allowed: readonly T[],
  field: string,
  unreadable: string[],
): T | undefined {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  unreadable.push(`${field} is ${JSON.stringify(value)}, not one of ${allowed.join(', ')}`);
  return undefined;
}

function administratorOf(
  a: GuardDutyAdministrator | null,
  unreadable: string[],
): DetectorFacts['administrator'] {
  if (a === null || (a.AccountId === undefined && a.RelationshipStatus === undefined)) return null;
  if (typeof a.AccountId !== 'string' || typeof a.RelationshipStatus !== 'string') {
    unreadable.push(`Administrator is ${JSON.stringify(a)}, without AccountId and RelationshipStatus`);
    return undefined;
  }
  return { accountId: a.AccountId, relationshipStatus: a.RelationshipStatus };
}

/**
 * One model of the account in the region, holding every detector with its status, frequency and administrator. A
 * detector whose facts cannot be read is kept with those facts unknown; a list of detectors that cannot be read is
 * a CollectionError (the account is not evaluated).
 * @example
 * (await collectDetectors(new SnapshotReader({ detectorIds: [] }, id, region), scope)).detectors // → []
 */
export async function collectDetectors(
  reader: ReaderOf<'guardduty'>,
  scope: Scope,
): Promise<GuardDutyAccountModel> {
  const ids = await reader.listDetectorIds();
  const detectors = await Promise.all(
    ids.map(async (id): Promise<DetectorFacts> => {
      const unreadable: string[] = [];
      let status: DetectorFacts['status'];
      let frequency: DetectorFacts['frequency'];
      try {
        const d = await reader.detector(id);
        status = decoded(d.Status, ['ENABLED', 'DISABLED'] as const, 'Status', unreadable);
        frequency = decoded(
          d.FindingPublishingFrequency,
          FREQUENCIES,
          'FindingPublishingFrequency',
          unreadable,
        );
      } catch (error) {
        unreadable.push(`detector: ${describeError(error)}`);
      }
      let administrator: DetectorFacts['administrator'];
      try {
        administrator = administratorOf(await reader.administrator(id), unreadable);
      } catch (error) {
        unreadable.push(`administrator: ${describeError(error)}`);
      }
      return { id, status, frequency, administrator, unreadable };
    }),
  );
  return {
    resourceType: ACCOUNT_RESOURCE_TYPE,
    resourceId: scope.accountId,
    accountId: scope.accountId,
    region: scope.region,
    detectors,
  };
}

export const rule = defineRule<GuardDutyAccountModel, Parameters, undefined, 'guardduty'>({
  meta: ruleMetadata(meta),
  reads: { guardduty: guarddutyReads },
  collect: async (reader, scope) => {
    try {
      return [await collectDetectors(reader, scope)];
    } catch (error) {
      // The detectors cannot be listed: unknown is not "none", so the account is not reported either way.
      return [
        error instanceof CollectionError
          ? error
          : new CollectionError(ACCOUNT_RESOURCE_TYPE, scope.accountId, `${describeError(error)}.`, {
              cause: error,
            }),
      ];
    }
  },
  loadContext: async () => undefined,
  evaluate: (model, params) => evaluate(model, params),
});
