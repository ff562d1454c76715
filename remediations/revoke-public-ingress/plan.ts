import type { IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import {
  type Parameters,
  type PublicIngressFinding,
  parsePortRanges,
} from '../../rules/ec2-security-group-no-public-ingress/evaluate';
import { normaliseProtocol, type SecurityGroupModel } from '../../shared/models/security-group';

/**
 * Scenarios
 * - Given tcp 22 from 0.0.0.0/0 and 10.0.0.0/8, 22 not authorized, then revoke tcp 22 from 0.0.0.0/0 only.
 * - Given tcp 20-30 from 0.0.0.0/0 and authorizedTcpPorts "22", then authorize tcp 22 from 0.0.0.0/0 first (it
 *   stays open throughout), then revoke tcp 20-30 from 0.0.0.0/0: only 20-21 and 23-30 close.
 * - Given all traffic from ::/0, authorizedTcpPorts "443" and allowIcmp, then keep tcp 443 and icmpv6 from ::/0
 *   and revoke the rest; a kept permission the group already has is not authorized again.
 * - Given ICMP from the world and allowIcmp false, or a protocol other than TCP, UDP and ICMP, then revoke it all.
 */

/** Tag written on the group once the revocation succeeded, so a person can find what was removed and restore it. */
export const REVOKED_INGRESS_TAG = 'rebaseline:revoked-ingress';

/** EC2 (like every AWS service) accepts at most 256 characters in a tag value. */
const MAX_TAG_VALUE = 256;

type Range = readonly [number, number];
type Source = PublicIngressFinding['source'];

/** The exact calls: what `AuthorizeSecurityGroupIngress` then `RevokeSecurityGroupIngress` receive. */
export interface RevocationPlan {
  /** Each flagged permission with only its world-open sources, in the EC2 API's shape. */
  revoke: IpPermission[];
  /** The parts of the revoked permissions the rule allows (authorized ports, ICMP), to keep them open. */
  authorize: IpPermission[];
  /** The rule's reason for each revoked source. */
  reasons: string[];
}

/** Sorted, merged ranges: "22,20-25,26" → [[20, 26]]. */
function merged(ranges: readonly Range[]): Range[] {
  const out: [number, number][] = [];
  for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0])) {
    const last = out.at(-1);
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function intersect(range: Range, allowed: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const [lo, hi] of allowed) {
    const a = Math.max(lo, range[0]);
    const b = Math.min(hi, range[1]);
    if (a <= b) out.push([a, b]);
  }
  return out;
}

/** Only the given sources of a permission, protocol and ports as EC2 returned them. */
function withSources(original: IpPermission, sources: readonly Source[]): IpPermission {
  const has = (kind: Source['kind'], value: string | undefined) =>
    sources.some((s) => s.kind === kind && s.value === value);
  const ipv4 = (original.IpRanges ?? []).filter((r) => has('ipv4', r.CidrIp));
  const ipv6 = (original.Ipv6Ranges ?? []).filter((r) => has('ipv6', r.CidrIpv6));
  const lists = (original.PrefixListIds ?? []).filter((r) => has('prefixList', r.PrefixListId));
  return {
    IpProtocol: original.IpProtocol,
    ...(original.FromPort !== undefined ? { FromPort: original.FromPort } : {}),
    ...(original.ToPort !== undefined ? { ToPort: original.ToPort } : {}),
    ...(ipv4.length > 0 ? { IpRanges: ipv4 } : {}),
    ...(ipv6.length > 0 ? { Ipv6Ranges: ipv6 } : {}),
    ...(lists.length > 0 ? { PrefixListIds: lists } : {}),
  };
}

const sourcesOf = (p: IpPermission) => ({
  ...(p.IpRanges ? { IpRanges: p.IpRanges } : {}),
  ...(p.Ipv6Ranges ? { Ipv6Ranges: p.Ipv6Ranges } : {}),
  ...(p.PrefixListIds ? { PrefixListIds: p.PrefixListIds } : {}),
});

