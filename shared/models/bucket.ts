import type { BucketReadout } from '../collectors/reader';
import { type ConfigurationItem, parseMaybeJson } from '../config/configuration-item';
import type { ResourceModel } from '../rule';
import { type PolicyDocument, parsePolicyDocument, readPlainPolicyDocument } from './bucket-policy';
import {
  array,
  optionalArray,
  optionalString,
  record,
  refuse,
  string,
  unwrapJson,
  type Where,
} from './decode';
import {
  decodePublicAccessBlock,
  type PublicAccessBlockFlags,
  readPlainPublicAccessBlock,
} from './public-access-block';

export const BUCKET = 'AWS::S3::Bucket';

/** Who an ACL grant is for. The three predefined S3 groups are named; other groups keep their URI in `id`. */
export type GranteeKind =
  | 'AllUsers'
  | 'AuthenticatedUsers'
  | 'LogDelivery'
  | 'CanonicalUser'
  | 'Email'
  | 'Group';

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

/** A group grantee's URI as S3 writes it (`http://acs.amazonaws.com/groups/…`); anything else is refused. */
function groupUri(value: string, where: Where, path: string): AclGrant['grantee'] {
  if (!/^https?:\/\/[^\s/]+\/groups\/\S+$/i.test(value.trim()))
    refuse(where, path, `is ${JSON.stringify(value.slice(0, 60))}, not a group URI`);
  return groupGrantee(value);
}

/** The permissions an ACL grant can have, as the API writes them. */
const PERMISSIONS = new Set(['READ', 'WRITE', 'READ_ACP', 'WRITE_ACP', 'FULL_CONTROL']);

/** The object ownership settings S3 knows. */
const OWNERSHIP = new Set(['BucketOwnerEnforced', 'BucketOwnerPreferred', 'ObjectWriter']);

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

