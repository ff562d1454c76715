import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateNetworkAclEntryCommand,
  DeleteNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  DescribeVpcsCommand,
  type NetworkAcl,
  ReplaceNetworkAclEntryCommand,
} from '@aws-sdk/client-ec2';
import { GetIPSetCommand, UpdateIPSetCommand } from '@aws-sdk/client-wafv2';
import type { AwsClients } from '../../shared/aws/clients';
import { DynamoDB } from '../../shared/aws/services/dynamodb';
import { EC2 } from '../../shared/aws/services/ec2';
import { WAFv2 } from '../../shared/aws/services/wafv2';
import { awsErrorName, InvalidParametersError, PlaybookStepError } from '../../shared/errors';
import {
  type ApiCall,
  type CallRecord,
  errorText,
  type StepResult,
  stepResult,
} from '../../shared/incident/calls';
import { parseAllowList, sparedReason } from '../../shared/incident/decision';
import { checkSkipTag, readInstance } from '../../shared/incident/instance';
import { DEFAULT_ALLOW_LIST, type IpAddress, parseCidr, parseIpAddress } from '../../shared/incident/ip';
import {
  type PlaybookInvocation,
  playbookLambda,
  sender,
  TEXT_FIELD,
  verified,
} from '../../shared/incident/playbook-lambda';
import { DEFAULT_STATE_TABLE, lostRace, readState, writeStateCall } from '../../shared/incident/state';
import { ACCOUNT_ID_FIELD, payloadParser } from '../../shared/remediation/payload';
import {
  type BlockSettings,
  type LedgerEntry,
  type NaclEntry,
  type NaclPlan,
  parseRange,
  planBlock,
  planIpSet,
  planRemove,
} from './plan';

export const PLAYBOOK_ID = 'block-ip';

const MODES = ['plan', 'block', 'waf', 'verify', 'prune', 'unblock', 'verify-removed'] as const;
type Mode = (typeof MODES)[number];

export interface BlockPayload {
  Mode: Mode;
  AccountId: string;
  IpAddresses?: string;
  Directions?: string;
  InstanceId?: string;
  SubnetIds?: string;
  FindingId?: string;
  RuleNumberRange?: string;
  NaclQuota?: string;
  RetentionHours?: string;
  AllowList?: string;
  WafIpSetArns?: string;
  StateTable?: string;
  SkipTagKey?: string;
  SkipTagValue?: string;
  DryRun?: boolean;
}

export const parsePayload = payloadParser<BlockPayload>(PLAYBOOK_ID, {
  type: 'object',
  required: ['Mode', 'AccountId'],
  properties: {
    Mode: { enum: [...MODES] },
    AccountId: ACCOUNT_ID_FIELD,
    IpAddresses: {
      type: ['string', 'array', 'null'],
      items: { type: 'string' },
      default: '',
      description: 'a comma-separated list of IP addresses',
    },
    Directions: { enum: ['inbound', 'inbound-and-outbound', null], default: 'inbound' },
    InstanceId: {
      type: ['string', 'null'],
      pattern: '^$|^i-[0-9a-f]{8,17}$',
      default: '',
      description: 'an instance id',
    },
    SubnetIds: {
      type: ['string', 'array', 'null'],
      items: { type: 'string' },
      default: '',
      description: 'a comma-separated list of subnet ids',
    },
    FindingId: { ...TEXT_FIELD, default: '' },
    RuleNumberRange: {
      type: ['string', 'null'],
      default: '1-99',
      description: 'a rule number range like 1-99',
    },
    NaclQuota: {
      type: ['string', 'number', 'null'],
      pattern: '^\\d{1,2}$',
      default: '20',
      description: 'a number of rules',
    },
    RetentionHours: {
      type: ['string', 'number', 'null'],
      pattern: '^\\d{1,5}(\\.\\d+)?$',
      default: '12',
      description: 'a number of hours',
    },
    AllowList: {
      type: ['string', 'array', 'null'],
      items: { type: 'string' },
      default: '',
      description: 'a comma-separated list of CIDRs',
    },
    WafIpSetArns: {
      type: ['string', 'array', 'null'],
      items: { type: 'string' },
      default: '',
      description: 'a comma-separated list of WAF IP set ARNs',
    },
    StateTable: {
      type: ['string', 'null'],
      pattern: '^[A-Za-z0-9_.-]{3,255}$',
      default: DEFAULT_STATE_TABLE,
      description: 'a DynamoDB table name',
    },
    SkipTagKey: { ...TEXT_FIELD, default: 'rebaseline:incident-response' },
    SkipTagValue: { ...TEXT_FIELD, default: 'skip' },
  },
});

