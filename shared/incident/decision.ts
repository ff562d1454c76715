import { InvalidParametersError } from '../errors';
import type { Finding, ResourceRole } from './finding';
import { cidrContains, DEFAULT_ALLOW_LIST, type IpAddress, parseCidr, unblockableReason } from './ip';

/** The playbooks rebaseline ships (`playbooks/<id>/`). */
export const PLAYBOOK_IDS = [
  'collect-evidence',
  'revoke-role-sessions',
  'isolate-ec2-instance',
  'block-ip',
  'notify',
] as const;
export type PlaybookId = (typeof PLAYBOOK_IDS)[number];

/** Which traffic `block-ip` denies: from the address, or from and to it (command and control). */
export type BlockDirections = 'inbound' | 'inbound-and-outbound';

/** What one row of the decision table does. */
export type Response =
  | { playbook: 'isolate-ec2-instance' }
  | { playbook: 'block-ip'; directions: BlockDirections }
  | { playbook: 'revoke-role-sessions' };

/**
 * One row of the decision table: the finding types it answers (exact, or a prefix ending in `*`), optionally only
 * for one role of the resource, what it does and why. The first row that matches decides.
 */
export interface DecisionRow {
  types: readonly string[];
  /** Only when the resource is the attacker (`ACTOR`) or the victim (`TARGET`). */
  role?: ResourceRole;
  respond: readonly Response[];
  reason: string;
}

const ISOLATE = { playbook: 'isolate-ec2-instance' } as const;
const BLOCK_IN = { playbook: 'block-ip', directions: 'inbound' } as const;
const BLOCK_BOTH = { playbook: 'block-ip', directions: 'inbound-and-outbound' } as const;
const REVOKE = { playbook: 'revoke-role-sessions' } as const;

/**
 * From the finding to the playbooks, as data: the README's decision table is generated from it. Evidence is
 * collected before every isolation (when an evidence bucket is configured) and every response ends with a
 * notification; neither is written in the rows.
 */
export const DECISION_TABLE: readonly DecisionRow[] = [
  {
    types: ['Recon:EC2/Portscan', 'Impact:EC2/PortSweep'],
    respond: [ISOLATE],
    reason:
      'The instance scans other hosts: the remote address is its victim, so it is never blocked. The instance is contained.',
  },
  {
    types: [
      'UnauthorizedAccess:EC2/SSHBruteForce',
      'UnauthorizedAccess:EC2/RDPBruteForce',
      'Impact:EC2/WinRMBruteForce',
    ],
    role: 'TARGET',
    respond: [BLOCK_IN],
    reason:
      'The remote address attacks the instance (resource role TARGET): its traffic is denied; the instance is the victim and keeps running.',
  },
  {
    types: [
      'UnauthorizedAccess:EC2/SSHBruteForce',
      'UnauthorizedAccess:EC2/RDPBruteForce',
      'Impact:EC2/WinRMBruteForce',
    ],
    role: 'ACTOR',
    respond: [ISOLATE],
    reason:
      'The instance attacks others (resource role ACTOR): it is presumed compromised and contained; the remote address is a victim and is not blocked.',
  },
  {
    types: [
      'UnauthorizedAccess:EC2/MaliciousIPCaller.Custom',
      'Backdoor:EC2/C&CActivity.B',
      'Trojan:EC2/DropPoint',
      'Trojan:EC2/BlackholeTraffic',
    ],
    respond: [BLOCK_BOTH, ISOLATE],
    reason:
      'The instance talks to a known-malicious or command-and-control address: the address is denied both ways and the instance is contained.',
  },
  {
    types: ['CryptoCurrency:EC2/BitcoinTool.B'],
    respond: [BLOCK_BOTH, ISOLATE],
    reason:
      'The instance talks to a cryptocurrency-mining address: the address is denied both ways and the instance is contained.',
  },
  {
    types: [
      'CryptoCurrency:EC2/BitcoinTool.B!DNS',
      'Backdoor:EC2/C&CActivity.B!DNS',
      'Trojan:EC2/*',
      'Impact:EC2/BitcoinDomainRequest.Reputation',
      'Impact:EC2/MaliciousDomainRequest.Reputation',
    ],
    respond: [ISOLATE],
    reason:
      'The instance resolves a malicious domain: there is no address to block, so the instance is contained.',
  },
  {
    types: [
      'Backdoor:EC2/DenialOfService.*',
      'Backdoor:EC2/Spambot',
      'UnauthorizedAccess:EC2/TorClient',
      'UnauthorizedAccess:EC2/TorRelay',
      'UnauthorizedAccess:EC2/MetadataDNSRebind',
    ],
    respond: [ISOLATE],
    reason: 'The instance itself behaves maliciously: it is contained.',
  },
  {
    types: [
      'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
      'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS',
    ],
    respond: [REVOKE, ISOLATE],
    reason:
      "The instance's role credentials are used elsewhere: every session of the role issued until now is denied, then the instance is contained.",
  },
  {
    types: ['Recon:EC2/PortProbeUnprotectedPort', 'Recon:EC2/PortProbeEMRUnprotectedPort'],
    respond: [BLOCK_IN],
    reason: 'Known scanners probe an open port of the instance: every probing address is denied inbound.',
  },
];

