import { type GuardDutyAccountModel, type Parameters, rule } from '../../rules/guardduty-enabled/evaluate';
import type { AwsClients } from '../../shared/aws/clients';
import type { TargetAccount } from '../../shared/aws/target-account';
import { LiveReader } from '../../shared/collectors/live-reader';
import { CollectionError, RemediationVerificationError } from '../../shared/errors';
import { remediationLambda } from '../../shared/lambda/remediation';
import { remediationMetadata } from '../../shared/metadata';
import { type Payload, payloadParserOf, ruleParametersOf } from '../../shared/remediation/payload';
import { verdictOf } from '../../shared/remediation/verdict';
import { ACCOUNT_RESOURCE_TYPE } from '../../shared/rule';
import { type DetectorAction, planDetector } from './plan';
import json from './remediation.json';

export { fastEnough, planDetector } from './plan';

const meta = remediationMetadata(json);
export const REMEDIATION_ID = meta.id;

const FIELDS = [] as const;
type DetectorPayload = Payload<(typeof FIELDS)[number]>;

/**
 * The payload as the document sends it, checked against remediation.json.
 * @throws RemediationInputError when a field is missing or malformed.
 * @example
 * parsePayload({ Mode: 'plan', AccountId: '123456789012' }).MaximumFindingPublishingFrequency // → 'FIFTEEN_MINUTES'
 */
export const parsePayload = payloadParserOf(meta, FIELDS);

/** The plan, as the document's steps read it (`$.Payload.<field>`); every field is always present. */
export interface DetectorPlan {
  Mode: 'plan';
  AccountId: string;
  DryRun: boolean;
  /** `CREATE`: CreateDetector. `UPDATE`, `ENABLE`: UpdateDetector. `ALREADY_COMPLIANT`: verify only. */
  Action: DetectorAction;
  /** The detector UpdateDetector changes; empty for CREATE. */
  DetectorId: string;
  /** Always `true`: the detector is created enabled, or resumed. */
  Enable: boolean;
  FindingPublishingFrequency: string;
  /** The detector before the change as JSON text (`null`: none), for the history. */
  PreviousDetector: string;
  Message: string;
  /** Changes this Lambda makes itself (for the runner's dry-run): none, the document makes them. */
  plan: [];
}

export interface DetectorVerification {
  Mode: 'verify';
  AccountId: string;
  DryRun: boolean;
  /** The rule says COMPLIANT. */
  Compliant: boolean;
  Message: string;
  plan: [];
}

/** The account's detectors through the rule's reader, and the rule's verdict on them (through the engine). */
async function readAccount({ aws, accountId, partition }: TargetAccount, params: Parameters) {
  const reader = new LiveReader(aws, accountId, rule.reads);
  const scope = { accountId, region: aws.region, partition, now: new Date() };
  const [model] = (await rule.collect?.(reader, scope, params)) ?? [];
  if (!model || model instanceof CollectionError)
    throw model ?? new CollectionError(ACCOUNT_RESOURCE_TYPE, accountId, 'no GuardDuty model.');
  const account = model as GuardDutyAccountModel;
  return { model: account, verdict: await verdictOf(rule, account, params, reader, scope) };
}

async function plan(target: TargetAccount, payload: DetectorPayload): Promise<DetectorPlan> {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  const { model, verdict } = await readAccount(target, params);
  const change = planDetector(model, params, verdict.compliant);
  const annotation = verdict.evaluation.annotation ?? '';
  return {
    Mode: 'plan',
    AccountId: target.accountId,
    DryRun: payload.DryRun,
    Action: change.action,
    DetectorId: change.detectorId,
    Enable: true,
    FindingPublishingFrequency: change.frequency,
    PreviousDetector: JSON.stringify(change.previous),
    Message:
      change.action === 'ALREADY_COMPLIANT'
        ? `Already compliant: ${annotation} Nothing changed.`
        : `${payload.DryRun ? 'Would' : 'Will'} ${change.what} for account ${target.accountId}. Now: ${annotation}`,
    plan: [],
  };
}

/** Reads the detectors back: the rule must say COMPLIANT. */
async function verify(target: TargetAccount, payload: DetectorPayload): Promise<DetectorVerification> {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  const { verdict } = await readAccount(target, params);
  const annotation = verdict.evaluation.annotation ?? '';
  if (!verdict.compliant && !payload.DryRun)
    throw new RemediationVerificationError(
      `GuardDuty in account ${target.accountId}, ${target.aws.region} is not compliant: ${annotation}`,
    );
  return {
    Mode: 'verify',
    AccountId: target.accountId,
    DryRun: payload.DryRun,
    Compliant: verdict.compliant,
    Message: verdict.compliant
      ? `Verified: ${annotation}`
      : `Would verify GuardDuty in account ${target.accountId}; now: ${annotation}`,
    plan: [],
  };
}

/**
 * The Lambda of `enable-guardduty`: `plan` reads the region's detectors and says whether to create, update or
 * resume one, with which frequency; `verify` reads them back. Both only read, in the account the invocation is
 * entitled to; the document makes the change with `aws:executeAwsApi`.
 * @example
 * const plan = await createHandler(() => aws)({ Mode: 'plan', AccountId: '123456789012' });
 * plan.Action; // → 'CREATE' in a region without a detector
 */
export function createHandler(clients?: (region: string) => AwsClients) {
  return remediationLambda<(typeof FIELDS)[number], DetectorPlan | DetectorVerification>(
    {
      meta,
      fields: FIELDS,
      modes: {
        plan: (payload, target) => plan(target, payload),
        verify: (payload, target) => verify(target, payload),
      },
      logFields: (result) => (result.Mode === 'plan' ? { action: result.Action } : {}),
    },
    clients,
  );
}

export const handler = createHandler();
