import type { SecurityGroup } from '@aws-sdk/client-ec2';
import type { ConfigurationItem } from '../config/configuration-item';
import type { ResourceModel } from '../rule';
import { parseCidr, plainCidrPrefix } from './cidr';
import {
  array,
  integer,
  optionalArray,
  optionalInteger,
  optionalString,
  record,
  refuse,
  string,
  type Where,
} from './decode';

export const SECURITY_GROUP = 'AWS::EC2::SecurityGroup';

/** Protocol of a permission, normalised: names and numbers of the same protocol compare equal. */
export type Protocol = 'all' | 'tcp' | 'udp' | 'icmp' | 'icmpv6' | `${number}`;

/** One ingress permission, from either a configuration item or the EC2 API. */
export interface IngressPermission {
  protocol: Protocol;
  /** `undefined` when absent (all ports for protocol -1 and for protocols without ports). */
  fromPort?: number;
  toPort?: number;
  ipv4: readonly string[];
  ipv6: readonly string[];
  prefixListIds: readonly string[];
  groupIds: readonly string[];
}

export interface SecurityGroupModel extends ResourceModel {
  groupName?: string;
  vpcId?: string;
  ingress: IngressPermission[];
}

const PROTOCOL_NAMES: Record<string, Protocol> = {
  '-1': 'all',
  all: 'all',
  tcp: 'tcp',
  '6': 'tcp',
  udp: 'udp',
  '17': 'udp',
  icmp: 'icmp',
  '1': 'icmp',
  icmpv6: 'icmpv6',
  '58': 'icmpv6',
};

/**
 * A protocol as written (`tcp`, `6`, `-1`, `47`…) in its normal form; unknown text is kept as it is (a lenient
 * reading for the remediation's tag; models use {@link decodeProtocol}).
 * @example
 * normaliseProtocol('6') // → 'tcp'
 */
export function normaliseProtocol(raw: unknown): Protocol {
  const s = String(raw ?? '-1')
    .trim()
    .toLowerCase();
  const named = PROTOCOL_NAMES[s];
  if (named) return named;
  if (/^\d+(\.0+)?$/.test(s)) return String(Number.parseInt(s, 10)) as Protocol;
  return s as Protocol;
}

/** A protocol name EC2 knows, or an IP protocol number 0-255 (as text, the way EC2 and Config write it). */
function decodeProtocol(value: unknown, where: Where, path: string): Protocol {
  const text = string(value, where, path);
  const protocol = normaliseProtocol(text);
  if (PROTOCOL_NAMES[protocol] || Object.values(PROTOCOL_NAMES).includes(protocol)) return protocol;
  const n = Number(protocol);
  if (/^\d{1,3}$/.test(protocol) && n <= 255) return protocol;
  return refuse(where, path, `is ${JSON.stringify(text.slice(0, 40))}, not a protocol name or number`);
}

/**
 * The ports of a permission. TCP and UDP need a port range (0-65535, or -1 for all) and ICMP a type and code
 * (-1 for all); EC2 writes them for those protocols, so their absence means the item was not read whole. Protocol
 * -1 and other protocols have none (Config writes `null`).
 */
function decodePorts(
  protocol: Protocol,
  fromRaw: unknown,
  toRaw: unknown,
  where: Where,
  path: string,
): Pick<IngressPermission, 'fromPort' | 'toPort'> {
  const from = `${path}.fromPort`;
  const to = `${path}.toPort`;
  if (protocol === 'tcp' || protocol === 'udp') {
    const fromPort = integer(fromRaw, where, from, -1, 65535);
    const toPort = integer(toRaw, where, to, -1, 65535);
    if (fromPort < 0 !== toPort < 0) refuse(where, to, `is ${toPort} while fromPort is ${fromPort}`);
    if (fromPort > toPort) refuse(where, to, `is ${toPort}, below fromPort ${fromPort}`);
    return { fromPort, toPort };
  }
  if (protocol === 'icmp' || protocol === 'icmpv6')
    return { fromPort: integer(fromRaw, where, from, -1, 255), toPort: integer(toRaw, where, to, -1, 255) };
  const fromPort = optionalInteger(fromRaw, where, from, -1, 65535);
  const toPort = optionalInteger(toRaw, where, to, -1, 65535);
  return { ...(fromPort !== undefined ? { fromPort } : {}), ...(toPort !== undefined ? { toPort } : {}) };
}

