import { ec2Reads } from '../../shared/collectors/live/ec2';
import { InvalidParametersError } from '../../shared/errors';
import { isWorldCidr } from '../../shared/models/cidr';
import {
  type IngressPermission,
  type SecurityGroupModel,
  securityGroupFromApi,
  securityGroupFromConfigurationItem,
} from '../../shared/models/security-group';
import type { CommonParameters } from '../../shared/params';
import { defineRule, type RuleMetadata, type Verdict } from '../../shared/rule';
import meta from './rule.json';

/**
 * Scenarios
 * - Given ingress tcp 22 from 0.0.0.0/0 or ::/0 and 22 not authorized, then NON_COMPLIANT.
 * - Given ingress tcp 443 from 0.0.0.0/0 and authorizedTcpPorts "80,443", then COMPLIANT.
 * - Given ingress of protocol -1 from the world, then NON_COMPLIANT whatever is authorized.
 * - Given icmp from the world, then NON_COMPLIANT only when allowIcmp is false.
 * - Given only security group references, private CIDRs or egress rules, then COMPLIANT.
 */
export interface Parameters extends CommonParameters {
  authorizedTcpPorts: string[];
  authorizedUdpPorts: string[];
  allowIcmp: boolean;
}

export interface Context {
  /** Prefix list id → its CIDRs, for the lists the groups reference (unknown lists are not the world). */
  prefixLists: Record<string, string[] | undefined>;
}

type Range = readonly [number, number];

/** One world-open source of one permission that the rule does not accept. */
export interface PublicIngressFinding {
  permission: IngressPermission;
  /** The world source: a CIDR, or a prefix list id that contains one. */
  source: { kind: 'ipv4' | 'ipv6' | 'prefixList'; value: string; worldCidr: string };
  reason: string;
}

const ALL_PORTS: Range = [0, 65535];

/** Parses `["80", "1020-1025"]` into ranges. @throws InvalidParametersError for a reversed or out-of-range entry. */
export function parsePortRanges(name: string, entries: readonly string[]): Range[] {
  return entries.map((entry) => {
    const [a, b = a] = entry.split('-').map(Number);
    if (a === undefined || b === undefined || !(a >= 0 && a <= b && b <= 65535))
      throw new InvalidParametersError(
        name,
        'ports 0-65535 and ranges low-high, e.g. 80,443,1020-1025',
        entry,
      );
    return [a, b] as const;
  });
}

/**
 * Authorized ranges of a parameter list, parsed once per list rather than once per world-open permission (the
 * parsed parameters live for one invocation; a large group re-parsed them for every permission).
 */
const parsedRanges = new WeakMap<readonly string[], Range[]>();
function authorizedRanges(name: string, entries: readonly string[]): Range[] {
  let ranges = parsedRanges.get(entries);
  if (!ranges) {
    ranges = parsePortRanges(name, entries);
    parsedRanges.set(entries, ranges);
  }
  return ranges;
}

/** Parts of `range` not covered by any of `allowed`. */
function uncovered(range: Range, allowed: readonly Range[]): Range[] {
  let pieces: Range[] = [range];
  for (const [lo, hi] of allowed) {
    // Plain loops: this runs for every world-open tcp/udp permission, and flatMap's closures and arrays showed.
    const next: Range[] = [];
    for (const piece of pieces) {
      const [a, b] = piece;
      if (hi < a || lo > b) {
        next.push(piece);
        continue;
      }
      if (lo > a) next.push([a, lo - 1]);
      if (hi < b) next.push([hi + 1, b]);
    }
    pieces = next;
    if (pieces.length === 0) break;
  }
  return pieces;
}

const fmt = ([a, b]: Range) => (a === b ? `${a}` : `${a}-${b}`);

function portRange(p: IngressPermission): Range {
  if (p.fromPort === undefined || p.toPort === undefined || p.fromPort < 0 || p.toPort < 0) return ALL_PORTS;
  return [p.fromPort, p.toPort];
}

function worldSources(p: IngressPermission, ctx: Context): PublicIngressFinding['source'][] {
  const sources: PublicIngressFinding['source'][] = [];
  for (const c of p.ipv4) if (isWorldCidr(c)) sources.push({ kind: 'ipv4', value: c, worldCidr: c });
  for (const c of p.ipv6) if (isWorldCidr(c)) sources.push({ kind: 'ipv6', value: c, worldCidr: c });
  for (const id of p.prefixListIds) {
    const world = ctx.prefixLists[id]?.find(isWorldCidr);
    if (world) sources.push({ kind: 'prefixList', value: id, worldCidr: world });
  }
  return sources;
}

