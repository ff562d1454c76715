import type { Grant } from '@aws-sdk/client-s3';
import type { BucketReadout } from '../collectors/reader';
import { type ConfigurationItem, parseMaybeJson } from '../config/configuration-item';
import { InsufficientDataError } from '../errors';
import type { ResourceModel } from '../rule';
import { type PolicyDocument, parsePolicyDocument } from './bucket-policy';
import { type PublicAccessBlockFlags, publicAccessBlockFlags } from './public-access-block';

export const BUCKET = 'AWS::S3::Bucket';

/** Who an ACL grant is for. The three predefined S3 groups are named; other groups keep their URI in `id`. */
export type GranteeKind =
  | 'AllUsers'
  | 'AuthenticatedUsers'
  | 'LogDelivery'
  | 'CanonicalUser'
  | 'Email'
  | 'Group'
  | 'Unknown';

/** One ACL grant, the same whether it came from a configuration item or from `GetBucketAcl`. */
export interface AclGrant {
  grantee: { kind: GranteeKind; id?: string };
  /** Upper-case, as the API writes it: READ, WRITE, READ_ACP, WRITE_ACP, FULL_CONTROL. */
  permission: string;
}

export interface BucketModel extends ResourceModel {
  name: string;
  /** Bucket-level Block Public Access; `null` when the bucket has none. */
  publicAccessBlock: PublicAccessBlockFlags | null;
  grants: AclGrant[];
  /** `BucketOwnerEnforced`, `BucketOwnerPreferred`, `ObjectWriter`, or undefined when not known. */
  objectOwnership?: string;
  policy: PolicyDocument | null;
}

const GROUPS: Record<string, GranteeKind> = {
  allusers: 'AllUsers',
  authenticatedusers: 'AuthenticatedUsers',
  logdelivery: 'LogDelivery',
};

/** A group by name (`AllUsers`) or URI (`http://acs.amazonaws.com/groups/global/AllUsers`). */
function groupGrantee(nameOrUri: string): AclGrant['grantee'] {
  const last = nameOrUri.trim().split('/').pop()?.toLowerCase() ?? '';
  const kind = GROUPS[last];
  return kind ? { kind } : { kind: 'Group', id: nameOrUri };
}

/**
 * An ACL permission as the API writes it, from the configuration item's `Read` / `FullControl` / `ReadAcp` or the
 * API's own `READ_ACP`.
 * @example
 * normalisePermission('FullControl') // → 'FULL_CONTROL'
 */
