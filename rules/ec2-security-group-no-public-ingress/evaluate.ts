import { ec2Reads } from '../../shared/collectors/reads/ec2';
import { CollectionError, InvalidParametersError, UnreadableDependencyError } from '../../shared/errors';
import { ruleMetadata } from '../../shared/metadata';
import {
  type Cidr,
  describeCover,
  endingPrefixLength,
  isCidr,
  isWorldCidr,
  parseCidr,
  worldCover,
} from '../../shared/models/cidr';
import { isUnreadable, type Unreadable, unreadableBecause } from '../../shared/models/decode';
import {
  type IngressPermission,
  type Protocol,
  type SecurityGroupModel,
  securityGroupFromApi,
  securityGroupFromConfigurationItem,
} from '../../shared/models/security-group';
import type { CommonParameters } from '../../shared/params';
import { defineRule, type Verdict } from '../../shared/rule';
import meta from './rule.json';

/**
 * Scenarios
 * - Given ingress tcp 22 from 0.0.0.0/0 or ::/0 and 22 not authorized, then NON_COMPLIANT.
 * - Given ingress tcp 443 from 0.0.0.0/0 and authorizedTcpPorts "80,443", then COMPLIANT.
 * - Given ingress of protocol -1 from the world, then NON_COMPLIANT whatever is authorized.
 * - Given icmp from the world, then NON_COMPLIANT only when allowIcmp is false.
 * - Given only security group references, private CIDRs or egress rules, then COMPLIANT.
 * - Given sources whose union is a whole address family on the same protocol and ports (tcp 22 from 0.0.0.0/1 and
 *   from 128.0.0.0/1, in one permission or two), then NON_COMPLIANT: that is the world.
 * - Given a prefix list whose entries cannot be read, then the group is not evaluated when the list could decide
 *   the verdict (never COMPLIANT), and is evaluated as usual when it could not.
 */
export interface Parameters extends CommonParameters {
  authorizedTcpPorts: string[];
  authorizedUdpPorts: string[];
  allowIcmp: boolean;
}

export interface Context {
  /**
   * Prefix list id → its CIDRs, for the lists the groups reference; {@link Unreadable} when they could not be read
   * (then a group whose verdict depends on the list is not evaluated).
   */
  prefixLists: Record<string, readonly string[] | Unreadable>;
}

type Range = readonly [number, number];

/** One world-open source of one permission that the rule does not accept. */
export interface PublicIngressFinding {
  permission: IngressPermission;
  /**
   * The source: a CIDR, or a prefix list id. `worldCidr` names the world it opens to: the /0 CIDR itself, or the
   * sources whose union is a whole family (`0.0.0.0/1 + 128.0.0.0/1 (all of IPv4)`), this one among them.
   */
  source: { kind: 'ipv4' | 'ipv6' | 'prefixList'; value: string; worldCidr: string };
  reason: string;
}

const ALL_PORTS: Range = [0, 65535];

/**
 * Parses `["80", "1020-1025"]` into ranges.
 * @throws InvalidParametersError for an entry that is not a port or a range low-high of ports 0-65535.
 */