function cidr(value: unknown, family: 4 | 6, where: Where, path: string): string {
  const text = string(value, where, path);
  const parsed = parseCidr(text);
  if (parsed?.family !== family)
    refuse(where, path, `is ${JSON.stringify(text.slice(0, 60))}, not an IPv${family} CIDR`);
  return text;
}

/** The strings under `key` of each object of a list (`[{cidrIp: …}, …]`). */
function field(
  list: unknown[],
  key: string,
  where: Where,
  path: string,
  check?: (v: unknown, p: string) => string,
) {
  return list.map((entry, i) => {
    const p = `${path}[${i}]`;
    const value = record(entry, where, p)[key];
    return check ? check(value, `${p}.${key}`) : string(value, where, `${p}.${key}`);
  });
}

/** `groupId` (VPC) or `groupName` (EC2-Classic) of each security group reference. */
function groupReferences(list: unknown[], where: Where, path: string, id: string, name: string): string[] {
  return list.map((entry, i) => {
    const pair = record(entry, where, `${path}[${i}]`);
    return (
      optionalString(pair[id], where, `${path}[${i}].${id}`) ??
      string(pair[name], where, `${path}[${i}].${id}`)
    );
  });
}

const hasKey = (v: unknown, key: string) =>
  typeof v === 'object' && v !== null && (v as Record<string, unknown>)[key] !== undefined;

/**
 * Whether an item writes sources the current way (`ipv4Ranges` and `ipv6Ranges` on every permission), rather than
 * the pre-IPv6 way (only `ipRanges: ["0.0.0.0/0"]`). Items of version 1.3 and later are always current; an older
 * item is current when any permission, ingress or egress, has the new lists. A current item that lacks them on some
 * permission was not read whole: reading it the old way would lose its IPv6 sources, so it is refused.
 */
function writesCurrentSources(ci: ConfigurationItem, ingress: unknown[]): boolean {
  if (ci.version && Number.parseFloat(ci.version) >= 1.3) return true;
  const egress = ci.configuration.ipPermissionsEgress;
  const all = [...ingress, ...(Array.isArray(egress) ? egress : [])];
  return all.some((p) => hasKey(p, 'ipv4Ranges') || hasKey(p, 'ipv6Ranges'));
}

function permissionFromCi(raw: unknown, current: boolean, where: Where, path: string): IngressPermission {
  const p = record(raw, where, path);
  const protocol = decodeProtocol(p.ipProtocol, where, `${path}.ipProtocol`);
  const ipv4 = new Set<string>();
  // Config writes IPv4 sources twice: the legacy `ipRanges` (strings) and `ipv4Ranges` (objects); older items
  // only the first. Both are read, and must agree in form.
  const legacy = current
    ? optionalArray(p.ipRanges, where, `${path}.ipRanges`)
    : array(p.ipRanges, where, `${path}.ipRanges`);
  legacy?.forEach((c, i) => {
    ipv4.add(cidr(c, 4, where, `${path}.ipRanges[${i}]`));
  });
  let ipv6: string[] = [];
  if (current) {
    const v4 = `${path}.ipv4Ranges`;
    const v6 = `${path}.ipv6Ranges`;
    for (const c of field(array(p.ipv4Ranges, where, v4), 'cidrIp', where, v4, (v, at) =>
      cidr(v, 4, where, at),
    ))
      ipv4.add(c);
    ipv6 = field(array(p.ipv6Ranges, where, v6), 'cidrIpv6', where, v6, (v, at) => cidr(v, 6, where, at));
  }
  const lists = `${path}.prefixListIds`;
  const pairs = `${path}.userIdGroupPairs`;
  return {
    protocol,
    ...decodePorts(protocol, p.fromPort, p.toPort, where, path),
    ipv4: [...ipv4],
    ipv6,
    prefixListIds: field(array(p.prefixListIds, where, lists), 'prefixListId', where, lists),
    groupIds: groupReferences(array(p.userIdGroupPairs, where, pairs), where, pairs, 'groupId', 'groupName'),
  };
}

/**
 * Model of a security group from its configuration item (camelCase; the legacy `ipRanges` form of old items
 * included). Every source list and the ports a protocol needs must be there: AWS writes empty lists as `[]`.
 * @throws MalformedResourceError naming the field that is missing or malformed.
 * @example
 * securityGroupFromConfigurationItem(normaliseConfigurationItem(item)).ingress[0]
 * // → { protocol: 'tcp', fromPort: 22, toPort: 22, ipv4: ['0.0.0.0/0'], ipv6: [], prefixListIds: [], groupIds: [] }
 */
