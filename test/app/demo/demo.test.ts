import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { HistoryStore } from '../../../app/history/store';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'rebaseline.js');

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
    }[];
    notes: string[];
    historyDb: string;
    emulatorPid: number;
    report: string;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-demo-'));
    result = spawnSync(process.execPath, [BIN, 'demo', '--format', 'json', '--out-dir', dir], {
      encoding: 'utf8',
    });
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
      ]),
    );
    for (const r of fixed) {
      expect(r.outcome, r.resourceId).to.equal('remediated');
      expect(r.timeToRemediateMs).to.be.a('number').and.to.be.at.least(0);
    }
  });

  it('says the root-key rule needs a real account and never reports it', () => {
    expect(out.notes.join(' ')).to.match(/iam-root-access-keys-absent needs a real account/);
    expect(out.resources.some((r) => r.ruleId === 'iam-root-access-keys-absent')).to.equal(false);
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
    expect(readFileSync(out.report, 'utf8')).to.match(/<html/i);
  });

  it('leaves no emulator running', () => {
    expect(out.emulatorPid).to.be.a('number').and.greaterThan(0);
    expect(existsSync(`/proc/${out.emulatorPid}`), `moto_server ${out.emulatorPid} still running`).to.equal(
      false,
    );
  });
});
