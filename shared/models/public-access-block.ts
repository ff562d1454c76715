import type { PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import { type ConfigurationItem, parseMaybeJson } from '../config/configuration-item';
import type { ResourceModel } from '../rule';
import { ACCOUNT_RESOURCE_TYPE } from '../rule';

/** The four S3 Block Public Access settings, in the configuration item's (and rule parameters') camelCase. */
export interface PublicAccessBlockFlags {
  blockPublicAcls: boolean;
  ignorePublicAcls: boolean;
  blockPublicPolicy: boolean;
  restrictPublicBuckets: boolean;
}

export type PublicAccessBlockFlag = keyof PublicAccessBlockFlags;

/** The flags in the order AWS lists them. */
export const PUBLIC_ACCESS_BLOCK_FLAGS: readonly PublicAccessBlockFlag[] = [
  'blockPublicAcls',
  'ignorePublicAcls',
  'blockPublicPolicy',
  'restrictPublicBuckets',
];

/**
 * The API's (and the console's) name of a flag.
 * @example
 * flagName('ignorePublicAcls') // → 'IgnorePublicAcls'
 */
export function flagName(flag: PublicAccessBlockFlag): string {
  return flag.charAt(0).toUpperCase() + flag.slice(1);
}

/**
 * Block Public Access flags from any of the shapes AWS writes them in: the configuration item's camelCase, the
 * API's PascalCase (`GetPublicAccessBlock`), possibly JSON-encoded, with booleans possibly as `"true"`. An absent
 * flag is false (that is what S3 does with it); an absent configuration is `null`.
 * @example
 * publicAccessBlockFlags({ BlockPublicAcls: true, IgnorePublicAcls: 'true' })
 * // → { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false }
 */
export function publicAccessBlockFlags(
  raw: PublicAccessBlockConfiguration | Record<string, unknown> | string | null | undefined,
): PublicAccessBlockFlags | null {
  const value = parseMaybeJson(raw);
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const record = value as Record<string, unknown>;
  const read = (flag: PublicAccessBlockFlag) => {
    const v = record[flag] ?? record[flagName(flag)];
    return v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');
  };
  return {
    blockPublicAcls: read('blockPublicAcls'),
    ignorePublicAcls: read('ignorePublicAcls'),
    blockPublicPolicy: read('blockPublicPolicy'),
    restrictPublicBuckets: read('restrictPublicBuckets'),
  };
}

/**
 * Account-level S3 Block Public Access of one account. The change-triggered path sees it as its own Config
 * resource (`AWS::S3::AccountPublicAccessBlock`), the periodic path as the account (`AWS::::Account`); the
 * resource id is the account id either way.
 */
export interface AccountPublicAccessBlockModel extends ResourceModel {
  /** `null` when the account has no Block Public Access configuration at all. */
  publicAccessBlock: PublicAccessBlockFlags | null;
}

/**
 * Model from an `AWS::S3::AccountPublicAccessBlock` configuration item (flags in `configuration`, camelCase).
 * @example
 * accountPublicAccessBlockFromConfigurationItem(normaliseConfigurationItem(rawItem)).publicAccessBlock?.ignorePublicAcls
 */
export function accountPublicAccessBlockFromConfigurationItem(
  ci: ConfigurationItem,
): AccountPublicAccessBlockModel {
  return {
    resourceType: ci.resourceType,
    resourceId: ci.resourceId,
    accountId: ci.accountId,
    region: ci.awsRegion,
    tags: ci.tags,
    publicAccessBlock: publicAccessBlockFlags(ci.configuration),
  };
}

/**
 * Model of the account as the periodic path reports it, from `s3control:GetPublicAccessBlock`
 * (`null` = `NoSuchPublicAccessBlockConfiguration`).
 * @example
 * accountPublicAccessBlockFromApi(await reader.accountPublicAccessBlock(), '123456789012')
 */
export function accountPublicAccessBlockFromApi(
  config: PublicAccessBlockConfiguration | null,
  accountId: string,
): AccountPublicAccessBlockModel {
  return {
    resourceType: ACCOUNT_RESOURCE_TYPE,
    resourceId: accountId,
    accountId,
    publicAccessBlock: publicAccessBlockFlags(config),
  };
}