export function normalisePermission(raw: unknown): string {
  return String(raw ?? '')
    .trim()
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toUpperCase();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Value of the first key matching one of `names`, compared case-insensitively. */
function pick(obj: Record<string, unknown>, ...names: string[]): unknown {
  const wanted = names.map((n) => n.toLowerCase());
  for (const [k, v] of Object.entries(obj)) if (wanted.includes(k.toLowerCase())) return v;
  return undefined;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * A configuration item writes a group grantee as the plain string `"AllUsers"`, a canonical user as `{id,
 * displayName}`; SDK-v1 serialisations also use `{identifier, typeIdentifier}`.
 */
function granteeFromCi(raw: unknown): AclGrant['grantee'] {
  if (typeof raw === 'string') {
    if (/^https?:\/\//i.test(raw) || GROUPS[raw.trim().toLowerCase()]) return groupGrantee(raw);
    return raw.includes('@') ? { kind: 'Email', id: raw } : { kind: 'Unknown', id: raw };
  }
  if (!isRecord(raw)) return { kind: 'Unknown' };
  const uri = text(pick(raw, 'uri'));
  if (uri) return groupGrantee(uri);
  const email = text(pick(raw, 'emailAddress', 'email'));
  if (email) return { kind: 'Email', id: email };
  const id = text(pick(raw, 'id'));
  if (id) return { kind: 'CanonicalUser', id };
  const identifier = text(pick(raw, 'identifier'));
  const type = String(pick(raw, 'typeIdentifier', 'type') ?? '').toLowerCase();
  if (identifier) {
    if (type === 'uri' || type === 'group') return groupGrantee(identifier);
    if (type.startsWith('email') || type === 'amazoncustomerbyemail')
      return { kind: 'Email', id: identifier };
    return { kind: 'CanonicalUser', id: identifier };
  }
  return { kind: 'Unknown' };
}

function granteeFromApi(grantee: Grant['Grantee']): AclGrant['grantee'] {
  if (grantee?.URI) return groupGrantee(grantee.URI);
  if (grantee?.EmailAddress) return { kind: 'Email', id: grantee.EmailAddress };
  if (grantee?.ID) return { kind: 'CanonicalUser', id: grantee.ID };
  return { kind: 'Unknown' };
}

/** Grants of a configuration item's `AccessControlList` (an object, a JSON string, or a string encoded twice). */
function grantsFromCi(raw: unknown, bucket: string): AclGrant[] {
  if (raw === undefined || raw === null) return [];
  const acl = parseMaybeJson(raw);
  if (!isRecord(acl))
    throw new InsufficientDataError(`The AccessControlList of bucket ${bucket} is not a JSON object.`);
  const grants = [pick(acl, 'grantList'), pick(acl, 'grantSet')].flatMap((g) => (Array.isArray(g) ? g : []));
  return grants.filter(isRecord).map((g) => ({
    grantee: granteeFromCi(pick(g, 'grantee')),
    permission: normalisePermission(pick(g, 'permission')),
  }));
}

/**
 * Object ownership from wherever a configuration item may carry it: Config's documented schema has no such
 * field, so look under the plausible names (`BucketOwnershipControls`, `OwnershipControls`, `ObjectOwnership`)
 * in both the supplementary configuration and the configuration, as a string or `{rules:[{objectOwnership}]}`.
 */
function objectOwnershipFromCi(ci: ConfigurationItem): string | undefined {
  const from = (v: unknown, depth = 0): string | undefined => {
    const value = parseMaybeJson(v);
    if (typeof value === 'string') return text(value);
    if (depth > 3) return undefined;
    if (Array.isArray(value)) return from(value[0], depth + 1);
    if (!isRecord(value)) return undefined;
    for (const key of ['objectOwnership', 'rules', 'ownershipControls'])
      if (pick(value, key) !== undefined) return from(pick(value, key), depth + 1);
    return undefined;
  };
  for (const source of [ci.supplementaryConfiguration, ci.configuration]) {
    const found = from(pick(source, 'BucketOwnershipControls', 'OwnershipControls', 'ObjectOwnership'));
    if (found) return found;
  }
  return undefined;
}

function policyFromCi(raw: unknown, bucket: string): PolicyDocument | null {
  const holder = parseMaybeJson(raw);
  const policyText = isRecord(holder) ? pick(holder, 'policyText') : holder;
  if (policyText === undefined || policyText === null || policyText === '') return null;
  return parsePolicyDocument(policyText, `policy of bucket ${bucket}`);
}

/** Tags from `BucketTaggingConfiguration` (`{tagSets:[{tags:{k:v}}]}`), for items whose `tags` field is empty. */
function tagsFromCi(ci: ConfigurationItem): Record<string, string> {
  if (Object.keys(ci.tags).length > 0) return ci.tags;
  const tagging = parseMaybeJson(ci.supplementaryConfiguration.BucketTaggingConfiguration);
  const sets = isRecord(tagging) && Array.isArray(tagging.tagSets) ? tagging.tagSets : [];
  const tags: Record<string, string> = {};
  for (const set of sets)
    if (isRecord(set) && isRecord(set.tags))
      for (const [k, v] of Object.entries(set.tags)) tags[k] = String(v);
  return tags;
}

/**
 * Model of a bucket from its configuration item, in any of Config's spellings (supplementary values as objects,
 * JSON strings, or JSON strings encoded twice).
 * @throws InsufficientDataError when the ACL or the policy cannot be read (it must not look private).
 * @example
 * bucketFromConfigurationItem(normaliseConfigurationItem(rawItem)).grants
 * // → [{ grantee: { kind: 'CanonicalUser', id: 'e7c8…' }, permission: 'FULL_CONTROL' },
 * //    { grantee: { kind: 'AllUsers' }, permission: 'READ' }]
 */
export function bucketFromConfigurationItem(ci: ConfigurationItem): BucketModel {
  const supplementary = ci.supplementaryConfiguration;
  const name = text(ci.configuration.name) ?? ci.resourceName ?? ci.resourceId;
  const objectOwnership = objectOwnershipFromCi(ci);
  return {
    resourceType: BUCKET,
    resourceId: ci.resourceId,
    accountId: ci.accountId,
    region: ci.awsRegion,
    tags: tagsFromCi(ci),
    name,
    publicAccessBlock: publicAccessBlockFlags(
      supplementary.PublicAccessBlockConfiguration as Record<string, unknown> | undefined,
    ),
    grants: grantsFromCi(supplementary.AccessControlList, name),
    ...(objectOwnership ? { objectOwnership } : {}),
    policy: policyFromCi(supplementary.BucketPolicy, name),
  };
}

/**
 * Model of a bucket from what a reader collected through the S3 API (`GetBucketAcl`, `GetBucketPolicy`,
 * `GetPublicAccessBlock`, `GetBucketOwnershipControls`, `GetBucketTagging`).
 * @throws InsufficientDataError when the policy is not a JSON policy document.
 * @example
 * bucketFromReadout(await reader.readBucket('my-bucket'), scope.accountId).publicAccessBlock
 */
export function bucketFromReadout(readout: BucketReadout, accountId: string): BucketModel {
  return {
    resourceType: BUCKET,
    resourceId: readout.name,
    accountId,
    region: readout.region,
    tags: readout.tags,
    name: readout.name,
    publicAccessBlock: publicAccessBlockFlags(readout.publicAccessBlock),
    grants: (readout.grants ?? []).map((g) => ({
      grantee: granteeFromApi(g.Grantee),
      permission: normalisePermission(g.Permission),
    })),
    ...(readout.objectOwnership ? { objectOwnership: readout.objectOwnership } : {}),
    policy: readout.policy ? parsePolicyDocument(readout.policy, `policy of bucket ${readout.name}`) : null,
  };
}