export function parsePortRanges(name: string, entries: readonly string[]): Range[] {
  return entries.map((entry) => {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(entry);
    const a = Number(m?.[1]);
    const b = m?.[2] === undefined ? a : Number(m[2]);
    if (!m || !(a <= b && b <= 65535))
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

/** Why world access to `protocol` on `range` is not acceptable, or `undefined` when it is. */
function violation(
  protocol: Protocol,
  range: Range,
  params: Parameters,
): { what: string; why: string } | undefined {
  switch (protocol) {
    case 'all':
      return { what: 'all traffic', why: 'all protocols and ports' };
    case 'tcp':
    case 'udp': {
      const allowed = authorizedRanges(
        protocol === 'tcp' ? 'authorizedTcpPorts' : 'authorizedUdpPorts',
        protocol === 'tcp' ? params.authorizedTcpPorts : params.authorizedUdpPorts,
      );
      const open = uncovered(range, allowed);
      if (open.length === 0) return undefined;
      const what = `${protocol} ${fmt(range)}`;
      if (range[0] === range[1]) return { what, why: 'not an authorized port' };
      const listed = open.slice(0, 3).map(fmt).join(', ') + (open.length > 3 ? ', …' : '');
      return { what, why: `ports ${listed} not authorized` };
    }
    case 'icmp':
    case 'icmpv6':
      return params.allowIcmp ? undefined : { what: protocol, why: 'ICMP is not allowed' };
    default:
      return { what: `protocol ${protocol}`, why: 'only TCP, UDP and ICMP can be authorized' };
  }
}

/** One source of one permission, parsed: a CIDR of the permission, or an entry of a prefix list it references. */
interface Source {
  permission: IngressPermission;
  kind: 'ipv4' | 'ipv6' | 'prefixList';
  /** The CIDR, or the prefix list id. */
  value: string;
  cidr: Cidr;
}

/** Every source of a permission; the entries of lists in `assumeWorld` as the whole of both families. */
function sourcesOf(p: IngressPermission, ctx: Context, assumeWorld: ReadonlySet<string>): Source[] {
  const out: Source[] = [];
  const add = (kind: Source['kind'], value: string, text: string) => {
    const cidr = parseCidr(text);
    if (cidr) out.push({ permission: p, kind, value, cidr });
  };
  for (const c of p.ipv4) add('ipv4', c, c);
  for (const c of p.ipv6) add('ipv6', c, c);
  for (const id of p.prefixListIds) {
    const entries = ctx.prefixLists[id];
    if (assumeWorld.has(id)) {
      add('prefixList', id, '0.0.0.0/0');
      add('prefixList', id, '::/0');
    } else if (entries && !isUnreadable(entries)) for (const e of entries) add('prefixList', id, e);
  }
  return out;
}

const label = (s: Source) =>
  s.kind === 'prefixList' ? `${s.cidr.text} via prefix list ${s.value}` : s.value;

/** A protocol class and the permissions that open it: its own, and those of protocol -1 (all traffic). */
interface Exposure {
  protocol: Protocol;
  range: Range;
  permissions: IngressPermission[];
}

/**
 * The (protocol, port range) pieces a group opens, each with the permissions that open all of it. Ports split where
 * a permission's range starts or ends, so every piece is opened by the same permissions throughout; ICMP types and
 * other protocols are one piece each (the rule judges ICMP as a whole). All-traffic permissions open every piece,
 * and also a piece of their own (protocol `all`).
 */
function exposures(ingress: readonly IngressPermission[]): Exposure[] {
  const all = ingress.filter((p) => p.protocol === 'all');
  const out: Exposure[] = all.length > 0 ? [{ protocol: 'all', range: ALL_PORTS, permissions: all }] : [];
  const protocols = new Set(ingress.map((p) => p.protocol).filter((p) => p !== 'all'));
  for (const protocol of protocols) {
    const own = ingress.filter((p) => p.protocol === protocol);
    if (protocol !== 'tcp' && protocol !== 'udp') {
      out.push({ protocol, range: ALL_PORTS, permissions: [...own, ...all] });
      continue;
    }
    const ranged = [...own.map((p) => ({ p, r: portRange(p) })), ...all.map((p) => ({ p, r: ALL_PORTS }))];
    const cuts = [...new Set(ranged.flatMap(({ r }) => [r[0], r[1] + 1]))].sort((a, b) => a - b);
    for (let i = 0; i + 1 < cuts.length; i++) {
      const piece: Range = [cuts[i] as number, (cuts[i + 1] as number) - 1];
      const permissions = ranged.filter(({ r }) => r[0] <= piece[0] && piece[1] <= r[1]).map(({ p }) => p);
      if (permissions.length > 0) out.push({ protocol, range: piece, permissions });
    }
  }
  return out;
}

/**
 * Findings for sources that are the world on their own (a /0 CIDR, a prefix list holding one), per permission: the
 * common case, judged on the permission's own protocol and ports.
 */
function directFindings(ingress: readonly IngressPermission[], params: Parameters, sources: Source[][]) {
  const findings: PublicIngressFinding[] = [];
  ingress.forEach((permission, i) => {
    const world = (sources[i] ?? []).filter((s) => s.cidr.prefix === 0);
    if (world.length === 0) return;
    const v = violation(permission.protocol, portRange(permission), params);
    if (!v) return;
    for (const s of world)
      findings.push({
        permission,
        source: { kind: s.kind, value: s.value, worldCidr: s.cidr.text },
        reason: `Ingress ${v.what} is open to ${label(s)} (${v.why}).`,
      });
  });
  return findings;
}

/**
 * Findings for sources that are the world together: per piece a group opens, the union of the sources of the
 * permissions that open it, when it covers a whole family that no single /0 source of the piece already opens
 * (`tcp 22 from 0.0.0.0/1` in one permission and from `128.0.0.0/1` in another). Adjacent pieces opened by the
 * same sources are reported as one range.
 */
function unionFindings(ingress: readonly IngressPermission[], params: Parameters, sources: Source[][]) {
  const byPermission = new Map(ingress.map((p, i) => [p, sources[i] ?? []]));
  const found: { protocol: Protocol; range: Range; family: 4 | 6; blocks: Source[] }[] = [];
  for (const exposure of exposures(ingress)) {
    const all = exposure.permissions.flatMap((p) => byPermission.get(p) ?? []);
    for (const cover of worldCover(all.filter((s) => s.cidr.prefix !== 0))) {
      if (all.some((s) => s.cidr.family === cover.family && s.cidr.prefix === 0)) continue;
      const last = found.at(-1);
      const same =
        last &&
        last.protocol === exposure.protocol &&
        last.family === cover.family &&
        last.range[1] + 1 === exposure.range[0] &&
        last.blocks.length === cover.blocks.length &&
        last.blocks.every((b, i) => b === cover.blocks[i]);
      if (same) last.range = [last.range[0], exposure.range[1]];
      else
        found.push({
          protocol: exposure.protocol,
          range: exposure.range,
          family: cover.family,
          blocks: cover.blocks,
        });
    }
  }
  const findings: PublicIngressFinding[] = [];
  for (const { protocol, range, family, blocks } of found) {
    const v = violation(protocol, range, params);
    if (!v) continue;
    const world = describeCover(family, blocks.map(label));
    for (const s of blocks)
      findings.push({
        permission: s.permission,
        source: { kind: s.kind, value: s.value, worldCidr: world },
        reason: `Ingress ${v.what} is open to ${world} (${v.why}).`,
      });
  }
  return findings;
}

function findings(
  model: SecurityGroupModel,
  params: Parameters,
  ctx: Context,
  assumeWorld: ReadonlySet<string>,
): PublicIngressFinding[] {
  const sources = model.ingress.map((p) => sourcesOf(p, ctx, assumeWorld));
  return [
    ...directFindings(model.ingress, params, sources),
    ...unionFindings(model.ingress, params, sources),
  ];
}

const NOTHING: ReadonlySet<string> = new Set();

/** The referenced prefix lists whose entries could not be read, with why. */
function unreadableLists(model: SecurityGroupModel, ctx: Context): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of model.ingress)
    for (const id of p.prefixListIds) {
      const entries = ctx.prefixLists[id];
      if (entries === undefined) out.set(id, 'not read');
      else if (isUnreadable(entries)) out.set(id, entries.unreadable);
    }
  return out;
}

/**
 * Every world-open ingress source the rule flags, with its reason: sources that are the world on their own, and
 * sources whose union covers a whole family on the same protocol and ports. Prefix lists that could not be read
 * contribute nothing here (the remediation revokes exactly these findings; {@link evaluate} refuses to decide when
 * such a list could change the verdict).
 * @example
 * findPublicIngress(model, params, { prefixLists: {} }).map((f) => f.reason)
 * // → ['Ingress tcp 22 is open to ::/0 (not an authorized port).']
 */
export function findPublicIngress(
  model: SecurityGroupModel,
  params: Parameters,
  ctx: Context,
): PublicIngressFinding[] {
  return findings(model, params, ctx, NOTHING);
}

const NO_INGRESS: Verdict = Object.freeze({
  complianceType: 'COMPLIANT',
  annotation: 'No ingress permissions.',
});
const NOTHING_OPEN: Verdict = Object.freeze({
  complianceType: 'COMPLIANT',
  annotation: 'No unauthorized ingress from the internet.',
});

/**
 * The verdict on one group. A prefix list whose entries could not be read decides nothing when the group is
 * NON_COMPLIANT anyway, or COMPLIANT even were the list the whole internet; otherwise the group is not evaluated.
 * @throws UnreadableDependencyError naming the prefix list(s) when the verdict depends on entries that could not be
 *   read.
 * @example
 * evaluate(model, params, { prefixLists: {} }).annotation // → 'Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port).'
 */
export function evaluate(model: SecurityGroupModel, params: Parameters, ctx: Context): Verdict {
  if (model.ingress.length === 0) return NO_INGRESS;
  return directVerdict(model, params, ctx) ?? fullVerdict(model, params, ctx);
}

/** The verdict by the complete analysis: every finding, unions included, and the unreadable lists' say. */
function fullVerdict(model: SecurityGroupModel, params: Parameters, ctx: Context): Verdict {
  const known = findPublicIngress(model, params, ctx);
  if (known.length > 0)
    return {
      complianceType: 'NON_COMPLIANT',
      annotation: [...new Set(known.map((f) => f.reason))].join(' '),
    };
  const unknown = unreadableLists(model, ctx);
  if (unknown.size > 0 && findings(model, params, ctx, new Set(unknown.keys())).length > 0)
    throw new UnreadableDependencyError(
      model.resourceType,
      model.resourceId,
      `the entries of prefix list ${[...unknown.keys()].join(', ')}`,
      [...new Set(unknown.values())].join('; '),
    );
  return NOTHING_OPEN;
}

/**
 * What one pass over a group's sources gathers: the summed sizes of the CIDRs that are not the world, per family
 * (some of them can cover a family together only if these reach its size), the world sources of the permission at
 * hand, and whether a source was text the complete analysis must read.
 */
interface SourceScan {
  v4: number;
  v6: number;
  odd: boolean;
  world: string[] | undefined;
}

/** Below half of a family's size, no union of its blocks can cover it. */
const UNION_POSSIBLE_V4 = 2 ** 31;
const UNION_POSSIBLE_V6 = 2 ** 127;
/** Addresses in a block of each prefix length (looked up: `2 ** n` of a variable calls the C library's pow). */
const BLOCK_SIZE_V4 = Array.from({ length: 33 }, (_, prefix) => 2 ** (32 - prefix));
const BLOCK_SIZE_V6 = Array.from({ length: 129 }, (_, prefix) => 2 ** (128 - prefix));

/**
 * Adds the sources `texts` (a permission's CIDRs, or a prefix list's entries, labelled `via` that list) to `scan`.
 * A CIDR's size is read from the prefix length it ends with (an invalid CIDR counted that way only makes a union
 * look possible: the complete analysis then decides); text that does not end with one is odd.
 */
function scanSources(texts: readonly string[], via: string | undefined, scan: SourceScan): void {
  // Indexed loops here and below: a model's lists are arrays of several kinds (the item's own, shared empty ones),
  // and for…of over them was most of the cost of an evaluation.
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i] as string;
    const prefix = endingPrefixLength(text);
    if (prefix < 0) {
      scan.odd = true;
      return;
    }
    if (prefix === 0) {
      if (!isWorldCidr(text)) continue;
      if (scan.world === undefined) scan.world = [];
      scan.world.push(via === undefined ? text : `${text} via prefix list ${via}`);
    } else if (text.includes(':')) scan.v6 += BLOCK_SIZE_V6[prefix] ?? 0;
    else scan.v4 += BLOCK_SIZE_V4[prefix] ?? 0;
  }
}

