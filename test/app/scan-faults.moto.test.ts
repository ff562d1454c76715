import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { HistoryStore } from '../../app/history/store';
import { type MotoServer, startMoto } from '../../app/moto';
import { type ScanFinding, type ScanResult, scanAccount } from '../../app/scan';
import { RULES } from '../../rules';
import { AwsClients } from '../../shared/aws/clients';
import { populateAccount } from '../helpers/accounts';
import { captureCli } from '../helpers/cli';
import {
  FAST_RETRY,
  FAULT_KINDS,
  type FaultProxy,
  startFaultProxy,
  totalFaults,
} from '../helpers/fault-proxy';
import { suiteLogWatch } from '../helpers/log-secrets';
import { TEST_CREDENTIALS } from '../helpers/moto';

const ROOT = join(__dirname, '..', '..');
const SCANNED = [
  'ec2-security-group-no-public-ingress',
  's3-bucket-no-public-access',
  's3-account-public-access-blocked',
];
const rules = RULES.filter((r) => SCANNED.includes(r.meta.id));

/** What a verdict is, without when it was made. */
const verdicts = (findings: readonly ScanFinding[]) =>
  findings
    .map(
      (f) =>
        `${f.ruleId} ${f.complianceResourceType} ${f.complianceResourceId} ${f.complianceType} ${f.annotation}`,
    )
    .sort();

const cli = captureCli;