/** Why a world-open permission is not acceptable, or `undefined` when it is. */
function violation(p: IngressPermission, params: Parameters): { what: string; why: string } | undefined {
  switch (p.protocol) {
    case 'all':
      return { what: 'all traffic', why: 'all protocols and ports' };
    case 'tcp':
    case 'udp': {
      const range = portRange(p);
      const allowed = authorizedRanges(
        p.protocol === 'tcp' ? 'authorizedTcpPorts' : 'authorizedUdpPorts',
        p.protocol === 'tcp' ? params.authorizedTcpPorts : params.authorizedUdpPorts,
      );
      const open = uncovered(range, allowed);
      if (open.length === 0) return undefined;
      const what = `${p.protocol} ${fmt(range)}`;
      if (range[0] === range[1]) return { what, why: 'not an authorized port' };
      const listed = open.slice(0, 3).map(fmt).join(', ') + (open.length > 3 ? ', …' : '');
      return { what, why: `ports ${listed} not authorized` };
    }
    case 'icmp':
    case 'icmpv6':
      return params.allowIcmp ? undefined : { what: p.protocol, why: 'ICMP is not allowed' };
    default:
      return { what: `protocol ${p.protocol}`, why: 'only TCP, UDP and ICMP can be authorized' };
  }
}

/**
 * Every world-open ingress source the rule flags, with its reason. The remediation revokes exactly these.
 * @example
 * findPublicIngress(model, params, { prefixLists: {} }).map((f) => f.reason)
 * // → ['Ingress tcp 22 is open to ::/0 (not an authorized port).']
 */
export function findPublicIngress(
  model: SecurityGroupModel,
  params: Parameters,
  ctx: Context,
): PublicIngressFinding[] {
  const findings: PublicIngressFinding[] = [];
  for (const permission of model.ingress) {
    const sources = worldSources(permission, ctx);
    if (sources.length === 0) continue;
    const v = violation(permission, params);
    if (!v) continue;
    for (const source of sources) {
      const via =
        source.kind === 'prefixList' ? `${source.worldCidr} via prefix list ${source.value}` : source.value;
      findings.push({ permission, source, reason: `Ingress ${v.what} is open to ${via} (${v.why}).` });
    }
  }
  return findings;
}

export function evaluate(model: SecurityGroupModel, params: Parameters, ctx: Context): Verdict {
  const findings = findPublicIngress(model, params, ctx);
  if (findings.length === 0)
    return {
      complianceType: 'COMPLIANT',
      annotation:
        model.ingress.length === 0 ? 'No ingress permissions.' : 'No unauthorized ingress from the internet.',
    };
  return { complianceType: 'NON_COMPLIANT', annotation: findings.map((f) => f.reason).join(' ') };
}

/** Resolves the prefix lists referenced by the groups, once each. */
export async function loadPrefixLists(
  reader: { prefixListCidrs(id: string): Promise<string[] | undefined> },
  models: readonly SecurityGroupModel[],
): Promise<Context> {
  const ids = new Set(models.flatMap((m) => m.ingress.flatMap((p) => p.prefixListIds)));
  const prefixLists: Context['prefixLists'] = {};
  for (const id of ids) prefixLists[id] = await reader.prefixListCidrs(id);
  return { prefixLists };
}

export const rule = defineRule<SecurityGroupModel, Parameters, Context, 'ec2'>({
  meta: meta as RuleMetadata,
  reads: { ec2: ec2Reads },
  fromConfigurationItem: securityGroupFromConfigurationItem,
  collect: async (reader, scope) =>
    (await reader.describeSecurityGroups()).map((sg) =>
      securityGroupFromApi(sg, scope.accountId, scope.region),
    ),
  checkParameters: (params) => {
    parsePortRanges('authorizedTcpPorts', params.authorizedTcpPorts);
    parsePortRanges('authorizedUdpPorts', params.authorizedUdpPorts);
  },
  loadContext: (reader, models) => loadPrefixLists(reader, models),
  evaluate,
});
