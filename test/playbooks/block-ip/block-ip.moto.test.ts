import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateNetworkAclEntryCommand,
  DescribeNetworkAclsCommand,
  type NetworkAclEntry,
} from '@aws-sdk/client-ec2';
import { CreateIPSetCommand, GetIPSetCommand, UpdateIPSetCommand } from '@aws-sdk/client-wafv2';
import { expect } from 'chai';
import type { AwsClients } from '../../../shared/aws/clients';
import { DynamoDB } from '../../../shared/aws/services/dynamodb';
import { EC2 } from '../../../shared/aws/services/ec2';
import { WAFv2 } from '../../../shared/aws/services/wafv2';
import type { CallRecord } from '../../../shared/incident/calls';
import { useMoto } from '../../helpers/moto';
import { createWorkload, motoClients, runPlaybook, STATE_TABLE, type Workload } from '../helpers';

const CHILD = join(__dirname, 'block-process.ts');

async function entriesOf(aws: AwsClients, w: Workload): Promise<{ acl: string; entries: NetworkAclEntry[] }> {
  const acl = (
    await aws.get(EC2).send(
      new DescribeNetworkAclsCommand({
        Filters: [{ Name: 'association.subnet-id', Values: [w.subnetId] }],
      }),
    )
  ).NetworkAcls![0]!;
  return { acl: acl.NetworkAclId!, entries: acl.Entries ?? [] };
}

const cidrOf = (e: NetworkAclEntry) => e.CidrBlock ?? e.Ipv6CidrBlock ?? '';
const denies = (entries: NetworkAclEntry[], egress: boolean) =>
  entries.filter((e) => e.Egress === egress && e.RuleAction === 'deny' && e.RuleNumber! < 32767);

/** `count` public-looking addresses of TEST-NET-3 (203.0.113.0/24), starting at `from`. */
const addresses = (count: number, from = 1) =>
  Array.from({ length: count }, (_, i) => `203.0.113.${from + i}`);