/** The sources of `revoked` for one address family (ICMP and ICMPv6 are per family). */
function familySources(revoked: IpPermission, sources: readonly Source[], v6: boolean): IpPermission {
  return withSources(
    revoked,
    sources.filter((s) => s.worldCidr.includes(':') === v6),
  );
}

/**
 * What the rule still allows of one revoked permission: the authorized TCP/UDP sub-ranges of its ports and, for
 * all traffic, ICMP (per address family) when allowIcmp; each from exactly the revoked sources.
 */
function allowedParts(revoked: IpPermission, sources: readonly Source[], params: Parameters): IpPermission[] {
  const protocol = normaliseProtocol(revoked.IpProtocol);
  const tcp = merged(parsePortRanges('authorizedTcpPorts', params.authorizedTcpPorts));
  const udp = merged(parsePortRanges('authorizedUdpPorts', params.authorizedUdpPorts));
  const ports = (name: 'tcp' | 'udp', ranges: readonly Range[]): IpPermission[] =>
    ranges.map(([a, b]) => ({ IpProtocol: name, FromPort: a, ToPort: b, ...sourcesOf(revoked) }));
  if (protocol === 'tcp' || protocol === 'udp') {
    const from = revoked.FromPort ?? 0;
    const to = revoked.ToPort ?? 65535;
    const range: Range = from < 0 || to < 0 ? [0, 65535] : [from, to];
    return ports(protocol, intersect(range, protocol === 'tcp' ? tcp : udp));
  }
  if (protocol !== 'all') return [];
  const out = [...ports('tcp', tcp), ...ports('udp', udp)];
  if (params.allowIcmp)
    for (const v6 of [false, true]) {
      const family = familySources(revoked, sources, v6);
      if (family.IpRanges || family.Ipv6Ranges || family.PrefixListIds)
        out.push({ ...sourcesOf(family), IpProtocol: v6 ? 'icmpv6' : 'icmp', FromPort: -1, ToPort: -1 });
    }
  return out;
}

/** `tcp 22-22 0.0.0.0/0` for each source of a permission: how "already there" is decided. */
function keys(p: IpPermission): string[] {
  const head = `${normaliseProtocol(p.IpProtocol)} ${p.FromPort ?? -1}-${p.ToPort ?? -1}`;
  return [
    ...(p.IpRanges ?? []).map((r) => `${head} ${r.CidrIp}`),
    ...(p.Ipv6Ranges ?? []).map((r) => `${head} ${r.CidrIpv6}`),
    ...(p.PrefixListIds ?? []).map((r) => `${head} ${r.PrefixListId}`),
  ];
}

/** A kept permission minus the sources the group already has for exactly that protocol and port range. */
function notYetThere(p: IpPermission, existing: ReadonlySet<string>): IpPermission | undefined {
  const head = `${normaliseProtocol(p.IpProtocol)} ${p.FromPort ?? -1}-${p.ToPort ?? -1}`;
  const ipv4 = (p.IpRanges ?? []).filter((r) => !existing.has(`${head} ${r.CidrIp}`));
  const ipv6 = (p.Ipv6Ranges ?? []).filter((r) => !existing.has(`${head} ${r.CidrIpv6}`));
  const lists = (p.PrefixListIds ?? []).filter((r) => !existing.has(`${head} ${r.PrefixListId}`));
  if (ipv4.length + ipv6.length + lists.length === 0) return undefined;
  return {
    IpProtocol: p.IpProtocol,
    FromPort: p.FromPort,
    ToPort: p.ToPort,
    ...(ipv4.length > 0 ? { IpRanges: ipv4 } : {}),
    ...(ipv6.length > 0 ? { Ipv6Ranges: ipv6 } : {}),
    ...(lists.length > 0 ? { PrefixListIds: lists } : {}),
  };
}