/**
 * The verdict of the common case, in one pass and without building findings: every referenced prefix list was read,
 * and the sources that are not the world are far too small to cover a family together. Then the findings are the
 * world sources (a /0 CIDR, a /0 entry of a list) of permissions that open something not authorized, in the order
 * the complete analysis gives them, and an annotation is built only for a NON_COMPLIANT group. Anything else gives
 * undefined, and {@link fullVerdict} decides (the golden verdicts pin that both agree).
 */
function directVerdict(model: SecurityGroupModel, params: Parameters, ctx: Context): Verdict | undefined {
  const scan: SourceScan = { v4: 0, v6: 0, odd: false, world: undefined };
  let reasons: string[] | undefined;
  const ingress = model.ingress;
  for (let i = 0; i < ingress.length; i++) {
    const p = ingress[i] as IngressPermission;
    scan.world = undefined;
    scanSources(p.ipv4, undefined, scan);
    scanSources(p.ipv6, undefined, scan);
    const lists = p.prefixListIds;
    for (let j = 0; j < lists.length; j++) {
      const id = lists[j] as string;
      const entries = ctx.prefixLists[id];
      if (entries === undefined || isUnreadable(entries)) return undefined;
      scanSources(entries, id, scan);
    }
    if (scan.odd) return undefined;
    const world = scan.world as string[] | undefined;
    if (world === undefined) continue;
    const v = violation(p.protocol, portRange(p), params);
    if (!v) continue;
    if (reasons === undefined) reasons = [];
    for (let j = 0; j < world.length; j++) {
      const reason = `Ingress ${v.what} is open to ${world[j]} (${v.why}).`;
      if (!reasons.includes(reason)) reasons.push(reason);
    }
  }
  if (scan.v4 >= UNION_POSSIBLE_V4 || scan.v6 >= UNION_POSSIBLE_V6) return undefined;
  return reasons ? { complianceType: 'NON_COMPLIANT', annotation: reasons.join(' ') } : NOTHING_OPEN;
}

