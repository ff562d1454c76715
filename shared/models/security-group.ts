import type { SecurityGroup } from '@aws-sdk/client-ec2';
import type { ConfigurationItem } from '../config/configuration-item';
import type { ResourceModel } from '../rule';
import { parseCidr } from './cidr';
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
  ipv4: string[];
  ipv6: string[];
  prefixListIds: string[];
  groupIds: string[];
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
