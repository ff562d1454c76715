import { evaluate, type Parameters, rule } from '../../rules/s3-account-public-access-blocked/evaluate';
import { AwsClients } from '../../shared/aws/clients';
import { targetAccountResolver } from '../../shared/aws/target-account';
import { LiveReader } from '../../shared/collectors/live-reader';
import {
  awsErrorName,
  CollectionError,
  RemediationInputError,
  RemediationVerificationError,
} from '../../shared/errors';
import { logger } from '../../shared/logger';
import {
  accountPublicAccessBlockFromApi,
  flagName,
  PUBLIC_ACCESS_BLOCK_FLAGS,
  type PublicAccessBlockFlags,
  publicAccessBlockFlags,
} from '../../shared/models/public-access-block';
import { parseRuleParameters } from '../../shared/params';
import { ACCOUNT_RESOURCE_TYPE } from '../../shared/rule';

export const REMEDIATION_ID = 'block-s3-account-public-access';

/** What the document sends: the rule's four parameters in Config's string form (`"true"` / `"false"`). */
export interface BlockAccountPayload {
  /** `plan`: compute the settings to put. `verify`: re-read them and check the rule and "nothing turned off". */
  Mode: 'plan' | 'verify';
  /** The account the automation runs in (`{{ global:ACCOUNT_ID }}`): the account whose settings are read. */
  AccountId: string;
  BlockPublicAcls?: string;
  IgnorePublicAcls?: string;
  BlockPublicPolicy?: string;
  RestrictPublicBuckets?: string;
  /** Verify only: the plan's `PreviousPublicAccessBlock`; every setting on in it must still be on. */
  PreviousPublicAccessBlock?: string;
  /** Set by the runner's dry-run: return the plan, change nothing, do not fail verification. */
  DryRun?: boolean;
}

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

const ACCOUNT_ID = /^\d{12}$/;
const FIELDS = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;

/**
 * The payload as the document sends it.
 * @throws RemediationInputError when a field is missing or malformed.
 * @example
 * parsePayload({ Mode: 'plan', AccountId: '123456789012', BlockPublicAcls: true }).BlockPublicAcls // → 'true'
 */
export function parsePayload(raw: unknown): BlockAccountPayload {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw))
    throw new RemediationInputError('The payload must be a JSON object.');
  const p = raw as Record<string, unknown>;
  if (p.Mode !== 'plan' && p.Mode !== 'verify')
    throw new RemediationInputError(`Mode must be "plan" or "verify", got ${JSON.stringify(p.Mode)}.`);
  if (typeof p.AccountId !== 'string' || !ACCOUNT_ID.test(p.AccountId))
    throw new RemediationInputError(
      `AccountId must be a 12-digit account id, got ${JSON.stringify(p.AccountId)}.`,
    );
  const payload: BlockAccountPayload = {
    Mode: p.Mode,
    AccountId: p.AccountId,
    DryRun: p.DryRun === true || p.DryRun === 'true',
  };
  if (p.PreviousPublicAccessBlock !== undefined) {
    if (typeof p.PreviousPublicAccessBlock !== 'string')
      throw new RemediationInputError("PreviousPublicAccessBlock must be the plan's JSON text.");
    payload.PreviousPublicAccessBlock = p.PreviousPublicAccessBlock;
  }
  for (const field of FIELDS) {
    const v = p[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' && typeof v !== 'boolean')
      throw new RemediationInputError(`${field} must be "true" or "false", got ${JSON.stringify(v)}.`);
    payload[field] = String(v);
  }
  return payload;
}

/**
 * The rule's parameters from the payload, parsed as the rule parses its own (absent → the rule's default).
 * @example
 * ruleParametersOf({ Mode: 'plan', AccountId: '123456789012', RestrictPublicBuckets: 'false' }).restrictPublicBuckets // → false
 */
export function ruleParametersOf(payload: BlockAccountPayload): Parameters {
  return parseRuleParameters<Parameters>(rule.meta, {
    blockPublicAcls: payload.BlockPublicAcls,
    ignorePublicAcls: payload.IgnorePublicAcls,
    blockPublicPolicy: payload.BlockPublicPolicy,
    restrictPublicBuckets: payload.RestrictPublicBuckets,
  });
}

/**
 * Each setting on when the rule requires it or when it is on now: the remediation never turns a setting off.
 * @example
 * mergedFlags(params, { blockPublicAcls: false, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false })
 * // with only blockPublicAcls required → { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false }
 */
export function mergedFlags(
  params: Parameters,
  current: PublicAccessBlockFlags | null,
): PublicAccessBlockFlags {
  const merged = {} as PublicAccessBlockFlags;
  for (const flag of PUBLIC_ACCESS_BLOCK_FLAGS) merged[flag] = params[flag] || current?.[flag] === true;
  return merged;
}

