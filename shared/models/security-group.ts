import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import type { ConfigurationItem } from '../config/configuration-item';
import type { ResourceModel } from '../rule';

export const SECURITY_GROUP = 'AWS::EC2::SecurityGroup';

/** Protocol of a permission, normalised: names and numbers of the same protocol compare equal. */
export type Protocol = 'all' | 'tcp' | 'udp' | 'icmp' | 'icmpv6' | `${number}`;

/** One ingress permission, from either a configuration item or the EC2 API. */
export interface IngressPermission {
  protocol: Protocol;
  /** `undefined` when absent (all ports for tcp/udp, all types for icmp). */
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

export function normaliseProtocol(raw: unknown): Protocol {
  const s = String(raw ?? '-1')
    .trim()
    .toLowerCase();
  const named = PROTOCOL_NAMES[s];
  if (named) return named;
  if (/^\d+(\.0+)?$/.test(s)) return String(Number.parseInt(s, 10)) as Protocol;
  return s as Protocol;
}

/** Ports arrive as numbers, numeric strings or floats (`22.0`); anything else is absent. */
export function normalisePort(raw: unknown): number | undefined {
  if (raw === null || raw === undefined || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : Number(String(raw).trim());
  return Number.isFinite(n) ? Math.trunc(n) : undefined;
}

type Loose = Record<string, unknown>;
const list = (v: unknown): Loose[] =>
  Array.isArray(v) ? (v.filter((x) => x && typeof x === 'object') as Loose[]) : [];
const strings = (v: unknown[]): string[] =>
  v.filter((x): x is string => typeof x === 'string' && x.length > 0);

function permissionFromCi(p: Loose): IngressPermission {
  const ipv4 = new Set(strings(list(p.ipv4Ranges).map((r) => r.cidrIp)));
  // Older items carry only the legacy `ipRanges: ["0.0.0.0/0"]` list of strings.
  if (Array.isArray(p.ipRanges)) for (const r of p.ipRanges) if (typeof r === 'string') ipv4.add(r);
  return {
    protocol: normaliseProtocol(p.ipProtocol),
    fromPort: normalisePort(p.fromPort),
    toPort: normalisePort(p.toPort),
    ipv4: [...ipv4],
    ipv6: strings(list(p.ipv6Ranges).map((r) => r.cidrIpv6)),
    prefixListIds: strings(list(p.prefixListIds).map((r) => r.prefixListId)),
    groupIds: strings(list(p.userIdGroupPairs).map((r) => r.groupId ?? r.groupName)),
  };
}

/** Model of a security group from its configuration item (camelCase, legacy `ipRanges` included). */
export function securityGroupFromConfigurationItem(ci: ConfigurationItem): SecurityGroupModel {
  const c = ci.configuration;
  return {
    resourceType: SECURITY_GROUP,
    resourceId: ci.resourceId,
    accountId: ci.accountId,
    region: ci.awsRegion,
    tags: ci.tags,
    groupName: typeof c.groupName === 'string' ? c.groupName : ci.resourceName,
    vpcId: typeof c.vpcId === 'string' ? c.vpcId : undefined,
    ingress: list(c.ipPermissions).map(permissionFromCi),
  };
}

export function permissionFromApi(p: IpPermission): IngressPermission {
  return {
    protocol: normaliseProtocol(p.IpProtocol),
    fromPort: normalisePort(p.FromPort),
    toPort: normalisePort(p.ToPort),
    ipv4: strings((p.IpRanges ?? []).map((r) => r.CidrIp)),
    ipv6: strings((p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)),
    prefixListIds: strings((p.PrefixListIds ?? []).map((r) => r.PrefixListId)),
    groupIds: strings((p.UserIdGroupPairs ?? []).map((r) => r.GroupId ?? r.GroupName)),
  };
}

/** Model of a security group from `DescribeSecurityGroups` (PascalCase). */
export function securityGroupFromApi(
  sg: SecurityGroup,
  accountId: string,
  region: string,
): SecurityGroupModel {
  return {
    resourceType: SECURITY_GROUP,
    resourceId: sg.GroupId ?? '',
    accountId: sg.OwnerId ?? accountId,
    region,
    tags: Object.fromEntries((sg.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
    groupName: sg.GroupName,
    vpcId: sg.VpcId,
    ingress: (sg.IpPermissions ?? []).map(permissionFromApi),
  };
}
