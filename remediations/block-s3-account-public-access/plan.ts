import type { Parameters } from '../../rules/s3-account-public-access-blocked/evaluate';
import {
  flagName,
  PUBLIC_ACCESS_BLOCK_FLAGS,
  type PublicAccessBlockFlags,
} from '../../shared/models/public-access-block';

/**
 * Scenarios
 * - Given the rule says the account is compliant, then change nothing (ALREADY_COMPLIANT) and verify the settings.
 * - Given some required setting off, then UPDATE with each setting on when the rule requires it or when it is on
 *   now: no setting is ever turned off.
 * - Given a setting that was on before the change and is off after it, then the verification fails.
 */

/** The settings `PutPublicAccessBlock` receives and whether anything changes. */
export interface AccountChange {
  action: 'UPDATE' | 'ALREADY_COMPLIANT';
  settings: PublicAccessBlockFlags;
  /** API names of the settings this turns on. */
  turnOn: string[];
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

/**
 * The change that makes the account compliant, from the rule's verdict and the current settings. Pure.
 * @example
 * planAccountChange(params, null, false).turnOn // → ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets']
 */
export function planAccountChange(
  params: Parameters,
  current: PublicAccessBlockFlags | null,
  compliant: boolean,
): AccountChange {
  const settings = mergedFlags(params, current);
  // Already compliant: the merged settings are the current ones, and verification checks exactly those.
  if (compliant) return { action: 'ALREADY_COMPLIANT', settings, turnOn: [] };
  const turnOn = PUBLIC_ACCESS_BLOCK_FLAGS.filter((f) => settings[f] && !current?.[f]).map(flagName);
  return { action: 'UPDATE', settings, turnOn };
}

/**
 * The settings that were on before and are off now (a verification failure).
 * @example
 * turnedOff({ …, blockPublicAcls: true }, { …, blockPublicAcls: false }) // → ['BlockPublicAcls']
 */
export function turnedOff(
  previous: PublicAccessBlockFlags | null,
  now: PublicAccessBlockFlags | null,
): string[] {
  return PUBLIC_ACCESS_BLOCK_FLAGS.filter((f) => previous?.[f] && !now?.[f]).map(flagName);
}