const list = (text: string | undefined) =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

interface Settings extends BlockSettings {
  table: string;
  retentionMs: number;
  allowList: string[];
  wafIpSets: { arn: string; name: string; id: string; scope: 'REGIONAL' | 'CLOUDFRONT'; region: string }[];
}

function settingsOf(payload: BlockPayload, now: Date): Settings {
  const range = parseRange(payload.RuleNumberRange ?? '1-99');
  if (!range)
    throw new InvalidParametersError(
      'RuleNumberRange',
      'a range of rule numbers from 1 to 32766 like 1-99',
      payload.RuleNumberRange,
    );
  const quota = Number(payload.NaclQuota ?? '20');
  if (!Number.isInteger(quota) || quota < 2 || quota > 40)
    throw new InvalidParametersError('NaclQuota', 'a whole number from 2 to 40', payload.NaclQuota);
  const wafIpSets = list(payload.WafIpSetArns).map((arn) => {
    const m =
      /^arn:aws[a-z-]*:wafv2:([a-z0-9-]+):\d{12}:(regional|global)\/ipset\/([\w-]{1,128})\/([0-9a-f-]{36})$/.exec(
        arn,
      );
    if (!m)
      throw new InvalidParametersError(
        'WafIpSetArns',
        'WAFv2 IP set ARNs (arn:aws:wafv2:<region>:<account>:regional|global/ipset/<name>/<id>)',
        arn,
      );
    return {
      arn,
      region: m[1] as string,
      scope: m[2] === 'global' ? ('CLOUDFRONT' as const) : ('REGIONAL' as const),
      name: m[3] as string,
      id: m[4] as string,
    };
  });
  return {
    range,
    quota,
    ...(payload.FindingId ? { findingId: payload.FindingId } : {}),
    now,
    table: payload.StateTable || DEFAULT_STATE_TABLE,
    retentionMs: Number(payload.RetentionHours ?? '12') * 3_600_000,
    allowList: [...DEFAULT_ALLOW_LIST, ...parseAllowList(payload.AllowList ?? '', 'AllowList')],
    wafIpSets,
  };
}

function addressesOf(payload: BlockPayload): IpAddress[] {
  const out: IpAddress[] = [];
  for (const text of list(payload.IpAddresses)) {
    const ip = parseIpAddress(text);
    if (!ip) throw new InvalidParametersError('IpAddresses', 'a comma-separated list of IP addresses', text);
    if (!out.some((o) => o.address === ip.address)) out.push(ip);
  }
  return out;
}

function naclEntries(acl: NetworkAcl): NaclEntry[] {
  return (acl.Entries ?? []).map((e) => ({
    ruleNumber: e.RuleNumber ?? 0,
    egress: e.Egress === true,
    action: e.RuleAction ?? '',
    protocol: e.Protocol ?? '',
    cidr: parseCidr(e.CidrBlock ?? e.Ipv6CidrBlock ?? '')?.cidr ?? e.CidrBlock ?? e.Ipv6CidrBlock ?? '',
    version: e.Ipv6CidrBlock ? 6 : 4,
  }));
}

