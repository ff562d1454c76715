import { evaluate, type Parameters, rule } from '../../rules/s3-account-public-access-blocked/evaluate';
import type { AwsClients } from '../../shared/aws/clients';
import { LiveReader } from '../../shared/collectors/live-reader';
import { awsErrorName, CollectionError, RemediationVerificationError } from '../../shared/errors';
import { remediationLambda } from '../../shared/lambda/remediation';
import {
  accountPublicAccessBlockFromApi,
  flagName,
  PUBLIC_ACCESS_BLOCK_FLAGS,
  type PublicAccessBlockFlags,
  publicAccessBlockFlags,
} from '../../shared/models/public-access-block';
import { parseRuleParameters } from '../../shared/params';
import { ACCOUNT_ID_FIELD, payloadParser } from '../../shared/remediation/payload';
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

/** A rule parameter in Config's string form; the runner may pass a boolean unquoted. */
const FLAG = { type: ['string', 'boolean', 'null'], description: '"true" or "false"' } as const;

/**
 * The payload as the document sends it.
 * @throws RemediationInputError when a field is missing or malformed.
 * @example
 * parsePayload({ Mode: 'plan', AccountId: '123456789012', BlockPublicAcls: true }).BlockPublicAcls // → 'true'
 */
export const parsePayload = payloadParser<BlockAccountPayload>(REMEDIATION_ID, {
  type: 'object',
  required: ['Mode', 'AccountId'],
  properties: {
    Mode: { enum: ['plan', 'verify'] },
    AccountId: ACCOUNT_ID_FIELD,
    PreviousPublicAccessBlock: { type: 'string', description: "the plan's JSON text" },
    BlockPublicAcls: FLAG,
    IgnorePublicAcls: FLAG,
    BlockPublicPolicy: FLAG,
    RestrictPublicBuckets: FLAG,
  },
});

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
    return await new LiveReader(aws, account, rule.reads).accountPublicAccessBlock();
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
  clients?: (region: string) => AwsClients,
): (payload: unknown) => Promise<BlockAccountResult> {
  return remediationLambda<BlockAccountPayload, BlockAccountResult>(
    {
      id: REMEDIATION_ID,
      parse: parsePayload,
      modes: {
        plan: async (payload, account) => plan((await account()).aws, payload),
        verify: async (payload, account) => verify((await account()).aws, payload),
      },
    },
    clients,
  );
}

export const handler = createHandler();
