import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ROOT_KEYS_ON_THE_EMULATOR } from '../../../app/demo/run-demo';
import { buildReport } from '../../../app/history/report';
import { HistoryStore } from '../../../app/history/store';

const ROOT = join(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'bin', 'rebaseline.js');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
/** The command the README documents for JSON that pipes into jq (npm's banner kept off stdout). */
const JSON_COMMAND = 'npm run --silent demo -- --format json';

describe('rebaseline demo (end to end on moto_server)', function () {
  this.timeout(180_000);
  let dir: string;
  let result: ReturnType<typeof spawnSync>;
  let out: {
    before: Record<string, number>;
    after: Record<string, number>;
    accounts: string[];
    resources: {
      ruleId: string;
      resourceId: string;
      before: string;
      after: string;
      outcome?: string;
      timeToRemediateMs?: number;
      beforeAnnotation?: string;
    }[];
    recordedRootKeys: { command: string; evaluations: { complianceType: string; annotation?: string }[] };
    notes: string[];
    next: string[];
    historyDb: string;
    emulatorPid: number;
    report: string;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-demo-'));
    // Exactly the command the README documents, so what it promises (JSON on stdout, nothing else) is what runs.
    expect(README).to.include(`${JSON_COMMAND} | jq`);
    const [command, ...args] = JSON_COMMAND.split(' ');
    result = spawnSync(command!, [...args, '--out-dir', dir], { cwd: ROOT, encoding: 'utf8' });
    out = JSON.parse(String(result.stdout));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 0 and prints one JSON document', () => {
    expect(result.status, String(result.stderr)).to.equal(0);
  });

  it('finds NON_COMPLIANT resources before and none after remediation', () => {
    expect(out.before.NON_COMPLIANT).to.be.greaterThan(0);
    expect(out.after.NON_COMPLIANT).to.equal(0);
  });

  it('prints the totals the README shows', () => {
    const line = `Before: ${out.before.NON_COMPLIANT} NON_COMPLIANT, ${out.before.COMPLIANT} COMPLIANT.  After: ${out.after.NON_COMPLIANT} NON_COMPLIANT, ${out.after.COMPLIANT} COMPLIANT.`;
    expect(README).to.include(line);
  });

  it('covers two accounts, the second reached through AssumeRole', () => {
    expect(out.accounts).to.have.length(2);
    expect(new Set(out.accounts).size).to.equal(2);
  });

  it('keeps the bucket restricted to a VPC endpoint compliant and untouched', () => {
    const vpce = out.resources.filter((r) => r.resourceId.startsWith('demo-vpce-only-'));
    expect(vpce).to.have.length(2);
    for (const r of vpce)
      expect([r.before, r.after, r.outcome]).to.deep.equal(['COMPLIANT', 'COMPLIANT', undefined]);
  });

  it('remediates every rule family it evaluates, each with a time to remediate', () => {
    const fixed = out.resources.filter((r) => r.before === 'NON_COMPLIANT');
    expect(new Set(fixed.map((r) => r.ruleId))).to.deep.equal(
      new Set([
        'ec2-security-group-no-public-ingress',
        's3-bucket-no-public-access',
        's3-account-public-access-blocked',
        'cloudtrail-multi-region-logging',
        'guardduty-enabled',
        'vpc-flow-logs-enabled',
      ]),
    );
    for (const r of fixed) {
      expect(r.outcome, r.resourceId).to.equal('remediated');
      expect(r.timeToRemediateMs).to.be.a('number').and.to.be.at.least(0);
    }
  });

  it('turns GuardDuty on where it drifted: never enabled in one account, publishing every six hours in the other', () => {
    const guardduty = out.resources.filter((r) => r.ruleId === 'guardduty-enabled');
    expect(guardduty.map((r) => [r.before, r.after, r.outcome])).to.deep.equal([
      ['NON_COMPLIANT', 'COMPLIANT', 'remediated'],
      ['NON_COMPLIANT', 'COMPLIANT', 'remediated'],
    ]);
    // The security account first (GuardDuty at its default frequency), then the member (never enabled).
    expect(guardduty[0]!.beforeAnnotation).to.match(
      /^GuardDuty detector \w+ publishes findings every SIX_HOURS; at most FIFTEEN_MINUTES is required\.$/,
    );
    expect(guardduty[1]!.beforeAnnotation).to.equal('GuardDuty has no detector in us-east-1.');
  });

  it('gives every VPC of both accounts (the default one and the app one) a flow log to the account’s log bucket', () => {
    const vpcs = out.resources.filter((r) => r.ruleId === 'vpc-flow-logs-enabled');
    expect(vpcs).to.have.length(4);
    for (const r of vpcs) {
      expect([r.before, r.after, r.outcome], r.resourceId).to.deep.equal([
        'NON_COMPLIANT',
        'COMPLIANT',
        'remediated',
      ]);
      expect(r.beforeAnnotation).to.equal(`VPC ${r.resourceId} has no flow log.`);
    }
  });

  it('says the same thing about the root-key rule on the emulator everywhere, and shows its NON_COMPLIANT path', () => {
    const root = out.resources.filter((r) => r.ruleId === 'iam-root-access-keys-absent');
    expect(root.map((r) => [r.before, r.after, r.beforeAnnotation])).to.deep.equal([
      ['COMPLIANT', 'COMPLIANT', 'The root user has no access keys.'],
      ['COMPLIANT', 'COMPLIANT', 'The root user has no access keys.'],
    ]);
    expect(out.notes).to.deep.equal([ROOT_KEYS_ON_THE_EMULATOR]);
    expect(out.recordedRootKeys.evaluations.map((e) => e.complianceType)).to.deep.equal(['NON_COMPLIANT']);
    expect(out.recordedRootKeys.evaluations[0]!.annotation).to.match(
      /^Root access key 1 is active and unused/,
    );
    const docs = [README, readFileSync(join(ROOT, 'docs', 'your-account.md'), 'utf8')].map((d) =>
      d.replace(/\s+/g, ' '),
    );
    for (const doc of docs) {
      expect(doc).to.include('its account summary reports no root access keys');
      expect(doc).to.include(
        'the emulator cannot create root access keys and its credential report has no `<root_account>` row',
      );
      expect(doc).not.to.include('needs a real account');
    }
  });

  it('records the remediations it ran as manual (a person ran them with --apply), so the report times them', () => {
    const store = HistoryStore.open(out.historyDb);
    try {
      const triggers = new Set(store.remediations().map((x) => x.trigger));
      expect([...triggers]).to.deep.equal(['manual']);
      const report = buildReport(store);
      expect(report.timeToRemediate.all.automatic).to.equal(null);
      expect(report.timeToRemediate.all.manual?.count).to.equal(out.before.NON_COMPLIANT);
      expect(report.summary.findings).to.include({
        found: out.before.NON_COMPLIANT,
        fixedManually: out.before.NON_COMPLIANT,
      });
    } finally {
      store.close();
    }
  });

  it('prints history and report commands that work when pasted', () => {
    expect(out.next[0]).to.equal(
      `npx rebaseline history --db ${out.historyDb} --rule ec2-security-group-no-public-ingress`,
    );
    for (const command of out.next) {
      const run = spawnSync(process.execPath, [BIN, ...command.split(' ').slice(2)], { encoding: 'utf8' });
      expect(run.status, `${command}: ${run.stderr}`).to.equal(0);
      expect(run.stdout.length).to.be.greaterThan(100);
    }
    const history = spawnSync(process.execPath, [BIN, ...out.next[0]!.split(' ').slice(2)], {
      encoding: 'utf8',
    });
    expect(history.stdout).to.include('REMEDIATION').and.include('revoke-public-ingress: Success (manual');
  });

  it('records the run in the history store and writes the HTML report', () => {
    const store = HistoryStore.open(out.historyDb);
    try {
      expect(store.remediations().length).to.be.greaterThan(0);
      expect(store.evaluations().some((e) => e.verdict === 'NON_COMPLIANT')).to.equal(true);
    } finally {
      store.close();
    }
    expect(existsSync(out.report)).to.equal(true);
    const html = readFileSync(out.report, 'utf8');
    expect(html).to.match(/<html/i);
    for (const id of ['summary', 'controls', 'trend', 'resources', 'time-to-remediate', 'executions'])
      expect(html, id).to.include(`id="${id}`);
    expect(html).to.include('bastion-ssh');
    // The demo's folder keeps itself out of git.
    expect(readFileSync(join(dir, '.gitignore'), 'utf8')).to.match(/^\*$/m);
  });

  it('leaves no emulator running', () => {
    expect(out.emulatorPid).to.be.a('number').and.greaterThan(0);
    expect(existsSync(`/proc/${out.emulatorPid}`), `moto_server ${out.emulatorPid} still running`).to.equal(
      false,
    );
  });
});