/** The NACLs of the affected subnets (the instance's, or the ones given) with their VPC's CIDRs. */
async function affected(aws: AwsClients, payload: BlockPayload) {
  const subnets = new Set(list(payload.SubnetIds));
  const notes: string[] = [];
  if (payload.InstanceId) {
    const instance = await readInstance(aws, payload.InstanceId, { attributes: false });
    const skipped = checkSkipTag(instance, payload.SkipTagKey ?? '', payload.SkipTagValue ?? '');
    if (skipped) return { acls: [], vpcCidrs: [], skipped, notes };
    for (const i of instance.interfaces) if (i.subnetId) subnets.add(i.subnetId);
  }
  if (subnets.size === 0)
    return {
      acls: [],
      vpcCidrs: [],
      notes: ['No subnet is affected (neither an instance nor subnets are given): no network ACL entry.'],
    };
  const ec2 = aws.get(EC2);
  const out = await ec2.send(
    new DescribeNetworkAclsCommand({ Filters: [{ Name: 'association.subnet-id', Values: [...subnets] }] }),
  );
  const acls = out.NetworkAcls ?? [];
  const vpcIds = [...new Set(acls.map((a) => a.VpcId).filter((v): v is string => !!v))];
  const vpcs = vpcIds.length
    ? ((await ec2.send(new DescribeVpcsCommand({ VpcIds: vpcIds }))).Vpcs ?? [])
    : [];
  const vpcCidrs = vpcs
    .flatMap((v) => [
      ...(v.CidrBlockAssociationSet ?? []).map((c) => c.CidrBlock ?? ''),
      ...(v.Ipv6CidrBlockAssociationSet ?? []).map((c) => c.Ipv6CidrBlock ?? ''),
    ])
    .filter((c) => c !== '');
  const ipv6Vpcs = new Set(
    vpcs.filter((v) => (v.Ipv6CidrBlockAssociationSet ?? []).length > 0).map((v) => v.VpcId),
  );
  return { acls: acls.map((a) => ({ acl: a, ipv6: ipv6Vpcs.has(a.VpcId) })), vpcCidrs, notes };
}

/** The addresses that may be blocked, and why the others are not. */
function blockable(ips: IpAddress[], allowList: string[]): { ips: IpAddress[]; notes: string[] } {
  const notes: string[] = [];
  const kept = ips.filter((ip) => {
    const why = sparedReason(ip, allowList);
    if (why) notes.push(`${ip.address} ${why}: never blocked.`);
    return !why;
  });
  return { ips: kept, notes };
}

export const SENDS = {
  'ec2:CreateNetworkAclEntry': [EC2, CreateNetworkAclEntryCommand],
  'ec2:ReplaceNetworkAclEntry': [EC2, ReplaceNetworkAclEntryCommand],
  'ec2:DeleteNetworkAclEntry': [EC2, DeleteNetworkAclEntryCommand],
  'dynamodb:PutItem': [DynamoDB, PutItemCommand],
} as const;

const MAX_ATTEMPTS = 8;
const backoff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * 25 * 2 ** attempt));

/**
 * One NACL: read its ledger and entries, plan, write the ledger (conditional), then make the calls. Another run
 * that wrote first makes this one start over from a fresh read; a number taken meanwhile by someone outside
 * rebaseline drops the claim and starts over.
 */