/**
 * The exact calls that make the group compliant and keep everything the rule allows: for each permission the rule
 * flags, the same permission (protocol and ports as EC2 returned them) with only its world-open sources is revoked
 * (other CIDRs, IPv6 ranges, prefix lists and group references stay), and the parts of it the rule allows are
 * authorized first, so an authorized port never closes, not even for a moment. Pure: the group as
 * `DescribeSecurityGroups` returned it, its model and the rule's findings in, API inputs out.
 * @example
 * planRevocation(group, model, findings, params).revoke
 * // tcp 22 from 0.0.0.0/0 and 10.0.0.0/8 → [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]
 */
export function planRevocation(
  group: SecurityGroup,
  model: SecurityGroupModel,
  findings: readonly PublicIngressFinding[],
  params: Parameters,
): RevocationPlan {
  const raw = group.IpPermissions ?? [];
  const existing = new Set(raw.flatMap(keys));
  const revoke: IpPermission[] = [];
  const authorize: IpPermission[] = [];
  const planned = new Set<string>();
  // The model lists the group's permissions in the API's order, so a finding's permission has the same index.
  model.ingress.forEach((permission, index) => {
    const sources = findings.filter((f) => f.permission === permission).map((f) => f.source);
    const original = raw[index];
    if (sources.length === 0 || !original) return;
    const revoked = withSources(original, sources);
    revoke.push(revoked);
    for (const part of allowedParts(revoked, sources, params)) {
      const missing = notYetThere(part, new Set([...existing, ...planned]));
      if (!missing) continue;
      authorize.push(missing);
      for (const k of keys(missing)) planned.add(k);
    }
  });
  return { revoke, authorize, reasons: findings.map((f) => f.reason) };
}

/** `tcp:22=0.0.0.0/0`, `all=::/0`, `icmp:8/-1=pl-0123…`: only characters every AWS tag value accepts. */
function sourceSpecs(permission: IpPermission): string[] {
  const protocol = normaliseProtocol(permission.IpProtocol);
  const { FromPort: from, ToPort: to } = permission;
  let ports = '';
  if (protocol === 'icmp' || protocol === 'icmpv6') ports = from === undefined ? '' : `:${from}/${to ?? -1}`;
  else if (protocol !== 'all' && from !== undefined) ports = from === to ? `:${from}` : `:${from}-${to}`;
  const values = [
    ...(permission.IpRanges ?? []).map((r) => r.CidrIp),
    ...(permission.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
    ...(permission.PrefixListIds ?? []).map((r) => r.PrefixListId),
  ];
  return values.map((v) => `${protocol}${ports}=${v}`);
}

/**
 * The tag value: when, which execution, and what was revoked, cut to 256 characters with a count of what did not
 * fit (the full list is in the execution's outputs).
 * @example
 * tagValue(perms, new Date('2026-11-01T00:00:00Z'), 'e1')
 * // → 'revoked 2026-11-01T00:00:00Z by e1: tcp:22=0.0.0.0/0 tcp:22=::/0'
 */
export function tagValue(permissions: readonly IpPermission[], at: Date, executionId?: string): string {
  const head = `revoked ${at.toISOString().replace(/\.\d{3}Z$/, 'Z')}${executionId ? ` by ${executionId}` : ''}:`;
  const specs = permissions.flatMap(sourceSpecs);
  let value = head;
  for (let i = 0; i < specs.length; i++) {
    const next = `${value} ${specs[i]}`;
    const rest = specs.length - i - 1;
    const suffix = rest > 0 ? ` +${rest} more` : '';
    if ((next + suffix).length > MAX_TAG_VALUE)
      return `${value} +${specs.length - i} more`.slice(0, MAX_TAG_VALUE);
    value = next;
  }
  return value;
}

/**
 * `tcp 20-21, 23-30` style summary of the permissions, for messages.
 * @example
 * describePermissions([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]) // → 'tcp:22=0.0.0.0/0'
 */
export function describePermissions(permissions: readonly IpPermission[]): string {
  return permissions.flatMap(sourceSpecs).join(' ');
}
