import { s3controlReads } from '../../shared/collectors/reads/s3control';
import { awsErrorName, CollectionError } from '../../shared/errors';
import { ruleMetadata } from '../../shared/metadata';
import {
  type AccountPublicAccessBlockModel,
  accountPublicAccessBlockFromApi,
  accountPublicAccessBlockFromConfigurationItem,
  flagName,
  PUBLIC_ACCESS_BLOCK_FLAGS,
  type PublicAccessBlockFlag,
} from '../../shared/models/public-access-block';
import type { CommonParameters } from '../../shared/params';
import { ACCOUNT_RESOURCE_TYPE, defineRule, type Verdict } from '../../shared/rule';
import meta from './rule.json';

/**
 * Scenarios
 * - Given account-level Block Public Access with all four settings on, then COMPLIANT.
 * - Given a required setting off (e.g. RestrictPublicBuckets false), then NON_COMPLIANT naming the missing settings.
 * - Given a setting off that the parameters do not require (e.g. blockPublicAcls "false"), then COMPLIANT.
 * - Given no account-level configuration at all (NoSuchPublicAccessBlockConfiguration), then NON_COMPLIANT.
 */
export interface Parameters extends CommonParameters {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

/**
 * The settings the parameters require, in AWS's order.
 * @example
 * requiredFlags({ ...params, blockPublicAcls: false }) // → ['ignorePublicAcls', 'blockPublicPolicy', 'restrictPublicBuckets']
 */
export function requiredFlags(params: Parameters): PublicAccessBlockFlag[] {
  return PUBLIC_ACCESS_BLOCK_FLAGS.filter((flag) => params[flag]);
}

/** The settings the parameters require and the annotations that do not depend on the account, per parameters. */
interface Requirement {
  flags: PublicAccessBlockFlag[];
  absent: string;
  compliant: string;
}

const names = (flags: PublicAccessBlockFlag[]) => flags.map(flagName).join(', ');

/** Written once per parameters object (one per rule configuration), not once per evaluation. */
const requirements = new WeakMap<Parameters, Requirement>();

function requirementOf(params: Parameters): Requirement {
  let requirement = requirements.get(params);
  if (!requirement) {
    const flags = requiredFlags(params);
    requirement = {
      flags,
      absent: `No account-level S3 Block Public Access configuration exists${
        flags.length > 0 ? ` (required: ${names(flags)})` : ''
      }.`,
      compliant:
        flags.length > 0
          ? `Account-level S3 Block Public Access has ${names(flags)} on.`
          : 'Account-level S3 Block Public Access exists; no setting is required.',
    };
    requirements.set(params, requirement);
  }
  return requirement;
}

/**
 * The verdict on the account's Block Public Access (pure).
 * @example
 * evaluate(accountPublicAccessBlockFromApi(null, '123456789012'), params).complianceType // → 'NON_COMPLIANT'
 */
export function evaluate(model: AccountPublicAccessBlockModel, params: Parameters): Verdict {
  const required = requirementOf(params);
  const flags = model.publicAccessBlock;
  if (!flags) return { complianceType: 'NON_COMPLIANT', annotation: required.absent };
  const missing = required.flags.filter((flag) => !flags[flag]);
  if (missing.length > 0)
    return {
      complianceType: 'NON_COMPLIANT',
      annotation: `Account-level S3 Block Public Access is missing ${names(missing)}.`,
    };
  return { complianceType: 'COMPLIANT', annotation: required.compliant };
}

export const rule = defineRule<AccountPublicAccessBlockModel, Parameters, undefined, 's3control'>({
  meta: ruleMetadata(meta),
  reads: { s3control: s3controlReads },
  fromConfigurationItem: accountPublicAccessBlockFromConfigurationItem,
  // Deleting the account-level configuration removes the protection: report it now, not at the next periodic run.
  fromDeletedItem: (deleted) => ({ ...deleted, publicAccessBlock: null }),
  collect: async (reader, scope) => {
    try {
      return [accountPublicAccessBlockFromApi(await reader.accountPublicAccessBlock(), scope.accountId)];
    } catch (error) {
      // Unreadable is not "absent": the account must not be reported either way, so Config retries.
      const reason = error instanceof Error ? error.message : `${awsErrorName(error) ?? 'error'}.`;
      return [new CollectionError(ACCOUNT_RESOURCE_TYPE, scope.accountId, reason, { cause: error })];
    }
  },
  loadContext: async () => undefined,
  evaluate,
});