async function applyToNacl(
  aws: AwsClients,
  aclId: string,
  settings: Settings,
  dryRun: boolean,
  planner: (nacl: NaclEntry[], ledger: LedgerEntry[]) => NaclPlan,
): Promise<{ records: CallRecord[]; notes: string[] }> {
  const send = sender(aws, SENDS);
  const key = `nacl#${aclId}`;
  const records: CallRecord[] = [];
  let notes: string[] | undefined;
  for (let attempt = 1; ; attempt++) {
    const stored = await readState<{ entries: LedgerEntry[] }>(aws, settings.table, key);
    const acl = (await aws.get(EC2).send(new DescribeNetworkAclsCommand({ NetworkAclIds: [aclId] })))
      .NetworkAcls?.[0];
    if (!acl) return { records, notes: [...(notes ?? []), `${aclId} no longer exists.`] };
    const plan = planner(naclEntries(acl), stored.data?.entries ?? []);
    notes ??= plan.notes;
    if (!plan.changed && plan.calls.length === 0) return { records, notes };
    const write = writeStateCall(
      settings.table,
      key,
      stored,
      { entries: plan.ledger },
      `Record rebaseline's entries of ${aclId} before changing it.`,
      settings.now,
    );
    if (dryRun)
      return {
        records: [...(plan.changed ? [write] : []), ...plan.calls].map((c) => ({
          ...c,
          outcome: 'planned' as const,
        })),
        notes,
      };
    if (attempt > MAX_ATTEMPTS)
      return {
        records,
        notes: [
          ...notes,
          `${aclId}: rebaseline's ledger did not settle after ${MAX_ATTEMPTS} attempts; the next run converges it.`,
        ],
      };
    if (plan.changed) {
      try {
        await send(write);
        records.push({ ...write, outcome: 'done' });
      } catch (error) {
        // Another run wrote first: start over from what it wrote.
        if (!lostRace(error)) throw error;
        await backoff(attempt);
        continue;
      }
    }
    let conflict = false;
    for (const call of plan.calls) {
      try {
        await send(call);
        records.push({ ...call, outcome: 'done' });
      } catch (error) {
        // The claimed number holds an entry now: this run's claim applied by a concurrent run (the next read sees it
        // applied), or someone else's entry (the next read drops the claim and plans the address again).
        if (awsErrorName(error) === 'NetworkAclEntryAlreadyExists') {
          conflict = true;
          continue;
        }
        records.push({ ...call, outcome: 'failed', error: errorText(error) });
        throw new PlaybookStepError(`${call.api} on ${aclId} failed: ${errorText(error)}.`, { cause: error });
      }
    }
    // Deletions (prune, unblock) are forgotten by the ledger at the next pass, once the NACL no longer has them.
    if (!conflict && !plan.ledger.some((e) => e.deleting)) return { records, notes };
  }
}

/** The WAF client of an IP set's region (CloudFront-scope sets live in us-east-1); the Lambda's own where it can. */
function wafClient(aws: AwsClients, set: Settings['wafIpSets'][number]) {
  const region = set.scope === 'CLOUDFRONT' ? 'us-east-1' : set.region;
  return (region === aws.region ? aws : aws.inRegion(region)).get(WAFv2);
}

/** WAF: add (or remove) addresses, retrying WAFOptimisticLockException with a fresh lock token. */
async function applyToIpSet(
  aws: AwsClients,
  set: Settings['wafIpSets'][number],
  settings: Settings,
  dryRun: boolean,
  change: (
    current: string[],
    version: 'IPV4' | 'IPV6',
    added: Record<string, string>,
  ) => { addresses: string[]; added: Record<string, string>; notes: string[]; changed: boolean },
): Promise<{ records: CallRecord[]; notes: string[] }> {
  const waf = wafClient(aws, set);
  const key = `ipset#${set.arn}`;
  const records: CallRecord[] = [];
  for (let attempt = 1; ; attempt++) {
    const got = await waf.send(new GetIPSetCommand({ Name: set.name, Scope: set.scope, Id: set.id }));
    const stored = await readState<{ added: Record<string, string> }>(aws, settings.table, key);
    const current = got.IPSet?.Addresses ?? [];
    const plan = change(
      current,
      (got.IPSet?.IPAddressVersion ?? 'IPV4') as 'IPV4' | 'IPV6',
      stored.data?.added ?? {},
    );
    if (!plan.changed) return { records, notes: plan.notes };
    const update: ApiCall = {
      service: 'wafv2',
      api: 'UpdateIPSet',
      resource: set.arn,
      inputs: {
        Name: set.name,
        Scope: set.scope,
        Id: set.id,
        Addresses: plan.addresses,
        LockToken: got.LockToken,
      },
      why: `Put the IP set ${set.name} at ${plan.addresses.length} address(es).`,
    };
    const write = writeStateCall(
      settings.table,
      key,
      stored,
      { added: plan.added },
      `Record when each address of ${set.name} was added.`,
      settings.now,
    );
    if (dryRun)
      return {
        records: [update, write].map((c) => ({ ...c, outcome: 'planned' as const })),
        notes: plan.notes,
      };
    try {
      await waf.send(new UpdateIPSetCommand(update.inputs as never));
      records.push({ ...update, outcome: 'done' });
    } catch (error) {
      if (awsErrorName(error) === 'WAFOptimisticLockException' && attempt < MAX_ATTEMPTS) {
        records.push({
          ...update,
          outcome: 'failed',
          error: `${errorText(error)} (retried with a fresh lock token)`,
        });
        await backoff(attempt);
        continue;
      }
      throw new PlaybookStepError(`UpdateIPSet ${set.name} failed: ${errorText(error)}.`, { cause: error });
    }
    try {
      await aws.get(DynamoDB).send(new PutItemCommand(write.inputs as never));
      records.push({ ...write, outcome: 'done' });
    } catch (error) {
      // The IP set is the truth; a lost ledger write only loses when the address came (it is adopted as now).
      if (!lostRace(error)) throw error;
    }
    return { records, notes: plan.notes };
  }
}