describe('playbook block-ip (moto_server)', function () {
  this.timeout(180_000);
  const moto = useMoto();
  const at = (iso: string) => () => new Date(iso);

  it('denies IPv4 and IPv6 inbound and outbound, only in its rule range, other entries untouched; verify reads them back', async () => {
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws);
    const { acl } = await entriesOf(aws, w);
    // Someone else's entries, inside and outside the range: never touched.
    await aws.get(EC2).send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: acl,
        RuleNumber: 1,
        Protocol: '6',
        RuleAction: 'allow',
        Egress: false,
        CidrBlock: '192.0.2.0/24',
        PortRange: { From: 443, To: 443 },
      }),
    );
    await aws.get(EC2).send(
      new CreateNetworkAclEntryCommand({
        NetworkAclId: acl,
        RuleNumber: 150,
        Protocol: '-1',
        RuleAction: 'deny',
        Egress: false,
        CidrBlock: '198.51.100.99/32',
      }),
    );
    const before = (await entriesOf(aws, w)).entries;

    const execution = await runPlaybook('block-ip', aws, {
      IpAddresses: '203.0.113.7, 2001:DB8::bad',
      Directions: 'inbound-and-outbound',
      InstanceId: w.instanceId,
      FindingId: 'c2',
    });
    expect(execution.status, execution.failureMessage).to.equal('Success');
    const after = (await entriesOf(aws, w)).entries;
    const added = after.filter(
      (e) => !before.some((b) => b.RuleNumber === e.RuleNumber && b.Egress === e.Egress),
    );
    expect(
      added.map((e) => [e.Egress, e.RuleNumber, cidrOf(e), e.RuleAction, e.Protocol]).sort(),
    ).to.deep.equal(
      [
        [false, 2, '203.0.113.7/32', 'deny', '-1'],
        [false, 3, '2001:db8::bad/128', 'deny', '-1'],
        [true, 1, '203.0.113.7/32', 'deny', '-1'],
        [true, 2, '2001:db8::bad/128', 'deny', '-1'],
      ].sort(),
    );
    for (const b of before) expect(after, `entry ${b.RuleNumber}`).to.deep.include(b);
    expect(execution.steps.find((s) => s.name === 'VerifyBlocked')?.status).to.equal('Success');

    const again = await runPlaybook('block-ip', aws, {
      IpAddresses: '203.0.113.7,2001:db8::bad',
      Directions: 'inbound-and-outbound',
      InstanceId: w.instanceId,
    });
    expect(again.status).to.equal('Success');
    expect((await entriesOf(aws, w)).entries, 'a second run adds nothing').to.have.length(after.length);
  });

  it('never blocks an allow-listed, private, VPC-internal or unspecified address', async () => {
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws);
    const before = (await entriesOf(aws, w)).entries;
    const execution = await runPlaybook('block-ip', aws, {
      IpAddresses: '10.20.1.5,192.168.1.1,0.0.0.0,198.51.100.8,fe80::1',
      InstanceId: w.instanceId,
      AllowList: '198.51.100.0/24',
    });
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect((await entriesOf(aws, w)).entries).to.deep.equal(before);
    const plan = execution.steps.find((s) => s.name === 'Plan')!.outputs.Payload as {
      Notes: string[];
      Proceed: boolean;
    };
    expect(plan.Proceed).to.equal(false);
    expect(plan.Notes.join(' ')).to.contain('10.20.1.5 is in the allow-list (10.20.0.0/16): never blocked.');
    expect(plan.Notes.join(' ')).to.contain('198.51.100.8 is in the allow-list (198.51.100.0/24)');
    expect(plan.Notes.join(' ')).to.contain('0.0.0.0 is the unspecified address');
  });

  it('25 addresses: at most 20 IPv4 entries per direction (defaults included), the oldest rebaseline entries replaced in place', async () => {
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws);
    const first = await runPlaybook(
      'block-ip',
      aws,
      { IpAddresses: addresses(20).join(','), InstanceId: w.instanceId },
      { now: at('2026-11-28T08:00:00Z') },
    );
    expect(first.status, first.failureMessage).to.equal('Success');
    const mid = denies((await entriesOf(aws, w)).entries, false);
    expect(mid, '18 fit beside the allow rule 100 and the default deny').to.have.length(18);
    expect(mid.map(cidrOf), 'the later addresses of the list took the room').to.have.members(
      addresses(18, 3).map((a) => `${a}/32`),
    );
    const second = await runPlaybook(
      'block-ip',
      aws,
      { IpAddresses: addresses(5, 101).join(','), InstanceId: w.instanceId },
      { now: at('2026-11-28T09:00:00Z') },
    );
    expect(second.status, second.failureMessage).to.equal('Success');
    const { entries } = await entriesOf(aws, w);
    const ipv4Inbound = entries.filter((e) => !e.Egress && e.CidrBlock);
    expect(ipv4Inbound.length).to.be.at.most(20);
    const blocked = denies(entries, false).map(cidrOf);
    for (const a of addresses(5, 101)) expect(blocked).to.include(`${a}/32`);
    // .3–.20 were blocked at 08:00: the 5 new ones replaced the 5 oldest entries (.3–.7) in place.
    expect(blocked).to.not.include.members(addresses(5, 3).map((a) => `${a}/32`));
    expect(blocked).to.include.members(addresses(13, 8).map((a) => `${a}/32`));
    expect(blocked).to.have.length(18);
    const notes = (
      second.steps.find((s) => s.name === 'BlockInNetworkAcls')!.outputs.Payload as { Notes: string[] }
    ).Notes;
    expect(
      notes.filter((n) => n.includes('is full')),
      notes.join('\n'),
    ).to.have.length(5);
    expect(notes.join(' ')).to.contain('the oldest rebaseline entry, 203.0.113.3/32');
  });

  it('truly concurrent runs (separate processes), for the same and different addresses: no duplicate, no collision', async function () {
    this.timeout(240_000);
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws);
    const jobs: [string, string][] = [
      ['203.0.113.50', 'inbound-and-outbound'],
      ['203.0.113.50', 'inbound-and-outbound'],
      ['203.0.113.50,2001:db8::50', 'inbound'],
      ['203.0.113.51', 'inbound'],
      ['203.0.113.52,203.0.113.50', 'inbound'],
    ];
    const children: ChildProcess[] = jobs.map(([ips, dirs]) =>
      spawn(process.execPath, ['-r', 'tsx/cjs', CHILD, moto.endpoint, w.instanceId, ips, dirs], {
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    const lines = children.map((child) => createInterface({ input: child.stdout! })[Symbol.asyncIterator]());
    for (const line of lines) expect((await line.next()).value).to.equal('ready');
    for (const child of children) child.stdin!.write('go\n');
    const results = await Promise.all(
      lines.map(async (line) => JSON.parse((await line.next()).value as string)),
    );
    for (const r of results) expect(r.status, r.failure).to.equal('Success');

    const { acl, entries } = await entriesOf(aws, w);
    for (const egress of [false, true]) {
      const mine = denies(entries, egress);
      const cidrs = mine.map(cidrOf);
      expect(cidrs.length, `no address twice (${egress ? 'outbound' : 'inbound'})`).to.equal(
        new Set(cidrs).size,
      );
      expect(mine.map((e) => e.RuleNumber).length).to.equal(new Set(mine.map((e) => e.RuleNumber)).size);
    }
    expect(denies(entries, false).map(cidrOf).sort()).to.deep.equal([
      '2001:db8::50/128',
      '203.0.113.50/32',
      '203.0.113.51/32',
      '203.0.113.52/32',
    ]);
    expect(denies(entries, true).map(cidrOf)).to.deep.equal(['203.0.113.50/32']);
    const ledger = await aws.get(DynamoDB).send(
      new GetItemCommand({
        TableName: STATE_TABLE,
        Key: { pk: { S: `nacl#${acl}` } },
        ConsistentRead: true,
      }),
    );
    const claimed = (
      JSON.parse(ledger.Item!.data!.S!) as {
        entries: { egress: boolean; ruleNumber: number; cidr: string }[];
      }
    ).entries;
    expect(
      claimed.map((e) => `${e.egress}:${e.ruleNumber}:${e.cidr}`).sort(),
      'the ledger is what the NACL holds',
    ).to.deep.equal(
      [...denies(entries, false), ...denies(entries, true)]
        .map((e) => `${e.Egress}:${e.RuleNumber}:${cidrOf(e)}`)
        .sort(),
    );
  });

  it('concurrent runs in one process where both read before either writes: the loser re-reads, nothing is doubled', async () => {
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws);
    // Hold every ledger write until both runs have read the ledger, so the second write must lose the race.
    let reads = 0;
    let release: () => void = () => undefined;
    const bothRead = new Promise<void>((r) => {
      release = r;
    });
    const conditionalFailures: string[] = [];
    aws.get(DynamoDB).middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetItemCommand' && ++reads === 2) release();
        if (context.commandName === 'PutItemCommand') await bothRead;
        try {
          return await next(args);
        } catch (error) {
          conditionalFailures.push((error as Error).name);
          throw error;
        }
      },
      { step: 'initialize', name: 'holdWrites' },
    );
    const [a, b] = await Promise.all([
      runPlaybook('block-ip', aws, { IpAddresses: '203.0.113.60', InstanceId: w.instanceId }),
      runPlaybook('block-ip', aws, { IpAddresses: '203.0.113.60,203.0.113.61', InstanceId: w.instanceId }),
    ]);
    expect(a.status, a.failureMessage).to.equal('Success');
    expect(b.status, b.failureMessage).to.equal('Success');
    expect(conditionalFailures).to.include('ConditionalCheckFailedException');
    const blocked = denies((await entriesOf(aws, w)).entries, false);
    expect(blocked.map(cidrOf).sort()).to.deep.equal(['203.0.113.60/32', '203.0.113.61/32']);
  });

  it('WAF: a stale lock token (another writer in between) is retried with a fresh one and both changes stay', async () => {
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws);
    const waf = aws.get(WAFv2);
    const v4 = (
      await waf.send(
        new CreateIPSetCommand({
          Name: 'attackers-v4',
          Scope: 'REGIONAL',
          IPAddressVersion: 'IPV4',
          Addresses: [],
        }),
      )
    ).Summary!;
    const v6 = (
      await waf.send(
        new CreateIPSetCommand({
          Name: 'attackers-v6',
          Scope: 'REGIONAL',
          IPAddressVersion: 'IPV6',
          Addresses: [],
        }),
      )
    ).Summary!;
    let interfered = false;
    waf.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'UpdateIPSetCommand' && !interfered) {
          interfered = true;
          // Another writer (a person in the console) updates the set between this run's read and its write.
          const other = await waf.send(
            new GetIPSetCommand({ Name: 'attackers-v4', Scope: 'REGIONAL', Id: v4.Id }),
          );
          await waf.send(
            new UpdateIPSetCommand({
              Name: 'attackers-v4',
              Scope: 'REGIONAL',
              Id: v4.Id,
              Addresses: ['192.0.2.1/32'],
              LockToken: other.LockToken,
            }),
          );
        }
        return next(args);
      },
      { step: 'initialize', name: 'anotherWriter' },
    );
    const execution = await runPlaybook('block-ip', aws, {
      IpAddresses: '203.0.113.70,2001:db8::70',
      InstanceId: w.instanceId,
      WafIpSetArns: `${v4.ARN},${v6.ARN}`,
    });
    expect(execution.status, execution.failureMessage).to.equal('Success');
    const calls = (
      execution.steps.find((s) => s.name === 'BlockInWaf')!.outputs.Payload as { Calls: CallRecord[] }
    ).Calls;
    expect(
      calls.some((c) => c.outcome === 'failed' && c.error?.includes('WAFOptimisticLockException')),
      JSON.stringify(calls, null, 1),
    ).to.equal(true);
    const set4 = await waf.send(new GetIPSetCommand({ Name: 'attackers-v4', Scope: 'REGIONAL', Id: v4.Id }));
    const set6 = await waf.send(new GetIPSetCommand({ Name: 'attackers-v6', Scope: 'REGIONAL', Id: v6.Id }));
    expect(set4.IPSet!.Addresses!.sort()).to.deep.equal(['192.0.2.1/32', '203.0.113.70/32']);
    expect(set6.IPSet!.Addresses).to.deep.equal(['2001:db8::70/128']);
  });

  it('prune removes what outlived the retention (NACL and WAF), keeps the rest; unblock removes an address', async () => {
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws);
    const v4 = (
      await aws.get(WAFv2).send(
        new CreateIPSetCommand({
          Name: 'attackers-v4',
          Scope: 'REGIONAL',
          IPAddressVersion: 'IPV4',
          Addresses: [],
        }),
      )
    ).Summary!;
    const common = { InstanceId: w.instanceId, WafIpSetArns: v4.ARN };
    await runPlaybook(
      'block-ip',
      aws,
      { ...common, IpAddresses: '203.0.113.80' },
      { now: at('2026-11-28T00:00:00Z') },
    );
    await runPlaybook(
      'block-ip',
      aws,
      { ...common, IpAddresses: '203.0.113.81,203.0.113.82' },
      { now: at('2026-11-28T10:00:00Z') },
    );
    const dry = await runPlaybook(
      'block-ip',
      aws,
      { Mode: 'prune', WafIpSetArns: v4.ARN },
      { now: at('2026-11-28T13:00:00Z'), dryRun: true },
    );
    expect(dry.status, dry.failureMessage).to.equal('Success');
    expect(dry.plan.map((p) => p.api)).to.include.members(['DeleteNetworkAclEntry', 'UpdateIPSet']);
    expect(denies((await entriesOf(aws, w)).entries, false)).to.have.length(3);

    const prune = await runPlaybook(
      'block-ip',
      aws,
      { Mode: 'prune', WafIpSetArns: v4.ARN },
      { now: at('2026-11-28T13:00:00Z') },
    );
    expect(prune.status, prune.failureMessage).to.equal('Success');
    expect(
      denies((await entriesOf(aws, w)).entries, false)
        .map(cidrOf)
        .sort(),
    ).to.deep.equal(['203.0.113.81/32', '203.0.113.82/32']);
    const set = await aws
      .get(WAFv2)
      .send(new GetIPSetCommand({ Name: 'attackers-v4', Scope: 'REGIONAL', Id: v4.Id }));
    expect(set.IPSet!.Addresses!.sort()).to.deep.equal(['203.0.113.81/32', '203.0.113.82/32']);

    const unblock = await runPlaybook(
      'block-ip',
      aws,
      { Mode: 'unblock', IpAddresses: '203.0.113.81', WafIpSetArns: v4.ARN },
      { now: at('2026-11-28T13:00:00Z') },
    );
    expect(unblock.status, unblock.failureMessage).to.equal('Success');
    expect(denies((await entriesOf(aws, w)).entries, false).map(cidrOf)).to.deep.equal(['203.0.113.82/32']);
  });

  it('dry-run: plans exact entries and changes nothing', async () => {
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws);
    const before = (await entriesOf(aws, w)).entries;
    const execution = await runPlaybook(
      'block-ip',
      aws,
      { IpAddresses: '203.0.113.90', InstanceId: w.instanceId },
      { dryRun: true },
    );
    expect(execution.status, execution.failureMessage).to.equal('Success');
    const { acl } = await entriesOf(aws, w);
    expect(execution.plan.find((p) => p.api === 'CreateNetworkAclEntry')?.inputs).to.deep.equal({
      NetworkAclId: acl,
      RuleNumber: 1,
      Protocol: '-1',
      RuleAction: 'deny',
      Egress: false,
      CidrBlock: '203.0.113.90/32',
    });
    expect((await entriesOf(aws, w)).entries).to.deep.equal(before);
  });
});
