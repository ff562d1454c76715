import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { expect } from 'chai';
import { HistoryStore } from '../../app/history/store';
import { type MotoServer, startMoto } from '../../app/moto';
import type { ScanFinding } from '../../app/scan';
import { type ScanEvent, scanAccounts } from '../../app/scan/organization';
import { DEFAULT_RATES, ScanRateLimits } from '../../app/scan/rate-limit';
import { RULES } from '../../rules';
import { AwsClients } from '../../shared/aws/clients';
import { EC2 } from '../../shared/aws/services/ec2';
import { captureCli } from '../helpers/cli';
import { FAST_RETRY, type FaultProxy, type ProxiedRequest, startFaultProxy } from '../helpers/fault-proxy';
import { TEST_CREDENTIALS } from '../helpers/moto';
import {
  createOrganization,
  type EmulatedOrganization,
  type Furnished,
  furnishMember,
  MEMBER_ROLE,
  memberClients,
} from '../helpers/organization';

const REGIONS = ['us-east-1', 'eu-west-1'];
const GLOBAL_RULES = [
  's3-account-public-access-blocked',
  'iam-root-access-keys-absent',
  'cloudtrail-multi-region-logging',
];

const cli = captureCli;

const verdicts = (
  findings: readonly Pick<
    ScanFinding,
    'accountId' | 'region' | 'ruleId' | 'complianceResourceId' | 'complianceType'
  >[],
) =>
  findings
    .map((f) => `${f.accountId} ${f.region} ${f.ruleId} ${f.complianceResourceId} ${f.complianceType}`)
    .sort();

/** The form field of a query-protocol request (`RoleArn=…` of an AssumeRole). */
const field = (r: ProxiedRequest, name: string) =>
  decodeURIComponent(new RegExp(`(?:^|&)${name}=([^&]*)`).exec(r.body.toString())?.[1] ?? '');