async function block(
  aws: AwsClients,
  payload: BlockPayload,
  settings: Settings,
  waf: boolean,
): Promise<StepResult> {
  const dryRun = payload.DryRun === true;
  const target = await affected(aws, payload);
  if (target.skipped) return stepResult(payload.Mode, dryRun, [], [target.skipped], target.skipped);
  const { ips, notes } = blockable(addressesOf(payload), [...target.vpcCidrs, ...settings.allowList]);
  notes.push(...target.notes);
  const records: CallRecord[] = [];
  if (!waf) {
    const egress = payload.Directions === 'inbound-and-outbound' ? [false, true] : [false];
    for (const { acl, ipv6 } of target.acls) {
      const aclId = acl.NetworkAclId as string;
      const here = ips.filter((ip) => ip.version === 4 || ipv6);
      if (here.length < ips.length)
        notes.push(`${aclId}: its VPC has no IPv6 range, so IPv6 addresses need no entry there.`);
      const done = await applyToNacl(aws, aclId, settings, dryRun, (nacl, ledger) =>
        planBlock(aclId, nacl, ledger, here, egress, settings),
      );
      records.push(...done.records);
      notes.push(...done.notes);
    }
  } else {
    if (settings.wafIpSets.length === 0) notes.push('No WAF IP set is configured.');
    for (const set of settings.wafIpSets) {
      const done = await applyToIpSet(aws, set, settings, dryRun, (current, version, added) =>
        planIpSet(
          current,
          added,
          ips.filter((ip) => (ip.version === 6) === (version === 'IPV6')).map((ip) => ip.cidr),
          settings.now,
        ),
      );
      records.push(...done.records);
      notes.push(...done.notes);
    }
  }
  const made = records.filter((r) => r.api !== 'PutItem');
  return stepResult(
    payload.Mode,
    dryRun,
    records,
    notes,
    `${waf ? 'WAF' : 'Network ACLs'}: ${made.length ? `${dryRun ? 'would make' : 'made'} ${made.length} change(s)` : 'nothing to change'} for ${ips.map((i) => i.address).join(', ') || 'no blockable address'}.${notes.length ? ` ${notes.join(' ')}` : ''}`,
  );
}

/** Every NACL of the region holding rebaseline entries (prune and unblock look at all of them). */
async function allAcls(aws: AwsClients, range: [number, number]): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await aws.get(EC2).send(new DescribeNetworkAclsCommand({ NextToken: token }));
    for (const acl of page.NetworkAcls ?? [])
      if (
        naclEntries(acl).some(
          (e) => e.ruleNumber >= range[0] && e.ruleNumber <= range[1] && e.action === 'deny',
        )
      )
        out.push(acl.NetworkAclId as string);
    token = page.NextToken;
  } while (token);
  return out;
}

