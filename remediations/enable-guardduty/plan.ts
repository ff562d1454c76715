import {
  type DetectorFacts,
  type FindingPublishingFrequency,
  FREQUENCIES,
  type GuardDutyAccountModel,
  type Parameters,
} from '../../rules/guardduty-enabled/evaluate';
import { InsufficientDataError, ManualActionRequiredError } from '../../shared/errors';

/**
 * Scenarios
 * - Given the rule says the account is compliant in the region, then nothing changes (ALREADY_COMPLIANT) and the
 *   detector is verified.
 * - Given no detector in the region, then CREATE one, enabled, publishing findings every
 *   maximumFindingPublishingFrequency (GuardDuty's own default, SIX_HOURS, would leave it NON_COMPLIANT).
 * - Given an ENABLED detector that publishes less often than maximumFindingPublishingFrequency, then UPDATE only its
 *   frequency, to maximumFindingPublishingFrequency.
 * - Given a DISABLED (suspended) detector, then ENABLE it, keeping its frequency when it is fast enough and setting
 *   maximumFindingPublishingFrequency otherwise.
 * - Given a suspended detector that the organisation's administrator manages, then change nothing: a member cannot
 *   resume what its administrator suspended, so a person must enable it from the administrator account.
 * - Given a suspended detector whose administrator could not be read, then change nothing (unknown is not
 *   "standalone").
 * - Given several detectors (GuardDuty allows one per account and region), then only the first is changed.
 */

/** What the document does next. */
export type DetectorAction = 'CREATE' | 'UPDATE' | 'ENABLE' | 'ALREADY_COMPLIANT';

/** A detector's state before the change, recorded so a person can restore it. */
export interface PreviousDetector {
  DetectorId: string;
  Status: string | undefined;
  FindingPublishingFrequency: string | undefined;
}

/** The change, as the document's API steps take it. */
export interface DetectorChange {
  action: DetectorAction;
  /** The detector UpdateDetector changes (empty for CREATE and ALREADY_COMPLIANT without a detector). */
  detectorId: string;
  /** The frequency CreateDetector or UpdateDetector sets (for ALREADY_COMPLIANT: the detector's own). */
  frequency: FindingPublishingFrequency;
  /** The detector before the change; `null` when there was none. */
  previous: PreviousDetector | null;
  /** What the change does, in words (without the rule's annotation). */
  what: string;
}

/**
 * The faster of the detector's frequency and the one required: a frequency that is fast enough is kept.
 * @example
 * fastEnough('FIFTEEN_MINUTES', 'ONE_HOUR'); // → 'FIFTEEN_MINUTES'
 * fastEnough('SIX_HOURS', 'ONE_HOUR'); // → 'ONE_HOUR'
 */
export function fastEnough(
  current: FindingPublishingFrequency | undefined,
  required: FindingPublishingFrequency,
): FindingPublishingFrequency {
  return current !== undefined && FREQUENCIES.indexOf(current) <= FREQUENCIES.indexOf(required)
    ? current
    : required;
}

function previousOf(d: DetectorFacts): PreviousDetector {
  return { DetectorId: d.id, Status: d.status, FindingPublishingFrequency: d.frequency };
}

/**
 * The smallest change that makes GuardDuty compliant in the account's region, from the rule's model and verdict.
 * Pure: the model in, the exact inputs of CreateDetector or UpdateDetector out.
 * @throws ManualActionRequiredError for a suspended detector the organisation's administrator manages.
 * @throws InsufficientDataError for a suspended detector whose administrator could not be read.
 * @example
 * planDetector({ …account, detectors: [] }, { maximumFindingPublishingFrequency: 'FIFTEEN_MINUTES' }, false).action
 * // → 'CREATE'
 */
export function planDetector(
  model: GuardDutyAccountModel,
  params: Pick<Parameters, 'maximumFindingPublishingFrequency'>,
  compliant: boolean,
): DetectorChange {
  const required = params.maximumFindingPublishingFrequency;
  const first = model.detectors[0];
  if (compliant)
    return {
      action: 'ALREADY_COMPLIANT',
      detectorId: first?.id ?? '',
      frequency: fastEnough(first?.frequency, required),
      previous: first ? previousOf(first) : null,
      what: 'change nothing',
    };
  if (!first)
    return {
      action: 'CREATE',
      detectorId: '',
      frequency: required,
      previous: null,
      what: `create a GuardDuty detector in ${model.region}, enabled, publishing findings every ${required}`,
    };
  const previous = previousOf(first);
  if (first.status === 'ENABLED')
    return {
      action: 'UPDATE',
      detectorId: first.id,
      frequency: required,
      previous,
      what: `set the finding publishing frequency of GuardDuty detector ${first.id} to ${required}`,
    };
  const admin = first.administrator;
  if (admin === undefined)
    throw new InsufficientDataError(
      `The administrator of GuardDuty detector ${first.id} could not be read (${first.unreadable.join('; ') || 'unknown'}): a detector the organisation's administrator manages is resumed from the administrator account, so nothing was changed.`,
    );
  if (admin && admin.relationshipStatus.toLowerCase() === 'enabled')
    throw new ManualActionRequiredError(
      model.accountId,
      'managed by the organisation administrator',
      `GuardDuty detector ${first.id} of account ${model.accountId} is suspended and managed by the organisation's administrator account ${admin.accountId}: a member cannot resume it. Enable it from the administrator account (UpdateMemberDetectors, or the organisation's auto-enable configuration). Nothing was changed.`,
    );
  const frequency = fastEnough(first.frequency, required);
  return {
    action: 'ENABLE',
    detectorId: first.id,
    frequency,
    previous,
    what: `enable (resume) GuardDuty detector ${first.id}, publishing findings every ${frequency}`,
  };
}