describe('scan under faults (a fault-injecting proxy in front of moto_server)', function () {
  this.timeout(180_000);
  let moto: MotoServer;
  let clean: ScanResult;
  let dir: string;
  const figures: Record<string, unknown>[] = [];

  before(async function () {
    this.timeout(180_000);
    moto = await startMoto();
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-scan-faults-'));
    const direct = new AwsClients({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: TEST_CREDENTIALS,
    });
    await populateAccount(direct, { groups: 100, buckets: 100 });
    clean = await scanAccount({ rules, clients: direct });
  });
  after(async () => {
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
    // The figures docs/faults.md reports.
    mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
    writeFileSync(join(ROOT, 'test-artifacts', 'scan-faults.json'), `${JSON.stringify(figures, null, 2)}\n`);
  });

  it('without faults, evaluates 202 resources (101 groups with the default one, 100 buckets, the account)', () => {
    expect(clean.failures).to.deep.equal([]);
    expect(clean.findings).to.have.length(202);
    const nonCompliant = clean.findings.filter((f) => f.complianceType === 'NON_COMPLIANT').length;
    expect(nonCompliant).to.be.greaterThan(50);
  });

  for (const seed of [1, 2, 3])
    it(`with 20 % faults (seed ${seed}), evaluates every resource with the verdicts of a scan without faults`, async () => {
      // Prepare
      const proxy = await startFaultProxy({ upstream: moto.endpoint, seed, rate: 0.2 });
      try {
        const clients = new AwsClients({
          region: 'us-east-1',
          endpoint: proxy.endpoint,
          credentials: TEST_CREDENTIALS,
          retry: FAST_RETRY,
        });
        // Act
        const faulty = await scanAccount({ rules, clients });
        // Assess
        expect(faulty.failures).to.deep.equal([]);
        expect(verdicts(faulty.findings)).to.deep.equal(verdicts(clean.findings));
        for (const kind of FAULT_KINDS) expect(proxy.injected[kind], kind).to.be.greaterThan(0);
        figures.push({
          seed,
          rate: 0.2,
          requests: proxy.requests,
          faults: totalFaults(proxy.injected),
          byKind: proxy.injected,
          byService: proxy.injectedByService,
          evaluated: faulty.findings.length,
          evaluatedWithoutFaults: clean.findings.length,
        });
      } finally {
        await proxy.close();
      }
    });

  it('when the first attempt of every call fails (every service, every kind of fault), evaluates every resource', async () => {
    const proxy = await startFaultProxy({
      upstream: moto.endpoint,
      seed: 'first-attempt',
      rate: 1,
      shouldFault: (r) => r.attempt === 1,
    });
    try {
      const clients = new AwsClients({
        region: 'us-east-1',
        endpoint: proxy.endpoint,
        credentials: TEST_CREDENTIALS,
        retry: FAST_RETRY,
      });
      const faulty = await scanAccount({ rules, clients });
      expect(faulty.failures).to.deep.equal([]);
      expect(verdicts(faulty.findings)).to.deep.equal(verdicts(clean.findings));
      expect(Object.keys(proxy.injectedByService)).to.include.members(['ec2', 's3', 'sts']);
      figures.push({
        seed: 'first-attempt',
        rate: 'every first attempt',
        requests: proxy.requests,
        faults: totalFaults(proxy.injected),
        byKind: proxy.injected,
        byService: proxy.injectedByService,
        evaluated: faulty.findings.length,
        evaluatedWithoutFaults: clean.findings.length,
      });
    } finally {
      await proxy.close();
    }
  });

  describe('resources that cannot be read', () => {
    let proxy: FaultProxy;
    before(async () => {
      // Scripted, not random: two buckets whose reads S3 refuses (an SCP, say). No retry can help.
      proxy = await startFaultProxy({
        upstream: moto.endpoint,
        seed: 0,
        rate: 0,
        script: (r) =>
          r.method === 'GET' && /^\/fault-bucket-(007|042)\/?\?acl/.test(r.url)
            ? { status: 403, code: 'AccessDenied', message: 'Access Denied' }
            : undefined,
      });
    });
    after(() => proxy.close());

    it('are listed, never reported, and the CLI exits 1; the history records the run as failed', async () => {
      const db = join(dir, 'unreadable.db');
      const { status, stdout, stderr } = await cli([
        'scan',
        '--endpoint-url',
        proxy.endpoint,
        '--rules',
        SCANNED.join(','),
        '--db',
        db,
        '--format',
        'json',
      ]);
      expect(status, stderr).to.equal(1);
      const out = JSON.parse(stdout);
      expect(out.findings).to.have.length(200);
      expect(out.failures.map((f: { resourceId: string }) => f.resourceId)).to.deep.equal([
        'fault-bucket-007',
        'fault-bucket-042',
      ]);
      expect(stderr).to.match(/2 resource\(s\) could not be evaluated/);
      expect(stderr)
        .to.include('fault-bucket-007')
        .and.to.include('fault-bucket-042')
        .and.to.include('AccessDenied');
      const store = HistoryStore.open(db);
      try {
        const [run] = store.runs();
        expect(run?.status).to.equal('failed');
        expect(store.evaluations()).to.have.length(200);
        expect(store.evaluations({ resource: 'fault-bucket-007' })).to.deep.equal([]);
      } finally {
        store.close();
      }
    });

    it('make `rebaseline scan` exit 1 as a command too (bin/rebaseline.js keeps the status)', async () => {
      // Prepare: a child process (the proxy runs in this one, so the child must not block it).
      const child = spawn(
        process.execPath,
        [
          'bin/rebaseline.js',
          'scan',
          '--endpoint-url',
          proxy.endpoint,
          '--rules',
          's3-bucket-no-public-access',
          '--db',
          join(dir, 'bin.db'),
          '--format',
          'json',
        ],
        { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LOG_LEVEL: 'trace' } },
      );
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
      });
      // Act
      const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      // Assess
      suiteLogWatch.readChildOutput(stderr, 'rebaseline scan');
      expect(status, stderr).to.equal(1);
      expect(stderr).to.include('fault-bucket-042');
    });

    it('exits 0 when every resource was evaluated, and 2 for bad input', async () => {
      const ok = await cli([
        'scan',
        '--endpoint-url',
        moto.endpoint,
        '--rules',
        'ec2-security-group-no-public-ingress',
        '--db',
        join(dir, 'ok.db'),
        '--format',
        'json',
      ]);
      expect(ok.status, ok.stderr).to.equal(0);
      const bad = await cli([
        'scan',
        '--endpoint-url',
        moto.endpoint,
        '--rules',
        'no-such-rule',
        '--db',
        join(dir, 'bad.db'),
      ]);
      expect(bad.status).to.equal(2);
    });
  });
});