function permission(raw: unknown, where: Where, path: string): string {
  const p = normalisePermission(string(raw, where, path));
  if (!PERMISSIONS.has(p))
    refuse(where, path, `is ${JSON.stringify(String(raw).slice(0, 40))}, not an ACL permission`);
  return p;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Value of the first key matching one of `names`, compared case-insensitively.
 * @throws MalformedResourceError when two keys spell the same name (`grantList` and `GrantList`): which of the two
 *   S3 meant is not known, and reading either could hide a public grant.
 */
function pick(obj: Record<string, unknown>, where: Where, path: string, ...names: string[]): unknown {
  const wanted = names.map((n) => n.toLowerCase());
  const seen = new Map<string, string>();
  let value: unknown;
  let found = false;
  for (const [k, v] of Object.entries(obj)) {
    const lower = k.toLowerCase();
    if (!wanted.includes(lower)) continue;
    const twin = seen.get(lower);
    if (twin !== undefined)
      refuse(where, `${path}.${k}`, `is written beside ${twin}: which of the two S3 meant is not known`);
    seen.set(lower, k);
    if (!found) {
      found = true;
      value = v;
    }
  }
  return value;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * A configuration item writes a group grantee as the plain string `"AllUsers"`, a canonical user as `{id,
 * displayName}`; SDK-v1 serialisations also use `{identifier, typeIdentifier}`. A grantee that is none of these
 * cannot be told apart from a public group, so it is refused.
 */
function granteeFromCi(raw: unknown, where: Where, path: string): AclGrant['grantee'] {
  if (typeof raw === 'string' && !raw.trim().startsWith('{')) {
    if (/^https?:\/\//i.test(raw)) return groupUri(raw, where, path);
    if (GROUPS[raw.trim().toLowerCase()]) return groupGrantee(raw);
    if (/^[^@\s]+@[^@\s]+$/.test(raw.trim())) return { kind: 'Email', id: raw.trim() };
    return refuse(
      where,
      path,
      `is ${JSON.stringify(raw.slice(0, 40))}, not a group, a canonical user or an email`,
    );
  }
  const g = record(raw, where, path);
  const uri = text(pick(g, where, path, 'uri'));
  if (uri) return groupUri(uri, where, `${path}.uri`);
  const email = text(pick(g, where, path, 'emailAddress', 'email'));
  if (email) return { kind: 'Email', id: email };
  const id = text(pick(g, where, path, 'id'));
  if (id) return { kind: 'CanonicalUser', id };
  const identifier = text(pick(g, where, path, 'identifier'));
  const type = String(pick(g, where, path, 'typeIdentifier', 'type') ?? '').toLowerCase();
  if (identifier) {
    if (type === 'uri' || type === 'group') return groupUri(identifier, where, `${path}.identifier`);
    if (type.startsWith('email') || type === 'amazoncustomerbyemail')
      return { kind: 'Email', id: identifier };
    if (type === 'id' || type === 'canonicaluser') return { kind: 'CanonicalUser', id: identifier };
  }
  return refuse(where, path, 'names no group, canonical user or email');
}

function granteeFromApi(raw: unknown, where: Where, path: string): AclGrant['grantee'] {
  const g = record(raw, where, path);
  const type = string(g.Type, where, `${path}.Type`);
  const value = (key: string) => string(g[key], where, `${path}.${key}`);
  switch (type) {
    case 'Group':
      return groupUri(value('URI'), where, `${path}.URI`);
    case 'CanonicalUser':
      return { kind: 'CanonicalUser', id: value('ID') };
    case 'AmazonCustomerByEmail':
      return { kind: 'Email', id: value('EmailAddress') };
    default:
      return refuse(
        where,
        `${path}.Type`,
        `is ${JSON.stringify(type.slice(0, 40))}, not Group, CanonicalUser or AmazonCustomerByEmail`,
      );
  }
}

/**
 * Grants of a configuration item's `AccessControlList` (an object, a JSON string, or a string encoded twice). Config
 * writes the grants in `grantList` (and `grantSet`, usually null); an ACL with neither is not one S3 returns (every
 * bucket's ACL has at least its owner's grant), so it is refused rather than read as "no grant".
 */
function grantsFromCi(raw: unknown, where: Where): AclGrant[] {
  const path = 'supplementaryConfiguration.AccessControlList';
  const acl = record(raw, where, path);
  const lists = (['grantList', 'grantSet'] as const).map((key) => ({
    key,
    list: optionalArray(pick(acl, where, path, key), where, `${path}.${key}`),
  }));
  if (lists.every((l) => l.list === undefined)) refuse(where, `${path}.grantList`, 'is missing');
  return lists.flatMap(({ key, list }) =>
    (list ?? []).map((entry, i) => {
      const at = `${path}.${key}[${i}]`;
      const g = record(entry, where, at);
      return {
        grantee: granteeFromCi(pick(g, where, at, 'grantee'), where, `${at}.grantee`),
        permission: permission(pick(g, where, at, 'permission'), where, `${at}.permission`),
      };
    }),
  );
}

function ownership(value: string, where: Where, path: string): string {
  if (!OWNERSHIP.has(value))
    refuse(where, path, `is ${JSON.stringify(value.slice(0, 40))}, not an object ownership setting`);
  return value;
}

/**
 * Object ownership from wherever a configuration item may carry it: Config's documented schema has no such
 * field, so look under the plausible names (`BucketOwnershipControls`, `OwnershipControls`, `ObjectOwnership`)
 * in both the supplementary configuration and the configuration, as a string or `{rules:[{objectOwnership}]}`.
 * What is found must be one of S3's three settings.
 */
function objectOwnershipFromCi(ci: ConfigurationItem, where: Where): string | undefined {
  const from = (v: unknown, path: string, depth = 0): string | undefined => {
    const value = parseMaybeJson(v);
    if (typeof value === 'string') return text(value);
    if (depth > 3) return undefined;
    if (Array.isArray(value)) return from(value[0], `${path}[0]`, depth + 1);
    if (!isRecord(value)) return undefined;
    for (const key of ['objectOwnership', 'rules', 'ownershipControls']) {
      const inner = pick(value, where, path, key);
      if (inner !== undefined) return from(inner, `${path}.${key}`, depth + 1);
    }
    return undefined;
  };
  for (const [source, name] of [
    [ci.supplementaryConfiguration ?? {}, 'supplementaryConfiguration'],
    [ci.configuration, 'configuration'],
  ] as const) {
    const found = from(
      pick(source, where, name, 'BucketOwnershipControls', 'OwnershipControls', 'ObjectOwnership'),
      `${name}.BucketOwnershipControls`,
    );
    if (found) return ownership(found, where, `${name}.BucketOwnershipControls`);
  }
  return undefined;
}

/**
 * The policy of a configuration item's `BucketPolicy`: `{policyText: null}` when the bucket has none, `{policyText:
 * "<JSON>"}` when it has one (the holder, or the text, possibly JSON-encoded again). Config always writes the
 * holder, so a missing one, or one without `policyText`, is refused rather than read as "no policy".
 */
function policyFromCi(raw: unknown, where: Where): PolicyDocument | null {
  const path = 'supplementaryConfiguration.BucketPolicy';
  const holder = record(raw, where, path);
  if (!('policyText' in holder)) {
    // Some exports put the document itself where the holder belongs.
    if ('Statement' in holder) return parsePolicyDocument(holder, where, path);
    return refuse(where, `${path}.policyText`, 'is missing');
  }
  const policyText = holder.policyText;
  if (policyText === null) return null;
  return parsePolicyDocument(policyText, where, `${path}.policyText`);
}

/** Tags from `BucketTaggingConfiguration` (`{tagSets:[{tags:{k:v}}]}`), for items whose `tags` field is empty. */
function tagsFromCi(ci: ConfigurationItem): Record<string, string> {
  for (const _ in ci.tags) return ci.tags;
  const tagging = parseMaybeJson(ci.supplementaryConfiguration?.BucketTaggingConfiguration);
  const sets = isRecord(tagging) && Array.isArray(tagging.tagSets) ? tagging.tagSets : [];
  const tags: Record<string, string> = {};
  for (const set of sets)
    if (isRecord(set) && isRecord(set.tags))
      for (const [k, v] of Object.entries(set.tags)) tags[k] = String(v);
  return tags;
}

/**
 * Model of a bucket from its configuration item, in any of Config's spellings (supplementary values as objects,
 * JSON strings, or JSON strings encoded twice). The ACL and the policy holder must be there (Config always writes
 * them); Block Public Access is absent on buckets that have none (and on items from before S3 had it).
 * @throws MalformedResourceError naming the field when the ACL, the policy, Block Public Access or object
 *   ownership cannot be read (it must not look private).
 * @example
 * bucketFromConfigurationItem(normaliseConfigurationItem(rawItem)).grants
 * // → [{ grantee: { kind: 'CanonicalUser', id: 'e7c8…' }, permission: 'FULL_CONTROL' },
 * //    { grantee: { kind: 'AllUsers' }, permission: 'READ' }]
 */
export function bucketFromConfigurationItem(ci: ConfigurationItem): BucketModel {
  return readPlainBucket(ci) ?? readBucketStrictly(ci);
}

/**
 * The strict reader: every spelling Config writes, and the error that names the field it cannot read.
 * @example
 * readBucketStrictly(ci) // the same model as bucketFromConfigurationItem(ci), always by this path
 */
export function readBucketStrictly(ci: ConfigurationItem): BucketModel {
  const where = { resourceType: BUCKET, resourceId: ci.resourceId };
  const supplementary = ci.supplementaryConfiguration;
  if (!supplementary) return refuse(where, 'supplementaryConfiguration', 'is missing or not a JSON object');
  const name =
    optionalString(ci.configuration.name, where, 'configuration.name') ?? ci.resourceName ?? ci.resourceId;
  const objectOwnership = objectOwnershipFromCi(ci, where);
  return {
    resourceType: BUCKET,
    resourceId: ci.resourceId,
    accountId: ci.accountId,
    region: ci.awsRegion,
    tags: tagsFromCi(ci),
    name,
    publicAccessBlock: decodePublicAccessBlock(
      supplementary.PublicAccessBlockConfiguration,
      where,
      'supplementaryConfiguration.PublicAccessBlockConfiguration',
    ),
    grants: grantsFromCi(supplementary.AccessControlList, where),
    ...(objectOwnership ? { objectOwnership } : {}),
    policy: policyFromCi(supplementary.BucketPolicy, where),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The plain reader: the form Config writes today, in one pass
// ---------------------------------------------------------------------------------------------------------------

/** The grantees of the predefined groups, shared by every model (a model is never written to). */
const GROUP_GRANTEES: Readonly<Record<string, AclGrant['grantee']>> = {
  AllUsers: Object.freeze({ kind: 'AllUsers' }),
  AuthenticatedUsers: Object.freeze({ kind: 'AuthenticatedUsers' }),
  LogDelivery: Object.freeze({ kind: 'LogDelivery' }),
};

/** A permission as Config (`Read`, `FullControl`…) or the API (`READ`, `FULL_CONTROL`…) writes it, normalised. */
const PLAIN_PERMISSIONS: Readonly<Record<string, string>> = {
  Read: 'READ',
  Write: 'WRITE',
  ReadAcp: 'READ_ACP',
  WriteAcp: 'WRITE_ACP',
  FullControl: 'FULL_CONTROL',
  READ: 'READ',
  WRITE: 'WRITE',
  READ_ACP: 'READ_ACP',
  WRITE_ACP: 'WRITE_ACP',
  FULL_CONTROL: 'FULL_CONTROL',
};

/**
 * Whether an object has a key that is one of `names` spelt with other capitals (`GrantList`): the strict reader
 * matches names case-insensitively, the plain one exactly, so such an item is left to the strict reader.
 */
function hasOtherCase(obj: Record<string, unknown>, names: readonly string[]): boolean {
  for (const key in obj)
    for (const name of names)
      if (key.length === name.length && key !== name && key.toLowerCase() === name.toLowerCase()) return true;
  return false;
}

/** A grantee as Config writes it: a predefined group's name, or `{id, displayName}` of a canonical user. */
function plainGrantee(raw: unknown): AclGrant['grantee'] | undefined {
  if (typeof raw === 'string') return Object.hasOwn(GROUP_GRANTEES, raw) ? GROUP_GRANTEES[raw] : undefined;
  if (!isRecord(raw)) return undefined;
  for (const key in raw) if (key !== 'id' && key !== 'displayName') return undefined;
  return typeof raw.id === 'string' && raw.id !== '' ? { kind: 'CanonicalUser', id: raw.id } : undefined;
}

const GRANT_KEYS = ['grantee', 'permission'];
const ACL_KEYS = ['grantList', 'grantSet'];

/** Appends the grants of `grantList` or `grantSet` (a list, or absent); false when one is not plainly written. */
function plainGrantList(list: unknown, grants: AclGrant[]): boolean {
  if (list === undefined || list === null) return true;
  if (!Array.isArray(list)) return false;
  for (const entry of list) {
    if (!isRecord(entry) || hasOtherCase(entry, GRANT_KEYS)) return false;
    const grantee = plainGrantee(entry.grantee);
    const permission =
      typeof entry.permission === 'string' && Object.hasOwn(PLAIN_PERMISSIONS, entry.permission)
        ? PLAIN_PERMISSIONS[entry.permission]
        : undefined;
    if (grantee === undefined || permission === undefined) return false;
    grants.push({ grantee, permission });
  }
  return true;
}

/** The grants of `AccessControlList` (an object or its JSON text, once or twice encoded), or undefined. */
function plainGrants(raw: unknown): AclGrant[] | undefined {
  const acl = unwrapJson(raw);
  if (!isRecord(acl) || hasOtherCase(acl, ACL_KEYS)) return undefined;
  const list = acl.grantList;
  const set = acl.grantSet;
  if ((list === undefined || list === null) && (set === undefined || set === null)) return undefined;
  const grants: AclGrant[] = [];
  return plainGrantList(list, grants) && plainGrantList(set, grants) ? grants : undefined;
}

/** `BucketPolicy`: `{policyText: null}` (no policy) or `{policyText: "<JSON>"}`; `false` when not plainly written. */
function plainPolicy(raw: unknown): PolicyDocument | null | false {
  const holder = unwrapJson(raw);
  if (!isRecord(holder) || !('policyText' in holder)) return false;
  if (holder.policyText === null) return null;
  return readPlainPolicyDocument(unwrapJson(holder.policyText)) ?? false;
}

const OWNERSHIP_KEYS = ['BucketOwnershipControls', 'OwnershipControls', 'ObjectOwnership'];

/** Whether an object has a key that is one of the ownership names in any capitals. */
function hasOwnershipKey(obj: Record<string, unknown>): boolean {
  for (const key in obj)
    for (const name of OWNERSHIP_KEYS)
      if (key.length === name.length && key.toLowerCase() === name.toLowerCase()) return true;
  return false;
}

/**
 * Object ownership when the item writes none (`undefined`) or `BucketOwnershipControls: {rules: [{objectOwnership}]}`
 * in the supplementary configuration; `false` for any other spelling (see {@link objectOwnershipFromCi}).
 */
function plainObjectOwnership(
  ci: ConfigurationItem,
  supplementary: Record<string, unknown>,
): string | undefined | false {
  if (!hasOwnershipKey(supplementary)) return hasOwnershipKey(ci.configuration) ? false : undefined;
  if (
    hasOtherCase(supplementary, OWNERSHIP_KEYS) ||
    'OwnershipControls' in supplementary ||
    'ObjectOwnership' in supplementary
  )
    return false;
  const controls = supplementary.BucketOwnershipControls;
  if (!isRecord(controls)) return false;
  for (const key in controls) if (key !== 'rules') return false;
  const rule = Array.isArray(controls.rules) ? controls.rules[0] : undefined;
  if (!isRecord(rule)) return false;
  for (const key in rule) if (key !== 'objectOwnership') return false;
  return typeof rule.objectOwnership === 'string' && OWNERSHIP.has(rule.objectOwnership)
    ? rule.objectOwnership
    : false;
}

/**
 * The model of an item in the form Config writes today (the ACL and the policy as JSON text, once or twice encoded,
 * or as objects; grantees as group names or canonical users; Block Public Access as four booleans), read in one
 * pass: each supplementary value decoded once, no field paths, no case-insensitive look-ups, the policy's
 * statements kept as decoded. Anything else — a key in other capitals, a legacy grantee, JSON text where a list
 * belongs, a field that is missing or malformed — gives undefined, and the strict reader (which decodes every
 * spelling and names the field it refuses) reads the item. Both give the same model:
 * test/shared/models/bucket.test.ts checks it on the corpus, generated and mutated items.
 * @example
 * readPlainBucket(ci) ?? readBucketStrictly(ci)
 */
export function readPlainBucket(ci: ConfigurationItem): BucketModel | undefined {
  const supplementary = ci.supplementaryConfiguration;
  if (!supplementary) return undefined;
  const configured = ci.configuration.name;
  if (configured !== undefined && configured !== null && typeof configured !== 'string') return undefined;
  // Each part in turn, so that an item the strict reader must read is left at its first odd part, undecoded.
  const objectOwnership = plainObjectOwnership(ci, supplementary);
  if (objectOwnership === false) return undefined;
  const publicAccessBlock = readPlainPublicAccessBlock(supplementary.PublicAccessBlockConfiguration);
  if (publicAccessBlock === false) return undefined;
  const grants = plainGrants(supplementary.AccessControlList);
  if (grants === undefined) return undefined;
  const policy = plainPolicy(supplementary.BucketPolicy);
  if (policy === false) return undefined;
  return {
    resourceType: BUCKET,
    resourceId: ci.resourceId,
    accountId: ci.accountId,
    region: ci.awsRegion,
    tags: tagsFromCi(ci),
    name: configured || (ci.resourceName ?? ci.resourceId),
    publicAccessBlock,
    grants,
    ...(objectOwnership ? { objectOwnership } : {}),
    policy,
  };
}

/**
 * Model of a bucket from what a reader collected through the S3 API (`GetBucketAcl`, `GetBucketPolicy`,
 * `GetPublicAccessBlock`, `GetBucketOwnershipControls`, `GetBucketTagging`).
 * @throws MalformedResourceError naming the field when the grants, the policy, Block Public Access or object
 *   ownership are missing or malformed.
 * @example
 * bucketFromReadout(await reader.readBucket('my-bucket'), scope.accountId).publicAccessBlock
 */
export function bucketFromReadout(readout: BucketReadout, accountId: string): BucketModel {
  const raw = readout as unknown as Record<string, unknown>;
  const name = string(raw.name, { resourceType: BUCKET, resourceId: '(unknown)' }, 'name');
  const where = { resourceType: BUCKET, resourceId: name };
  const objectOwnership = optionalString(raw.objectOwnership, where, 'objectOwnership');
  // `null` is "no policy" (NoSuchBucketPolicy); a readout without the field was not read whole.
  if (!('policy' in raw)) refuse(where, 'Policy', 'is missing');
  const policy = raw.policy;
  return {
    resourceType: BUCKET,
    resourceId: name,
    accountId,
    region: string(raw.region, where, 'region'),
    tags: readout.tags ?? {},
    name,
    publicAccessBlock: decodePublicAccessBlock(
      raw.publicAccessBlock,
      where,
      'PublicAccessBlockConfiguration',
    ),
    grants: array(raw.grants, where, 'Grants').map((g, i) => {
      const grant = record(g, where, `Grants[${i}]`);
      return {
        grantee: granteeFromApi(grant.Grantee, where, `Grants[${i}].Grantee`),
        permission: permission(grant.Permission, where, `Grants[${i}].Permission`),
      };
    }),
    ...(objectOwnership ? { objectOwnership: ownership(objectOwnership, where, 'objectOwnership') } : {}),
    policy: policy === null ? null : parsePolicyDocument(string(policy, where, 'Policy'), where, 'Policy'),
  };
}