async function readAccount(aws: AwsClients, account: string) {
  try {
    return await new LiveReader(aws, account).accountPublicAccessBlock();
  } catch (cause) {
    throw new CollectionError(ACCOUNT_RESOURCE_TYPE, account, `${awsErrorName(cause) ?? 'error'}.`, {
      cause,
    });
  }
}

async function plan(aws: AwsClients, payload: BlockAccountPayload): Promise<AccountPlan> {
  const params = ruleParametersOf(payload);
  const account = payload.AccountId;
  const raw = await readAccount(aws, account);
  const model = accountPublicAccessBlockFromApi(raw, account);
  const merged = mergedFlags(params, model.publicAccessBlock);
  const verdict = evaluate(model, params);
  const settings = {
    BlockPublicAcls: merged.blockPublicAcls,
    IgnorePublicAcls: merged.ignorePublicAcls,
    BlockPublicPolicy: merged.blockPublicPolicy,
    RestrictPublicBuckets: merged.restrictPublicBuckets,
  };
  const base = {
    Mode: 'plan' as const,
    AccountId: account,
    DryRun: payload.DryRun === true,
    PreviousPublicAccessBlock: JSON.stringify(raw),
    plan: [] as [],
  };
  if (verdict.complianceType === 'COMPLIANT')
    return {
      ...base,
      // Already compliant: the merged settings are the current ones, and verification checks exactly those.
      Action: 'ALREADY_COMPLIANT',
      ...settings,
      Message: `Already compliant: ${verdict.annotation} Nothing changed.`,
    };
  const turnOn = PUBLIC_ACCESS_BLOCK_FLAGS.filter((f) => merged[f] && !model.publicAccessBlock?.[f]).map(
    flagName,
  );
  const change =
    turnOn.length > 0
      ? `turn on ${turnOn.join(', ')}`
      : 'create the configuration with every setting off (none is required)';
  return {
    ...base,
    Action: 'UPDATE',
    ...settings,
    Message: `${payload.DryRun ? 'Would' : 'Will'} ${change} at account level for ${account}; no setting is turned off. Now: ${verdict.annotation}`,
  };
}

/** Re-reads the settings: the rule must say COMPLIANT, and every setting on before must still be on. */
async function verify(aws: AwsClients, payload: BlockAccountPayload): Promise<AccountVerification> {
  const params = ruleParametersOf(payload);
  const account = payload.AccountId;
  const model = accountPublicAccessBlockFromApi(await readAccount(aws, account), account);
  const verdict = evaluate(model, params);
  const previous = publicAccessBlockFlags(payload.PreviousPublicAccessBlock ?? null);
  const turnedOff = PUBLIC_ACCESS_BLOCK_FLAGS.filter((f) => previous?.[f] && !model.publicAccessBlock?.[f]);
  const problems = [
    ...(verdict.complianceType === 'COMPLIANT' ? [] : [verdict.annotation ?? 'Not compliant.']),
    ...(turnedOff.length > 0 ? [`${turnedOff.map(flagName).join(', ')} was on before and is off now.`] : []),
  ];
  if (problems.length > 0 && !payload.DryRun)
    throw new RemediationVerificationError(
      `Account ${account} is not in the planned state: ${problems.join(' ')}`,
    );
  return {
    Mode: 'verify',
    AccountId: account,
    DryRun: payload.DryRun === true,
    Compliant: problems.length === 0,
    Message:
      problems.length === 0
        ? `Verified: ${verdict.annotation}`
        : `Would verify the account-level settings of ${account}; now: ${problems.join(' ')}`,
    plan: [],
  };
}

/**
 * The Lambda of `block-s3-account-public-access`: `plan` reads the account's Block Public Access and computes the
 * settings to put; `verify` reads them back. Both only read, in the account the automation runs in (through the
 * execution role when that is not the Lambda's own account); the document makes the change with
 * `aws:executeAwsApi`.
 * @example
 * const plan = await createHandler(() => aws)({ Mode: 'plan', AccountId: '123456789012', BlockPublicAcls: 'true' });
 */
export function createHandler(
  clients: (region: string) => AwsClients = (region) => new AwsClients({ region }),
): (payload: unknown) => Promise<BlockAccountResult> {
  const reach = targetAccountResolver(REMEDIATION_ID);
  return async (raw) => {
    const payload = parsePayload(raw);
    const { aws } = await reach(clients(process.env.AWS_REGION ?? 'us-east-1'), payload.AccountId);
    const result = payload.Mode === 'plan' ? await plan(aws, payload) : await verify(aws, payload);
    logger.info(
      { remediation: REMEDIATION_ID, mode: result.Mode, accountId: result.AccountId },
      result.Message,
    );
    return result;
  };
}

export const handler = createHandler();