/**
 * Resolves the prefix lists referenced by the groups, once each. A list that cannot be read (denied, not shared,
 * deleted, not in the offline context, a failed call, an entry that is not a CIDR) is kept as {@link Unreadable}
 * with why: it must neither look like the world nor like nothing.
 * @example
 * await loadPrefixLists(reader, [model]) // → { prefixLists: { 'pl-0123': ['10.0.0.0/8'] } }
 */
export async function loadPrefixLists(
  reader: { prefixListCidrs(id: string): Promise<string[] | undefined> },
  models: readonly SecurityGroupModel[],
): Promise<Context> {
  const ids = new Set<string>();
  for (const m of models) for (const p of m.ingress) for (const id of p.prefixListIds) ids.add(id);
  const prefixLists: Context['prefixLists'] = {};
  for (const id of ids) {
    try {
      const cidrs = await reader.prefixListCidrs(id);
      const bad = cidrs?.find((c) => typeof c !== 'string' || !isCidr(c));
      prefixLists[id] =
        cidrs === undefined
          ? { unreadable: 'not visible to this role (denied, not shared or deleted)' }
          : bad !== undefined
            ? { unreadable: `entry ${JSON.stringify(bad)} is not a CIDR` }
            : cidrs;
    } catch (error) {
      prefixLists[id] = unreadableBecause(error);
    }
  }
  return { prefixLists };
}

export const rule = defineRule<SecurityGroupModel, Parameters, Context, 'ec2'>({
  meta: ruleMetadata(meta),
  reads: { ec2: ec2Reads },
  fromConfigurationItem: securityGroupFromConfigurationItem,
  collect: async (reader, scope) =>
    (await reader.describeSecurityGroups()).map((sg) => {
      try {
        return securityGroupFromApi(sg, scope.accountId, scope.region);
      } catch (error) {
        // One malformed group is not evaluated; the others still are.
        if (error instanceof CollectionError) return error;
        throw error;
      }
    }),
  checkParameters: (params) => {
    parsePortRanges('authorizedTcpPorts', params.authorizedTcpPorts);
    parsePortRanges('authorizedUdpPorts', params.authorizedUdpPorts);
  },
  loadContext: (reader, models) => loadPrefixLists(reader, models),
  evaluate,
});