/** What a deployment or a person sets for the decision. */
export interface DecisionOptions {
  /** Below this, only a notification (default 7: GuardDuty's High). */
  minSeverity?: number;
  /** Finding types to act on, by prefix (`UnauthorizedAccess:`, `Recon:EC2/`); empty: every type. */
  typePrefixes?: readonly string[];
  /** CIDRs never blocked, besides {@link DEFAULT_ALLOW_LIST} (always included); the VPC's CIDRs are added at run time. */
  allowList?: readonly string[];
  /** A resource with this tag (default `rebaseline:incident-response` = `skip`) gets only a notification. */
  skipTag?: { key: string; value: string };
  /** Evidence is collected before an isolation only where an evidence bucket is configured. */
  evidenceBucket?: string;
}

export const DEFAULT_MIN_SEVERITY = 7;
export const DEFAULT_SKIP_TAG = { key: 'rebaseline:incident-response', value: 'skip' } as const;

/** One playbook the decision runs, for which finding-derived target, and why. */
export interface PlannedResponse {
  playbook: PlaybookId;
  reason: string;
  instanceId?: string;
  roleName?: string;
  /** block-ip: the addresses to deny (allow-listed and unblockable ones are already out). */
  ips?: IpAddress[];
  directions?: BlockDirections;
}

/** An address the decision will not block, and why. */
export interface SparedIp {
  address: string;
  reason: string;
}

export interface Decision {
  /** The playbooks, in the order they run; the last one is always `notify`. */
  responses: PlannedResponse[];
  /** True when nothing but the notification runs. */
  notifyOnly: boolean;
  /** Why: the table row's reason, or the filter that stopped the response. */
  reasons: string[];
  /** Remote addresses left alone, with the reason (allow-listed, private, the victim of a scan…). */
  spared: SparedIp[];
  /** The filter that reduced the response to a notification, if one did. */
  filteredBy?: 'archived' | 'severity' | 'type' | 'skip-tag';
}

function matchesType(patterns: readonly string[], type: string): boolean {
  return patterns.some((p) => (p.endsWith('*') ? type.startsWith(p.slice(0, -1)) : p === type));
}

/** The resource's role, from `resourceRole`, else from the connection direction (inbound: the target). */
export function roleOf(finding: Finding): ResourceRole | undefined {
  if (finding.resourceRole) return finding.resourceRole;
  if (finding.connectionDirection === 'INBOUND') return 'TARGET';
  if (finding.connectionDirection === 'OUTBOUND') return 'ACTOR';
  return undefined;
}

/** The first table row that answers the finding (its type, and its role when the row names one). */
export function decisionRow(
  finding: Finding,
  table: readonly DecisionRow[] = DECISION_TABLE,
): DecisionRow | undefined {
  const role = roleOf(finding);
  return table.find(
    (row) => matchesType(row.types, finding.type) && (row.role === undefined || row.role === role),
  );
}

/** Why `ip` must not be blocked, or undefined: unblockable ranges, then the allow-list. */
export function sparedReason(ip: IpAddress, allowList: readonly string[]): string | undefined {
  const fixed = unblockableReason(ip);
  if (fixed) return fixed;
  const cidr = allowList.find((c) => cidrContains(c, ip));
  return cidr ? `is in the allow-list (${cidr})` : undefined;
}

/**
 * The allow-list parameter as canonical CIDRs (an address alone is its host CIDR).
 * @throws InvalidParametersError naming the entry that is not a CIDR.
 * @example
 * parseAllowList('203.0.113.0/24, 2001:DB8::/32'); // ['203.0.113.0/24', '2001:db8::/32']
 */
export function parseAllowList(value: string | readonly string[], parameter = 'allowList'): string[] {
  const entries = typeof value === 'string' ? value.split(',') : value;
  return entries
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map((entry) => {
      const cidr = parseCidr(entry);
      if (!cidr) throw new InvalidParametersError(parameter, 'a comma-separated list of CIDRs', entry);
      return cidr.cidr;
    });
}

const notifyOnly = (
  reason: string,
  filteredBy?: Decision['filteredBy'],
  spared: SparedIp[] = [],
): Decision => ({
  responses: [
    { playbook: 'notify', reason: 'Every response tells people what was found and what was done.' },
  ],
  notifyOnly: true,
  reasons: [reason],
  spared,
  ...(filteredBy ? { filteredBy } : {}),
});