async function remove(aws: AwsClients, payload: BlockPayload, settings: Settings): Promise<StepResult> {
  const dryRun = payload.DryRun === true;
  const unblock = payload.Mode === 'unblock' ? new Set(addressesOf(payload).map((i) => i.cidr)) : undefined;
  const expired = (createdAt: string) =>
    Date.parse(createdAt) + settings.retentionMs <= settings.now.getTime();
  const chosen = (cidr: string, createdAt: string) => (unblock ? unblock.has(cidr) : expired(createdAt));
  const records: CallRecord[] = [];
  const notes: string[] = [];
  for (const aclId of await allAcls(aws, settings.range)) {
    const done = await applyToNacl(aws, aclId, settings, dryRun, (nacl, ledger) =>
      planRemove(aclId, nacl, ledger, settings, (e) => chosen(e.cidr, e.createdAt)),
    );
    records.push(...done.records);
    notes.push(...done.notes);
  }
  for (const set of settings.wafIpSets) {
    const done = await applyToIpSet(aws, set, settings, dryRun, (current, _version, added) => {
      const since = Object.fromEntries(current.map((a) => [a, added[a] ?? settings.now.toISOString()]));
      const keep = current.filter((a) => !chosen(parseCidr(a)?.cidr ?? a, since[a] as string));
      for (const gone of current.filter((a) => !keep.includes(a))) delete since[gone];
      return {
        addresses: keep,
        added: since,
        notes:
          current.length > keep.length
            ? [`Remove ${current.length - keep.length} address(es) from ${set.name}.`]
            : [],
        changed: keep.length < current.length,
      };
    });
    records.push(...done.records);
    notes.push(...done.notes);
  }
  const what = unblock
    ? `unblock ${[...unblock].join(', ')}`
    : `prune entries older than ${settings.retentionMs / 3_600_000} h`;
  return stepResult(
    payload.Mode,
    dryRun,
    records,
    notes,
    `${dryRun ? 'Would' : 'Did'} ${what}: ${records.filter((r) => r.api !== 'PutItem').length} change(s).`,
  );
}

async function verifyBlocked(
  aws: AwsClients,
  payload: BlockPayload,
  settings: Settings,
  removed: boolean,
): Promise<StepResult> {
  const dryRun = payload.DryRun === true;
  const problems: string[] = [];
  if (removed) {
    const unblock =
      payload.Mode === 'verify-removed' && payload.IpAddresses
        ? new Set(addressesOf(payload).map((i) => i.cidr))
        : undefined;
    for (const aclId of await allAcls(aws, settings.range)) {
      const stored = await readState<{ entries: LedgerEntry[] }>(aws, settings.table, `nacl#${aclId}`);
      for (const e of stored.data?.entries ?? [])
        if (
          unblock
            ? unblock.has(e.cidr)
            : Date.parse(e.createdAt) + settings.retentionMs <= settings.now.getTime()
        )
          problems.push(`${e.cidr} is still denied in ${aclId} (rule ${e.ruleNumber}).`);
    }
    return verified(
      payload.Mode,
      dryRun,
      problems,
      unblock ? 'the addresses are unblocked' : 'no entry outlives the retention',
    );
  }
  const target = await affected(aws, payload);
  if (target.skipped)
    return verified(payload.Mode, dryRun, [], 'nothing was to be blocked', [target.skipped]);
  const { ips } = blockable(addressesOf(payload), [...target.vpcCidrs, ...settings.allowList]);
  const egress = payload.Directions === 'inbound-and-outbound' ? [false, true] : [false];
  const notes: string[] = [];
  for (const { acl, ipv6 } of target.acls) {
    const fresh = (
      await aws.get(EC2).send(new DescribeNetworkAclsCommand({ NetworkAclIds: [acl.NetworkAclId as string] }))
    ).NetworkAcls?.[0];
    const entries = fresh ? naclEntries(fresh) : [];
    for (const ip of ips.filter((i) => i.version === 4 || ipv6))
      for (const e of egress) {
        const denied = entries.some(
          (x) =>
            x.egress === e &&
            x.cidr === ip.cidr &&
            x.action === 'deny' &&
            x.ruleNumber >= settings.range[0] &&
            x.ruleNumber <= settings.range[1],
        );
        if (denied) continue;
        // A full class (the quota) is a reason, reported; room left and no entry is a failure.
        const full =
          entries.filter((x) => x.egress === e && x.version === ip.version).length >= settings.quota;
        if (full)
          notes.push(
            `${ip.cidr} is not denied ${e ? 'outbound' : 'inbound'} in ${acl.NetworkAclId}: its IPv${ip.version} rules are at the quota of ${settings.quota}.`,
          );
        else problems.push(`${ip.cidr} is not denied ${e ? 'outbound' : 'inbound'} in ${acl.NetworkAclId}.`);
      }
  }
  for (const set of settings.wafIpSets) {
    const got = await wafClient(aws, set).send(
      new GetIPSetCommand({ Name: set.name, Scope: set.scope, Id: set.id }),
    );
    const v6 = got.IPSet?.IPAddressVersion === 'IPV6';
    for (const ip of ips.filter((i) => (i.version === 6) === v6))
      if (!(got.IPSet?.Addresses ?? []).some((a) => parseCidr(a)?.cidr === ip.cidr))
        problems.push(`${ip.cidr} is not in the IP set ${set.name}.`);
  }
  return verified(
    payload.Mode,
    dryRun,
    problems,
    `${ips.map((i) => i.address).join(', ') || 'nothing'} is blocked`,
  );
}