export function securityGroupFromConfigurationItem(ci: ConfigurationItem): SecurityGroupModel {
  return readPlainSecurityGroup(ci) ?? readSecurityGroupStrictly(ci);
}

/**
 * The strict reader: every spelling Config writes, and the error that names the field it cannot read.
 * @example
 * readSecurityGroupStrictly(ci) // the same model as securityGroupFromConfigurationItem(ci), always by this path
 */
export function readSecurityGroupStrictly(ci: ConfigurationItem): SecurityGroupModel {
  const where = { resourceType: SECURITY_GROUP, resourceId: ci.resourceId };
  const c = ci.configuration;
  const ingress = array(c.ipPermissions, where, 'configuration.ipPermissions');
  const current = writesCurrentSources(ci, ingress);
  return {
    resourceType: SECURITY_GROUP,
    resourceId: ci.resourceId,
    accountId: ci.accountId,
    region: ci.awsRegion,
    tags: ci.tags,
    groupName: optionalString(c.groupName, where, 'configuration.groupName') ?? ci.resourceName,
    resourceName: optionalString(c.groupName, where, 'configuration.groupName') ?? ci.resourceName,
    vpcId: optionalString(c.vpcId, where, 'configuration.vpcId'),
    ingress: ingress.map((p, i) => permissionFromCi(p, current, where, `configuration.ipPermissions[${i}]`)),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The plain reader: the form Config writes today, in one pass
// ---------------------------------------------------------------------------------------------------------------

/** Shared by every permission whose list is empty (most are): a model's lists are never written to. */
const NONE: readonly string[] = Object.freeze([]);

type Plain = Record<string, unknown>;
const isPlainObject = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A protocol as Config writes it (a name, or a number 0-255 without leading zeros), normalised; else undefined. */
function plainProtocol(v: unknown): Protocol | undefined {
  switch (v) {
    case 'tcp':
    case '6':
      return 'tcp';
    case 'udp':
    case '17':
      return 'udp';
    case '-1':
      return 'all';
    case 'icmp':
    case '1':
      return 'icmp';
    case 'icmpv6':
    case '58':
      return 'icmpv6';
  }
  if (typeof v !== 'string' || v.length === 0 || v.length > 3 || (v.length > 1 && v.charCodeAt(0) === 48))
    return undefined;
  for (let i = 0; i < v.length; i++) if (v.charCodeAt(i) < 48 || v.charCodeAt(i) > 57) return undefined;
  return Number(v) <= 255 ? (v as Protocol) : undefined;
}

/** An integer as Config writes it: a number, or its text (`"22"`, `"-1"`, `"22.0"`); else undefined. */
function plainInteger(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const start = v.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  let i = start;
  let n = 0;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 48 || c > 57) break;
    n = n * 10 + c - 48;
  }
  if (i === start || i - start > 15) return undefined;
  if (i < v.length) {
    // A zero fraction only: "22.0".
    if (v.charCodeAt(i++) !== 46 || i === v.length) return undefined;
    for (; i < v.length; i++) if (v.charCodeAt(i) !== 48) return undefined;
  }
  return start === 1 ? -n : n;
}

const inRange = (n: number | undefined, min: number, max: number): n is number =>
  n !== undefined && n >= min && n <= max;

/** A list of plain CIDRs of one family (`ipRanges`), each once (a repeated one is read once), or undefined. */
function plainCidrList(list: unknown, family: 4 | 6): readonly string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  if (list.length === 0) return NONE;
  let unique: string[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (typeof c !== 'string') return undefined;
    if (list.indexOf(c) < i) {
      unique ??= list.slice(0, i);
      continue;
    }
    if (plainCidrPrefix(c, family) < 0) return undefined;
    unique?.push(c);
  }
  return unique ?? (list as string[]);
}

/**
 * `[{cidrIp}, …]`: the IPv4 CIDRs merged after `known` (the legacy `ipRanges`), each once, in order, as the strict
 * reader's Set merges them; or undefined. When every one is already in `known` (Config writes the IPv4 sources
 * twice: `ipRanges` and `ipv4Ranges`), `known` itself.
 */
