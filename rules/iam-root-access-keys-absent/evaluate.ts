import type { ReaderOf } from '../../shared/collectors/reader';
import { iamReads } from '../../shared/collectors/reads/iam';
import { awsErrorName } from '../../shared/errors';
import { logger } from '../../shared/logger';
import { ruleMetadata } from '../../shared/metadata';
import {
  type RootAccessKey,
  type RootAccessKeysModel,
  rootAccessKeysAbsent,
  rootAccessKeysFromReport,
} from '../../shared/models/credential-report';
import type { CommonParameters } from '../../shared/params';
import { defineRule, type Scope, type Verdict } from '../../shared/rule';
import meta from './rule.json';

/**
 * Scenarios
 * - Given the root user has no access key, then COMPLIANT.
 * - Given root access key 1 or 2 is active, then NON_COMPLIANT, saying per key when it was last used.
 * - Given an active root key last used (or, never used, created) more than unusedDays ago, then NON_COMPLIANT and
 *   the key is flagged unused: the highest risk, since nobody would notice its abuse.
 * - Given only an inactive root key that still exists, then COMPLIANT with "Inactive root access key present;
 *   delete it."
 * - Given a credential report without a <root_account> row, then the invocation fails (never COMPLIANT).
 */
export interface Parameters extends CommonParameters {
  unusedDays: number;
}

const DAY_MS = 86_400_000;

/**
 * Whole days from `then` to `now`; a date after `now` (clock skew, odd reports) counts as 0.
 * @example
 * daysBetween(new Date('2015-07-04T15:09:00Z'), new Date('2016-11-25T14:30:42Z')) // → 509
 */
export function daysBetween(then: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - then.getTime()) / DAY_MS));
}

const ago = (days: number) => (days === 0 ? 'today' : days === 1 ? '1 day ago' : `${days} days ago`);

/** What the annotation says about one active key. */
function describeActiveKey(key: RootAccessKey, unusedDays: number, now: Date): string {
  const name = `Root access key ${key.slot}`;
  if (key.lastUsedDate) {
    const days = daysBetween(key.lastUsedDate, now);
    return days > unusedDays
      ? `${name} is active and unused: last used ${ago(days)}, more than ${unusedDays} days (highest risk).`
      : `${name} is active, last used ${ago(days)}.`;
  }
  // Never used: how long it has been lying around is its age; without a creation date, assume the worst.
  const age = key.lastRotated ? daysBetween(key.lastRotated, now) : undefined;
  if (age === undefined) return `${name} is active and unused: never used (highest risk).`;
  return age > unusedDays
    ? `${name} is active and unused: never used, created ${ago(age)} (highest risk).`
    : `${name} is active, never used (created ${ago(age)}).`;
}

/**
 * The verdict on the root user's access keys.
 * @example
 * evaluate(model, { unusedDays: 90, … }, undefined, scope)
 * // → { complianceType: 'NON_COMPLIANT',
 * //     annotation: 'Root access key 1 is active and unused: last used 509 days ago, more than 90 days (highest risk). Inactive root access key 2 present; delete it.' }
 */
export function evaluate(
  model: RootAccessKeysModel,
  params: Parameters,
  _context: unknown,
  scope: Scope,
): Verdict {
  const active = model.keys.filter((k) => k.active);
  const inactive = model.keys.filter((k) => !k.active);
  if (active.length === 0)
    return {
      complianceType: 'COMPLIANT',
      annotation:
        inactive.length > 0
          ? 'Inactive root access key present; delete it.'
          : 'The root user has no access keys.',
    };
  return {
    complianceType: 'NON_COMPLIANT',
    annotation: [
      ...active.map((k) => describeActiveKey(k, params.unusedDays, scope.now)),
      ...inactive.map((k) => `Inactive root access key ${k.slot} present; delete it.`),
    ].join(' '),
  };
}

/**
 * The account's root-key model. `AccountAccessKeysPresent: 0` answers without the credential report; any other
 * answer, or none (the call failed or is not allowed), falls back to the report, which is authoritative.
 * @throws InsufficientDataError when the report cannot be read or has no `<root_account>` row.
 * @example
 * (await collectRootAccessKeys(new SnapshotReader({ accountAccessKeysPresent: 0 }, id, region), scope)).source
 * // → 'account-summary'
 */
export async function collectRootAccessKeys(
  reader: ReaderOf<'iam'>,
  scope: Scope,
): Promise<RootAccessKeysModel> {
  let present: number | undefined;
  try {
    present = await reader.accountAccessKeysPresent();
  } catch (error) {
    // Only a short-cut: whatever made it fail, the credential report still decides.
    logger.warn({ error: awsErrorName(error) }, 'GetAccountSummary failed; reading the credential report');
  }
  if (present === 0) return rootAccessKeysAbsent(scope.accountId, scope.region);
  return rootAccessKeysFromReport(await reader.credentialReport(), scope.accountId, scope.region);
}

export const rule = defineRule<RootAccessKeysModel, Parameters, undefined, 'iam'>({
  meta: ruleMetadata(meta),
  reads: { iam: iamReads },
  collect: async (reader, scope) => [await collectRootAccessKeys(reader, scope)],
  loadContext: async () => undefined,
  evaluate,
});