async function planOnly(aws: AwsClients, payload: BlockPayload, settings: Settings): Promise<StepResult> {
  const target = await affected(aws, payload);
  if (target.skipped)
    return {
      ...stepResult('plan', payload.DryRun === true, [], [target.skipped], target.skipped),
      Proceed: false,
    };
  const { ips, notes } = blockable(addressesOf(payload), [...target.vpcCidrs, ...settings.allowList]);
  return {
    ...stepResult(
      'plan',
      payload.DryRun === true,
      [],
      [...notes, ...target.notes],
      `Block ${ips.map((i) => i.address).join(', ') || 'nothing'} ${payload.Directions === 'inbound-and-outbound' ? 'inbound and outbound' : 'inbound'} in ${target.acls.map((a) => a.acl.NetworkAclId).join(', ') || 'no network ACL'}${settings.wafIpSets.length ? ` and ${settings.wafIpSets.length} WAF IP set(s)` : ''}.${notes.length ? ` ${notes.join(' ')}` : ''}`,
    ),
    Proceed: ips.length > 0,
  };
}

/**
 * The Lambda of `block-ip`: one mode per document step (plan, block in the NACLs, block in WAF, verify), and the
 * maintenance modes (prune entries older than the retention; unblock given addresses).
 */
export function createHandler(
  clients?: (region: string) => AwsClients,
  options: { now?: () => Date } = {},
): (payload: unknown, context?: PlaybookInvocation) => Promise<StepResult> {
  const run = async (payload: BlockPayload, aws: AwsClients): Promise<StepResult> => {
    const settings = settingsOf(payload, options.now?.() ?? new Date());
    switch (payload.Mode) {
      case 'plan':
        return planOnly(aws, payload, settings);
      case 'block':
        return block(aws, payload, settings, false);
      case 'waf':
        return block(aws, payload, settings, true);
      case 'verify':
        return verifyBlocked(aws, payload, settings, false);
      case 'prune':
      case 'unblock':
        return remove(aws, payload, settings);
      case 'verify-removed':
        return verifyBlocked(aws, payload, settings, true);
    }
  };
  return playbookLambda({ id: PLAYBOOK_ID, parse: parsePayload, run }, clients);
}

export const handler = createHandler();