function plainIpv4Objects(list: unknown, known: readonly string[]): readonly string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  let out: string[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const entry = list[i];
    if (!isPlainObject(entry)) return undefined;
    const c = entry.cidrIp;
    if (typeof c !== 'string') return undefined;
    if (known[i] === c || known.includes(c) || out?.includes(c)) continue;
    if (plainCidrPrefix(c, 4) < 0) return undefined;
    if (out === undefined) out = known.slice();
    out.push(c);
  }
  return out ?? known;
}

/** `[{cidrIpv6}, …]`: every IPv6 CIDR as written (the strict reader keeps repeats), or undefined. */
function plainIpv6Objects(list: unknown): readonly string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  if (list.length === 0) return NONE;
  const out: string[] = [];
  for (const entry of list) {
    const c = isPlainObject(entry) ? entry.cidrIpv6 : undefined;
    if (typeof c !== 'string' || (!out.includes(c) && plainCidrPrefix(c, 6) < 0)) return undefined;
    out.push(c);
  }
  return out;
}

/** `[{prefixListId}, …]` as ids, or undefined. */
function plainPrefixListIds(list: unknown): readonly string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  if (list.length === 0) return NONE;
  const ids: string[] = [];
  for (const entry of list) {
    const id = isPlainObject(entry) ? entry.prefixListId : undefined;
    if (typeof id !== 'string' || id === '') return undefined;
    ids.push(id);
  }
  return ids;
}

/** `[{groupId}, …]` (or `groupName` where there is no id) as strings, or undefined. */
function plainGroupReferences(list: unknown): readonly string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  if (list.length === 0) return NONE;
  const ids: string[] = [];
  for (const entry of list) {
    if (!isPlainObject(entry)) return undefined;
    const id = entry.groupId;
    const name = entry.groupName;
    if (typeof id === 'string' && id !== '') ids.push(id);
    else if ((id === undefined || id === null || id === '') && typeof name === 'string' && name !== '')
      ids.push(name);
    else return undefined;
  }
  return ids;
}

/** One permission in the plain form, or undefined (see {@link readPlainSecurityGroup}). */
function plainPermission(raw: unknown, current: boolean): IngressPermission | undefined {
  if (!isPlainObject(raw)) return undefined;
  const protocol = plainProtocol(raw.ipProtocol);
  if (protocol === undefined) return undefined;
  const legacy =
    current && (raw.ipRanges === undefined || raw.ipRanges === null) ? NONE : plainCidrList(raw.ipRanges, 4);
  if (legacy === undefined) return undefined;
  const ipv4 = current ? plainIpv4Objects(raw.ipv4Ranges, legacy) : legacy;
  const ipv6 = current ? plainIpv6Objects(raw.ipv6Ranges) : NONE;
  const prefixListIds = plainPrefixListIds(raw.prefixListIds);
  const groupIds = plainGroupReferences(raw.userIdGroupPairs);
  if (ipv4 === undefined || ipv6 === undefined || prefixListIds === undefined || groupIds === undefined)
    return undefined;
  const fromPort =
    raw.fromPort === undefined || raw.fromPort === null ? undefined : plainInteger(raw.fromPort);
  const toPort = raw.toPort === undefined || raw.toPort === null ? undefined : plainInteger(raw.toPort);
  const max = protocol === 'icmp' || protocol === 'icmpv6' ? 255 : 65535;
  if (inRange(fromPort, -1, max) && inRange(toPort, -1, max)) {
    if ((protocol === 'tcp' || protocol === 'udp') && (fromPort < 0 !== toPort < 0 || fromPort > toPort))
      return undefined;
    return { protocol, fromPort, toPort, ipv4, ipv6, prefixListIds, groupIds };
  }
  // No ports: only for protocols that have none (all traffic, GRE…), and only when neither is written.
  const portless = protocol !== 'tcp' && protocol !== 'udp' && protocol !== 'icmp' && protocol !== 'icmpv6';
  const noPorts =
    (raw.fromPort === undefined || raw.fromPort === null) &&
    (raw.toPort === undefined || raw.toPort === null);
  return portless && noPorts ? { protocol, ipv4, ipv6, prefixListIds, groupIds } : undefined;
}

/** An optional string as the strict reader reads it (absent, null and empty are absent); `false` for other types. */
function plainOptionalString(v: unknown): string | undefined | false {
  if (v === undefined || v === null || v === '') return undefined;
  return typeof v === 'string' ? v : false;
}