describe('scan --org: an organisation of 3 member accounts × 2 regions on the emulator, reached through AssumeRole', function () {
  this.timeout(180_000);
  let moto: MotoServer;
  let proxy: FaultProxy;
  let dir: string;
  let org: EmulatedOrganization;
  /** Per member and region, what was made there. */
  const made = new Map<string, Furnished>();
  let expected: string[];
  const forwarded: ProxiedRequest[] = [];
  let script: ((r: ProxiedRequest) => { status: number; code: string } | undefined) | undefined;

  before(async function () {
    this.timeout(180_000);
    moto = await startMoto();
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-scan-org-'));
    const base = new AwsClients({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: TEST_CREDENTIALS,
    });
    org = await createOrganization(base, { members: 3, suspended: 1 });
    const vpcs = new Map<string, string[]>();
    for (const [i, id] of org.members.entries())
      for (const region of REGIONS) {
        const member = await memberClients(base, id, region);
        made.set(
          `${id}|${region}`,
          await furnishMember(member, id, {
            // Every member has a public bucket in us-east-1; the first one in eu-west-1 too.
            ...(region === 'us-east-1' || i === 0 ? { bucket: `org-${i}-${region}` } : {}),
            // The third member blocks public access at account level: its bucket's public ACL is ignored.
            ...(i === 2 && region === 'us-east-1' ? { accountBlock: true } : {}),
          }),
        );
        const described = await member.get(EC2).send(new DescribeVpcsCommand({}));
        vpcs.set(
          `${id}|${region}`,
          (described.Vpcs ?? []).map((v) => v.VpcId as string),
        );
      }
    // What the scan must find: per member, the global rules once (in us-east-1), the groups of each region (the
    // default group of each VPC included), the buckets in their own region.
    expected = [];
    for (const [i, id] of org.members.entries()) {
      expected.push(
        `${id} us-east-1 s3-account-public-access-blocked ${id} ${i === 2 ? 'COMPLIANT' : 'NON_COMPLIANT'}`,
      );
      expected.push(`${id} us-east-1 iam-root-access-keys-absent ${id} COMPLIANT`);
      expected.push(`${id} us-east-1 cloudtrail-multi-region-logging ${id} NON_COMPLIANT`);
      for (const region of REGIONS) {
        const m = made.get(`${id}|${region}`) as Furnished;
        // An account-level rule that is regional (a detector per region): evaluated in every region.
        expected.push(`${id} ${region} guardduty-enabled ${id} NON_COMPLIANT`);
        // The region's default VPC, without a flow log.
        for (const vpc of vpcs.get(`${id}|${region}`) ?? [])
          expected.push(`${id} ${region} vpc-flow-logs-enabled ${vpc} NON_COMPLIANT`);
        expected.push(`${id} ${region} ec2-security-group-no-public-ingress ${m.openGroupId} NON_COMPLIANT`);
        expected.push(`${id} ${region} ec2-security-group-no-public-ingress ${m.closedGroupId} COMPLIANT`);
        if (m.bucket)
          expected.push(
            `${id} ${region} s3-bucket-no-public-access ${m.bucket} ${i === 2 ? 'COMPLIANT' : 'NON_COMPLIANT'}`,
          );
      }
    }
    proxy = await startFaultProxy({
      upstream: moto.endpoint,
      seed: 12,
      rate: 0,
      onForwarded: (r) => forwarded.push(r),
      script: (r) => script?.(r),
    });
  });

  after(async () => {
    await proxy?.close();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    forwarded.length = 0;
    script = undefined;
    proxy.setRate(0);
    proxy.resetCounts();
  });

  /** The scan's findings without the default groups (moto makes one per account and region). */
  const withoutDefaultGroups = (findings: readonly ScanFinding[]) => {
    const ours = new Set([...made.values()].flatMap((m) => [m.openGroupId, m.closedGroupId]));
    return findings.filter(
      (f) => f.ruleId !== 'ec2-security-group-no-public-ingress' || ours.has(f.complianceResourceId),
    );
  };

  it('evaluates every member in every region, global rules once per account, and records it all with account and region', async () => {
    // Prepare
    const db = join(dir, 'org.db');
    // Act
    const { status, stdout, stderr } = await cli([
      'scan',
      '--org',
      '--exclude-accounts',
      org.management,
      '--regions',
      REGIONS.join(','),
      '--external-id',
      'org-secret-external-id',
      '--endpoint-url',
      proxy.endpoint,
      '--source',
      'live',
      '--db',
      db,
      '--format',
      'json',
    ]);
    // Assess: the verdicts
    expect(status, stderr).to.equal(0);
    const out = JSON.parse(stdout);
    expect(verdicts(withoutDefaultGroups(out.findings))).to.deep.equal([...expected].sort());
    expect(out.failures).to.deep.equal([]);
    expect(out.accounts.map((a: { accountId: string }) => a.accountId).sort()).to.deep.equal(
      [...org.members].sort(),
    );
    expect(out.regions).to.have.length(6);
    // Global rules: once per account, in the home region (the caller's).
    for (const ruleId of GLOBAL_RULES)
      for (const id of org.members)
        expect(
          out.findings
            .filter((f: ScanFinding) => f.ruleId === ruleId && f.accountId === id)
            .map((f: ScanFinding) => f.region),
          `${ruleId} in ${id}`,
        ).to.deep.equal(['us-east-1']);
    // Each member reached through its member role, with the external id, once for all its regions and services.
    const assumed = forwarded
      .filter((r) => r.operation === 'AssumeRole')
      .map((r) => [field(r, 'RoleArn'), field(r, 'ExternalId')]);
    expect(assumed.sort()).to.deep.equal(
      org.members.map((id) => [`arn:aws:iam::${id}:role/${MEMBER_ROLE}`, 'org-secret-external-id']).sort(),
    );
    // Nothing was read in the management account (excluded) or the suspended one.
    expect(
      forwarded.filter(
        (r) => r.operation === 'AssumeRole' && org.suspended.some((s) => field(r, 'RoleArn').includes(s)),
      ),
    ).to.deep.equal([]);
    // Assess: the history holds every evaluation with its account and region, the external id redacted.
    const store = HistoryStore.open(db);
    try {
      const [run] = store.runs();
      expect(run?.status).to.equal('succeeded');
      expect(
        store
          .evaluations()
          .map((e) => `${e.account} ${e.region} ${e.ruleId} ${e.resourceId} ${e.verdict}`)
          .sort(),
      ).to.deep.equal(verdicts(out.findings));
    } finally {
      store.close();
    }
    expect(readFileSync(db).includes('org-secret-external-id')).to.equal(false);
  });

  it('prints one line per account-region and the NON_COMPLIANT findings with their account and region', async () => {
    const { status, stdout } = await cli([
      'scan',
      '--org',
      '--accounts',
      org.members[0] as string,
      '--regions',
      'eu-west-1',
      '--endpoint-url',
      moto.endpoint,
      '--rules',
      'ec2-security-group-no-public-ingress',
      '--source',
      'live',
      '--db',
      join(dir, 'table.db'),
    ]);
    expect(status).to.equal(0);
    const m = made.get(`${org.members[0]}|eu-west-1`) as Furnished;
    expect(stdout).to.include(`Scanned 1 of 1 account(s), 1 account-region(s)`);
    expect(stdout).to.match(new RegExp(`${org.members[0]}\\s*│\\s*eu-west-1`));
    expect(stdout).to.include('NON_COMPLIANT:').and.to.include(m.openGroupId);
    expect(stdout).not.to.include(m.closedGroupId);
  });

  it('refuses bad input with exit status 2 before reading anything', async () => {
    const cases: [string[], RegExp][] = [
      [['--org', '--accounts', org.suspended[0] as string], /is SUSPENDED, not ACTIVE/],
      [['--org', '--accounts', '999999999999'], /not an account of the organization/],
      [['--accounts', org.members[0] as string], /--accounts needs --org/],
      [['--org', '--regions', 'mars-north-1,us-east-1x'], /--regions takes all or region names/],
      [['--org', '--accounts', '12345'], /12-digit account ids/],
      [['--org', '--concurrency', '0'], /--concurrency must be a whole number/],
      [['--org', '--max-rate', 'ec2=fast'], /--max-rate ec2=fast is not service=requests-per-second/],
      [['--org', '--aggregator', 'org', '--source', 'live'], /does not go with --source live/],
      [['--source', 'cache'], /--source must be auto, config, live/],
    ];
    for (const [args, message] of cases) {
      const { status, stderr } = await cli([
        'scan',
        '--endpoint-url',
        proxy.endpoint,
        '--db',
        join(dir, 'bad.db'),
        ...args,
      ]);
      expect(status, args.join(' ')).to.equal(2);
      expect(stderr, args.join(' ')).to.match(message);
    }
  });

  it('says where to run it from when the organization cannot be listed (exit 1, nothing scanned)', async () => {
    script = (r) =>
      r.operation === 'ListAccounts' ? { status: 400, code: 'AccessDeniedException' } : undefined;
    const { status, stdout, stderr } = await cli([
      'scan',
      '--org',
      '--endpoint-url',
      proxy.endpoint,
      '--source',
      'live',
      '--db',
      join(dir, 'denied.db'),
    ]);
    expect(status).to.equal(1);
    expect(stdout).to.equal('');
    expect(stderr).to.match(
      /Could not list the organization's accounts \(AccessDeniedException\): run it from the management account or a delegated administrator/,
    );
    expect(forwarded.filter((r) => r.operation === 'AssumeRole')).to.deep.equal([]);
  });

  it('reports an account whose role cannot be assumed, retries it at the end, and scans the others (exit 1)', async () => {
    // Prepare: the second member's role refuses the caller.
    const refused = org.members[1] as string;
    script = (r) =>
      r.operation === 'AssumeRole' && field(r, 'RoleArn').includes(refused)
        ? { status: 403, code: 'AccessDenied' }
        : undefined;
    const attempts = () => proxy.requestsByOperation['sts:AssumeRole'];
    // Act
    const { status, stdout, stderr } = await cli([
      'scan',
      '--org',
      '--exclude-accounts',
      org.management,
      '--regions',
      REGIONS.join(','),
      '--endpoint-url',
      proxy.endpoint,
      '--source',
      'live',
      '--db',
      join(dir, 'refused.db'),
      '--format',
      'json',
    ]);
    // Assess
    expect(status, stderr).to.equal(1);
    const out = JSON.parse(stdout);
    expect(out.failures).to.have.length(1);
    expect(out.failures[0]).to.include({ ruleId: '*', accountId: refused });
    expect(out.failures[0].message).to.match(/Could not reach account .*AccessDenied/);
    expect(stderr).to.include(refused).and.to.include('(every rule)');
    // Tried once in the run and once more at its end; the others were fully scanned.
    expect(proxy.scripted).to.equal(2);
    expect(attempts()).to.equal(org.members.length + 1);
    expect(verdicts(withoutDefaultGroups(out.findings))).to.deep.equal(
      expected.filter((v) => !v.startsWith(refused)).sort(),
    );
  });

  it('retries at the end a region that failed, without recording anything twice', async () => {
    // Prepare: the first DescribeSecurityGroups of eu-west-1 (whichever member it is) is refused, once.
    let refusedOnce = false;
    script = (r) => {
      if (refusedOnce || r.operation !== 'DescribeSecurityGroups' || r.region !== 'eu-west-1')
        return undefined;
      refusedOnce = true;
      return { status: 403, code: 'UnauthorizedOperation' };
    };
    const events: ScanEvent[] = [];
    const journaled: ScanFinding[] = [];
    const base = new AwsClients({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      credentials: TEST_CREDENTIALS,
      retry: FAST_RETRY,
    });
    // Act
    const result = await scanAccounts({
      rules: RULES,
      clients: base,
      org: true,
      excludeAccounts: [org.management],
      regions: REGIONS,
      onEvent: (e) => events.push(e),
      journal: { evaluated: (findings) => journaled.push(...findings) },
    });
    // Assess: one account-region retried, everything evaluated once, nothing failed in the end.
    expect(refusedOnce).to.equal(true);
    expect(events.filter((e) => e.type === 'retrying')).to.deep.equal([
      { type: 'retrying', accountRegions: 1, accounts: 0 },
    ]);
    expect(result.failures).to.deep.equal([]);
    expect(verdicts(withoutDefaultGroups(result.findings))).to.deep.equal([...expected].sort());
    expect(verdicts(journaled)).to.deep.equal(verdicts(result.findings));
    expect(new Set(verdicts(journaled)).size).to.equal(journaled.length);
  });

  it('lists a region that keeps failing with its account, and still scans the rest', async () => {
    // Prepare: in eu-west-1, DescribeSecurityGroups is always refused.
    script = (r) =>
      r.operation === 'DescribeSecurityGroups' && r.region === 'eu-west-1'
        ? { status: 403, code: 'UnauthorizedOperation' }
        : undefined;
    const base = new AwsClients({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      credentials: TEST_CREDENTIALS,
      retry: FAST_RETRY,
    });
    // Act
    const result = await scanAccounts({
      rules: RULES,
      clients: base,
      org: true,
      excludeAccounts: [org.management],
      regions: REGIONS,
    });
    // Assess: one failure per member in eu-west-1 (the security-group rule), each tried twice; the rest evaluated.
    expect(result.failures.map((f) => `${f.accountId} ${f.region} ${f.ruleId}`).sort()).to.deep.equal(
      org.members.map((id) => `${id} eu-west-1 ec2-security-group-no-public-ingress`).sort(),
    );
    expect(proxy.scripted).to.equal(2 * org.members.length);
    expect(verdicts(withoutDefaultGroups(result.findings))).to.deep.equal(
      expected.filter((v) => !/ eu-west-1 ec2-security-group-no-public-ingress /.test(v)).sort(),
    );
  });

  it('gives the same verdicts under injected throttling, retried by the SDK, every throttle counted', async () => {
    // Prepare: 30 % of the requests throttled, in each service's own protocol.
    proxy.setRate(0.3);
    const base = new AwsClients({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      credentials: TEST_CREDENTIALS,
      retry: FAST_RETRY,
    });
    const limits = new ScanRateLimits(DEFAULT_RATES);
    const throttlingOnly = await startFaultProxy({
      upstream: moto.endpoint,
      seed: 5,
      rate: 0.3,
      weights: { throttle: 1, 'server-error': 0, unavailable: 0, reset: 0, 'lost-answer': 0, slow: 0 },
    });
    try {
      const clients = new AwsClients({ ...base.options, endpoint: throttlingOnly.endpoint });
      // Act
      const result = await scanAccounts({
        rules: RULES,
        clients,
        org: true,
        excludeAccounts: [org.management],
        regions: REGIONS,
        limits,
        concurrency: 6,
      });
      // Assess
      expect(result.failures).to.deep.equal([]);
      expect(verdicts(withoutDefaultGroups(result.findings))).to.deep.equal([...expected].sort());
      expect(throttlingOnly.injected.throttle).to.be.greaterThan(20);
      // Every throttling answer was seen by the scan's counter, and every request went through its rate limit.
      // (GuardDuty's REST JSON protocol is not one the proxy speaks: its "throttle" is an S3-style 503 the SDK
      // rightly reads as a server error, not a throttle.)
      const guardduty = throttlingOnly.injectedByService.guardduty?.throttle ?? 0;
      expect(result.stats.throttles).to.equal(throttlingOnly.injected.throttle - guardduty);
      expect(result.stats.requests).to.equal(throttlingOnly.requests);
    } finally {
      await throttlingOnly.close();
    }
  });
});