/**
 * Decides the response to one finding: the filters first (archived, severity, type prefixes, the skip tag, checked
 * here in code and again live by each playbook, because an EventBridge pattern on tags can match one tag's key with
 * another tag's value), then the first matching row of {@link DECISION_TABLE}. Pure: no I/O, no clock.
 * @example
 * decide(finding).responses.map((r) => r.playbook); // ['block-ip', 'notify']
 */
export function decide(
  finding: Finding,
  options: DecisionOptions = {},
  table: readonly DecisionRow[] = DECISION_TABLE,
): Decision {
  const minSeverity = options.minSeverity ?? DEFAULT_MIN_SEVERITY;
  const skip = options.skipTag ?? DEFAULT_SKIP_TAG;
  const allowList = [...DEFAULT_ALLOW_LIST, ...(options.allowList ?? [])];
  if (finding.archived)
    return notifyOnly('The finding is archived (suppressed or resolved): nothing is changed.', 'archived');
  if (finding.severity < minSeverity)
    return notifyOnly(
      `Severity ${finding.severity} (${finding.severityBand}) is below the minimum of ${minSeverity}: nothing is changed.`,
      'severity',
    );
  const prefixes = options.typePrefixes ?? [];
  if (prefixes.length > 0 && !prefixes.some((p) => finding.type.startsWith(p)))
    return notifyOnly(
      `${finding.type} starts with none of the configured prefixes (${prefixes.join(', ')}): nothing is changed.`,
      'type',
    );
  const tags = finding.instance?.tags ?? {};
  if (tags[skip.key] === skip.value)
    return notifyOnly(`The resource is tagged ${skip.key}=${skip.value}: nothing is changed.`, 'skip-tag');

  const row = decisionRow(finding, table);
  if (!row) {
    const role = roleOf(finding);
    const known = table.some((r) => matchesType(r.types, finding.type));
    return notifyOnly(
      known
        ? `${finding.type} is answered only for a known resource role, and this finding's is ${role ?? 'not given'}: a person decides.`
        : `No playbook answers ${finding.type}: a person decides.`,
    );
  }

  const responses: PlannedResponse[] = [];
  const reasons = [row.reason];
  const spared: SparedIp[] = [];
  const instanceId = finding.instance?.instanceId ?? finding.accessKey?.instanceId;
  const blocks = row.respond.some((r) => r.playbook === 'block-ip');
  if (!blocks)
    for (const ip of finding.remoteIps)
      spared.push({
        address: ip.address,
        reason: 'is not blocked for this finding type (it is the victim, or not the threat)',
      });
  for (const response of row.respond) {
    if (response.playbook === 'isolate-ec2-instance') {
      if (!instanceId) {
        reasons.push('No instance is named in the finding: isolate-ec2-instance is skipped.');
        continue;
      }
      if (options.evidenceBucket)
        responses.push({
          playbook: 'collect-evidence',
          reason:
            'Volatile data (processes, connections, logins) is captured before the instance loses its network.',
          instanceId,
        });
      responses.push({ playbook: 'isolate-ec2-instance', reason: row.reason, instanceId });
    } else if (response.playbook === 'block-ip') {
      const ips: IpAddress[] = [];
      for (const ip of finding.remoteIps) {
        const why = sparedReason(ip, allowList);
        if (why) spared.push({ address: ip.address, reason: why });
        else ips.push({ address: ip.address, version: ip.version, cidr: ip.cidr });
      }
      if (ips.length === 0) {
        reasons.push('No remote address in the finding can be blocked: block-ip is skipped.');
        continue;
      }
      responses.push({
        playbook: 'block-ip',
        reason: row.reason,
        ips,
        directions: response.directions,
        ...(instanceId ? { instanceId } : {}),
      });
    } else {
      const roleName = finding.accessKey?.roleName;
      if (!roleName && !instanceId) {
        reasons.push(
          'Neither the role nor the instance is named in the finding: revoke-role-sessions is skipped.',
        );
        continue;
      }
      responses.push({
        playbook: 'revoke-role-sessions',
        reason: row.reason,
        ...(roleName ? { roleName } : {}),
        ...(instanceId ? { instanceId } : {}),
      });
    }
  }
  // Sessions are revoked first (the stolen credentials stop working at once), evidence is captured before the
  // isolation takes the instance off the network, addresses are blocked before the instance is isolated.
  const order: PlaybookId[] = [
    'revoke-role-sessions',
    'collect-evidence',
    'block-ip',
    'isolate-ec2-instance',
  ];
  responses.sort((a, b) => order.indexOf(a.playbook) - order.indexOf(b.playbook));
  responses.push({
    playbook: 'notify',
    reason: 'Every response tells people what was found and what was done.',
  });
  return { responses, notifyOnly: responses.length === 1, reasons, spared };
}