/**
 * The model of an item in the form Config writes today (objects and arrays as such, CIDRs plainly written, ports as
 * numbers or their text), read in one pass: no field paths, no intermediate lists, shared empty lists. Anything
 * else — JSON text where an object belongs, a legacy item that mixes forms, a field that is missing or malformed —
 * gives undefined, and the strict reader (which decodes every spelling and names the field it refuses) reads the
 * item. Both give the same model: test/shared/models/security-group.test.ts checks it on the corpus, generated
 * and mutated items.
 * @example
 * readPlainSecurityGroup(ci) ?? readSecurityGroupStrictly(ci)
 */
export function readPlainSecurityGroup(ci: ConfigurationItem): SecurityGroupModel | undefined {
  const c = ci.configuration;
  const raw = c.ipPermissions;
  if (!Array.isArray(raw)) return undefined;
  const current = ci.version === '1.3' || writesCurrentSources(ci, raw);
  const groupName = plainOptionalString(c.groupName);
  const vpcId = plainOptionalString(c.vpcId);
  if (groupName === false || vpcId === false) return undefined;
  const ingress: IngressPermission[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const permission = plainPermission(raw[i], current);
    if (permission === undefined) return undefined;
    ingress[i] = permission;
  }
  return {
    resourceType: SECURITY_GROUP,
    resourceId: ci.resourceId,
    accountId: ci.accountId,
    region: ci.awsRegion,
    tags: ci.tags,
    groupName: groupName ?? ci.resourceName,
    resourceName: groupName ?? ci.resourceName,
    vpcId,
    ingress,
  };
}

function permissionFromApi(raw: unknown, where: Where, path: string): IngressPermission {
  const p = record(raw, where, path);
  const protocol = decodeProtocol(p.IpProtocol, where, `${path}.IpProtocol`);
  const v4 = `${path}.IpRanges`;
  const v6 = `${path}.Ipv6Ranges`;
  const lists = `${path}.PrefixListIds`;
  const pairs = `${path}.UserIdGroupPairs`;
  return {
    protocol,
    ...decodePorts(protocol, p.FromPort, p.ToPort, where, path),
    ipv4: field(array(p.IpRanges, where, v4), 'CidrIp', where, v4, (v, at) => cidr(v, 4, where, at)),
    ipv6: field(array(p.Ipv6Ranges, where, v6), 'CidrIpv6', where, v6, (v, at) => cidr(v, 6, where, at)),
    prefixListIds: field(array(p.PrefixListIds, where, lists), 'PrefixListId', where, lists),
    groupIds: groupReferences(array(p.UserIdGroupPairs, where, pairs), where, pairs, 'GroupId', 'GroupName'),
  };
}

/**
 * Model of a security group from `DescribeSecurityGroups` (PascalCase). EC2 returns every source list of every
 * permission, empty ones as `[]`.
 * @throws MalformedResourceError naming the field that is missing or malformed.
 * @example
 * securityGroupFromApi(page.SecurityGroups[0], '123456789012', 'us-east-1').ingress.length
 */
export function securityGroupFromApi(
  sg: SecurityGroup,
  accountId: string,
  region: string,
): SecurityGroupModel {
  const raw = sg as Record<string, unknown>;
  const resourceId = string(
    raw.GroupId,
    { resourceType: SECURITY_GROUP, resourceId: '(unknown)' },
    'GroupId',
  );
  const where = { resourceType: SECURITY_GROUP, resourceId };
  const tags: Record<string, string> = {};
  (optionalArray(raw.Tags, where, 'Tags') ?? []).forEach((t, i) => {
    const tag = record(t, where, `Tags[${i}]`);
    tags[string(tag.Key, where, `Tags[${i}].Key`)] = string(tag.Value, where, `Tags[${i}].Value`, true);
  });
  return {
    resourceType: SECURITY_GROUP,
    resourceId,
    accountId: optionalString(raw.OwnerId, where, 'OwnerId') ?? accountId,
    region,
    tags,
    groupName: optionalString(raw.GroupName, where, 'GroupName'),
    resourceName: optionalString(raw.GroupName, where, 'GroupName'),
    vpcId: optionalString(raw.VpcId, where, 'VpcId'),
    ingress: array(raw.IpPermissions, where, 'IpPermissions').map((p, i) =>
      permissionFromApi(p, where, `IpPermissions[${i}]`),
    ),
  };
}
