import type { PublicAccessBlockConfiguration } from '@aws-sdk/client-s3';
import { type ConfigurationItem, parseMaybeJson } from '../config/configuration-item';
import type { ResourceModel } from '../rule';
import { ACCOUNT_RESOURCE_TYPE } from '../rule';
import { boolean, record, unwrapJson, type Where } from './decode';

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
 * Block Public Access flags of a model, strictly: `null` when there is no configuration (absent or null), else an
 * object (or its JSON text) in the configuration item's camelCase or the API's PascalCase with all four flags,
 * booleans or `"true"`/`"false"`. S3 and Config always write the four; a configuration that lacks one, or holds
 * something else, was not read whole and is refused (reading it as off could still hide a flag that is on and
 * decides nothing, but guessing is what this module does not do).
 * @throws MalformedResourceError naming the flag.
 * @example
 * decodePublicAccessBlock('{"blockPublicAcls":true,"ignorePublicAcls":"false","blockPublicPolicy":true,"restrictPublicBuckets":true}', where, 'configuration')
 * // → { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: true }
 */
export function decodePublicAccessBlock(
  value: unknown,
  where: Where,
  path: string,
): PublicAccessBlockFlags | null {
  if (value === undefined || value === null) return null;
  const config = record(value, where, path);
  // Config writes camelCase, the API PascalCase: a missing flag is named the way the others are written.
  const camel = PUBLIC_ACCESS_BLOCK_FLAGS.some((f) => f in config);
  const read = (flag: PublicAccessBlockFlag) => {
    const key = camel ? flag : flagName(flag);
    return boolean(config[key], where, `${path}.${key}`);
  };
  return {
    blockPublicAcls: read('blockPublicAcls'),
    ignorePublicAcls: read('ignorePublicAcls'),
    blockPublicPolicy: read('blockPublicPolicy'),
    restrictPublicBuckets: read('restrictPublicBuckets'),
  };
}

/**
 * The plain reader of Block Public Access (see {@link decodePublicAccessBlock}): the four flags as booleans in
 * Config's camelCase (an object or its JSON text), `null` when absent, or `false` when written another way (then
 * the strict reader decodes it or names the field).
 * @example
 * readPlainPublicAccessBlock('{"blockPublicAcls":true,"ignorePublicAcls":false,"blockPublicPolicy":true,"restrictPublicBuckets":true}')
 * // → { blockPublicAcls: true, ignorePublicAcls: false, blockPublicPolicy: true, restrictPublicBuckets: true }
 */
export function readPlainPublicAccessBlock(raw: unknown): PublicAccessBlockFlags | null | false {
  if (raw === undefined || raw === null) return null;
  const flags = unwrapJson(raw);
  if (typeof flags !== 'object' || flags === null || Array.isArray(flags)) return false;
  const f = flags as Record<string, unknown>;
  for (const key of PUBLIC_ACCESS_BLOCK_FLAGS) if (typeof f[key] !== 'boolean') return false;
  return {
    blockPublicAcls: f.blockPublicAcls as boolean,
    ignorePublicAcls: f.ignorePublicAcls as boolean,
    blockPublicPolicy: f.blockPublicPolicy as boolean,
    restrictPublicBuckets: f.restrictPublicBuckets as boolean,
  };
}

/**
 * Block Public Access flags from any of the shapes AWS writes them in, leniently (for a remediation's payload,
 * which carries what it read): the configuration item's camelCase, the API's PascalCase (`GetPublicAccessBlock`),
 * possibly JSON-encoded, with booleans possibly as `"true"`. An absent flag is false (that is what S3 does with
 * it); an absent configuration is `null`. Models use {@link decodePublicAccessBlock}.
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
  const where = { resourceType: ci.resourceType, resourceId: ci.resourceId };
  return {
    resourceType: ci.resourceType,
    resourceId: ci.resourceId,
    accountId: ci.accountId,
    region: ci.awsRegion,
    tags: ci.tags,
    // The item of an existing configuration always has the four flags; an empty one was not read whole.
    publicAccessBlock:
      readPlainPublicAccessBlock(ci.configuration) ||
      decodePublicAccessBlock(ci.configuration, where, 'configuration'),
  };
}

/**
 * Model of the account as the periodic path reports it, from `s3control:GetPublicAccessBlock`
 * (`null` = `NoSuchPublicAccessBlockConfiguration`).
 * @throws MalformedResourceError when the configuration lacks a flag or holds something else.
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
    publicAccessBlock: decodePublicAccessBlock(
      config,
      { resourceType: ACCOUNT_RESOURCE_TYPE, resourceId: accountId },
      'PublicAccessBlockConfiguration',
    ),
  };
}
