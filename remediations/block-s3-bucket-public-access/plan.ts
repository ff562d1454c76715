import type { PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import type { Parameters } from '../../rules/s3-bucket-no-public-access/evaluate';
import {
  flagName,
  PUBLIC_ACCESS_BLOCK_FLAGS,
  publicAccessBlockFlags,
} from '../../shared/models/public-access-block';
import type { RemediationVerdict } from '../../shared/remediation/verdict';

/**
 * Scenarios
 * - Given the rule says the bucket is NON_COMPLIANT, then BLOCK: PutPublicAccessBlock with all four settings on.
 * - Given the rule says COMPLIANT, then change nothing, whatever the bucket's own settings are (a private bucket
 *   without Block Public Access is left as it is): ALREADY_COMPLIANT.
 * - Given the bucket is listed in excludedPublicBuckets, then EXCLUDED; exempted by the rule's exemptions, then
 *   EXEMPTED: both change nothing.
 */

/**
 * - `BLOCK`: turn on all four settings.
 * - `ALREADY_COMPLIANT`: the rule says the bucket is not public; change nothing, verify.
 * - `EXCLUDED` / `EXEMPTED`: the bucket is meant to be public, or exempted from the rule; change nothing.
 */
export type BucketAction = 'BLOCK' | 'ALREADY_COMPLIANT' | 'EXCLUDED' | 'EXEMPTED';

/** The configuration `PutPublicAccessBlock` receives (the document's BlockBucketPublicAccess step). */
export const ALL_FOUR_ON: Required<PublicAccessBlockConfiguration> = {
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
};

/**
 * What to do with a bucket, from the rule's verdict on it (never from its settings alone: a bucket the rule calls
 * compliant is never changed). Pure.
 * @example
 * bucketAction('site', params, { compliant: false, evaluation }) // → 'BLOCK'
 * bucketAction('private-bucket', params, { compliant: true, evaluation }) // → 'ALREADY_COMPLIANT'
 */
export function bucketAction(
  bucket: string,
  params: Pick<Parameters, 'excludedPublicBuckets'>,
  verdict: Pick<RemediationVerdict, 'compliant' | 'exemption'>,
): BucketAction {
  if (verdict.exemption) return 'EXEMPTED';
  if (params.excludedPublicBuckets.includes(bucket)) return 'EXCLUDED';
  return verdict.compliant ? 'ALREADY_COMPLIANT' : 'BLOCK';
}

/**
 * A bucket's Block Public Access for a message.
 * @example
 * describeBlock({ BlockPublicAcls: true }) // → 'BlockPublicAcls on'
 */
export function describeBlock(config: PublicAccessBlockConfiguration | null): string {
  const flags = publicAccessBlockFlags(config);
  if (!flags) return 'no Block Public Access configuration';
  const on = PUBLIC_ACCESS_BLOCK_FLAGS.filter((f) => flags[f]).map(flagName);
  return on.length > 0 ? `${on.join(', ')} on` : 'every Block Public Access setting off';
}
