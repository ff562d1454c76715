import { type Parameters, rule } from '../../rules/s3-account-public-access-blocked/evaluate';
import type { AwsClients } from '../../shared/aws/clients';
import type { TargetAccount } from '../../shared/aws/target-account';
import { LiveReader } from '../../shared/collectors/live-reader';
import { awsErrorName, CollectionError, RemediationVerificationError } from '../../shared/errors';
import { remediationLambda } from '../../shared/lambda/remediation';
import { remediationMetadata } from '../../shared/metadata';
import {
  accountPublicAccessBlockFromApi,
  publicAccessBlockFlags,
} from '../../shared/models/public-access-block';
import { type Payload, payloadParserOf, ruleParametersOf } from '../../shared/remediation/payload';
import { verdictOf } from '../../shared/remediation/verdict';
import { ACCOUNT_RESOURCE_TYPE } from '../../shared/rule';
import { planAccountChange, turnedOff } from './plan';
import json from './remediation.json';

export { mergedFlags } from './plan';

const meta = remediationMetadata(json);
export const REMEDIATION_ID = meta.id;

const FIELDS = ['PreviousPublicAccessBlock'] as const;
type AccountPayload = Payload<(typeof FIELDS)[number]>;

/**
 * The payload as the document sends it, checked against remediation.json.
 * @throws RemediationInputError when a field is missing or malformed.
 * @example
 * parsePayload({ Mode: 'plan', AccountId: '123456789012', BlockPublicAcls: true }).BlockPublicAcls // → 'true'
 */
export const parsePayload = payloadParserOf(meta, FIELDS);

/**
 * The plan: the settings to put (each one on when the rule requires it or when it is on now, so nothing is ever
 * turned off), and whether anything changes.
 */
export interface AccountPlan {
  Mode: 'plan';
  AccountId: string;
  DryRun: boolean;
  /** `UPDATE`: put the merged settings. `ALREADY_COMPLIANT`: change nothing, verify. */
  Action: 'UPDATE' | 'ALREADY_COMPLIANT';
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
  /** The account's Block Public Access before the change, as `GetPublicAccessBlock` returned it (`null`: none). */
  PreviousPublicAccessBlock: string;
  Message: string;
  /** Changes this Lambda makes itself (for the runner's dry-run): none, the document makes them. */
  plan: [];
}

export interface AccountVerification {
  Mode: 'verify';
  AccountId: string;
  DryRun: boolean;
  /** The rule says COMPLIANT and no setting that was on before is off. */
  Compliant: boolean;
  Message: string;
  plan: [];
}

export type BlockAccountResult = AccountPlan | AccountVerification;

/** The account's settings as the API returns them, its model and the rule's verdict (through the engine). */
async function readAccount({ aws, accountId, partition }: TargetAccount, params: Parameters) {
  const reader = new LiveReader(aws, accountId, rule.reads);
  let raw: Awaited<ReturnType<LiveReader['accountPublicAccessBlock']>>;
  try {
    raw = await reader.accountPublicAccessBlock();
  } catch (cause) {
    throw new CollectionError(ACCOUNT_RESOURCE_TYPE, accountId, `${awsErrorName(cause) ?? 'error'}.`, {
      cause,
    });
  }
  const model = accountPublicAccessBlockFromApi(raw, accountId);
  const scope = { accountId, region: aws.region, partition, now: new Date() };
  return { raw, model, verdict: await verdictOf(rule, model, params, reader, scope) };
}

async function plan(target: TargetAccount, payload: AccountPayload): Promise<AccountPlan> {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  const account = target.accountId;
  const { raw, model, verdict } = await readAccount(target, params);
  const change = planAccountChange(params, model.publicAccessBlock, verdict.compliant);
  const annotation = verdict.evaluation.annotation ?? '';
  const what =
    change.turnOn.length > 0
      ? `turn on ${change.turnOn.join(', ')}`
      : 'create the configuration with every setting off (none is required)';
  return {
    Mode: 'plan',
    AccountId: account,
    DryRun: payload.DryRun,
    Action: change.action,
    BlockPublicAcls: change.settings.blockPublicAcls,
    IgnorePublicAcls: change.settings.ignorePublicAcls,
    BlockPublicPolicy: change.settings.blockPublicPolicy,
    RestrictPublicBuckets: change.settings.restrictPublicBuckets,
    PreviousPublicAccessBlock: JSON.stringify(raw),
    Message:
      change.action === 'ALREADY_COMPLIANT'
        ? `Already compliant: ${annotation} Nothing changed.`
        : `${payload.DryRun ? 'Would' : 'Will'} ${what} at account level for ${account}; no setting is turned off. Now: ${annotation}`,
    plan: [],
  };
}

/** Re-reads the settings: the rule must say COMPLIANT, and every setting on before must still be on. */
async function verify(target: TargetAccount, payload: AccountPayload): Promise<AccountVerification> {
  const params = ruleParametersOf<Parameters>(meta, rule, payload);
  const account = target.accountId;
  const { model, verdict } = await readAccount(target, params);
  const previous = publicAccessBlockFlags(payload.PreviousPublicAccessBlock || null);
  const off = turnedOff(previous, model.publicAccessBlock);
  const problems = [
    ...(verdict.compliant ? [] : [verdict.evaluation.annotation ?? 'Not compliant.']),
    ...(off.length > 0 ? [`${off.join(', ')} was on before and is off now.`] : []),
  ];
  if (problems.length > 0 && !payload.DryRun)
    throw new RemediationVerificationError(
      `Account ${account} is not in the planned state: ${problems.join(' ')}`,
    );
  return {
    Mode: 'verify',
    AccountId: account,
    DryRun: payload.DryRun,
    Compliant: problems.length === 0,
    Message:
      problems.length === 0
        ? `Verified: ${verdict.evaluation.annotation ?? ''}`
        : `Would verify the account-level settings of ${account}; now: ${problems.join(' ')}`,
    plan: [],
  };
}

/**
 * The Lambda of `block-s3-account-public-access`: `plan` reads the account's Block Public Access and computes the
 * settings to put; `verify` reads them back. Both only read, in the account the invocation is entitled to; the
 * document makes the change with `aws:executeAwsApi`.
 * @example
 * const plan = await createHandler(() => aws)({ Mode: 'plan', AccountId: '123456789012', BlockPublicAcls: 'true' });
 */
export function createHandler(clients?: (region: string) => AwsClients) {
  return remediationLambda<(typeof FIELDS)[number], BlockAccountResult>(
    {
      meta,
      fields: FIELDS,
      modes: {
        plan: (payload, target) => plan(target, payload),
        verify: (payload, target) => verify(target, payload),
      },
    },
    clients,
  );
}

export const handler = createHandler();
