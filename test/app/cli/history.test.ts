import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { HistoryStore } from '../../../app/history/store';
import { captureCli as inProcess } from '../../helpers/cli';
import { SG_RULE, seedHistory } from '../history/seed';

describe('rebaseline history and report (CLI)', () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-cli-history-'));
    db = join(dir, 'history.db');
    const store = HistoryStore.open(db);
    seedHistory(store);
    store.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints each resource’s timeline: non-compliant, remediated by what, compliant, in how long', async () => {
    const run = await inProcess(['history', '--db', db, '--resource', 'sg-ssh']);

    expect(run.stderr).to.equal('');
    expect(run.status).to.equal(0);
    expect(run.stdout).to.equal(
      [
        `${SG_RULE}  AWS::EC2::SecurityGroup sg-ssh  (111111111111 us-east-1)`,
        '  2026-03-02 09:00:00Z  NON_COMPLIANT     tcp 22 is open to 0.0.0.0/0.',
        '  2026-03-02 09:02:00Z  REMEDIATION       revoke-public-ingress: Success (automatic, 3/3 steps)',
        '  2026-03-02 09:03:00Z  COMPLIANT         → fixed in 3m by automatic remediation',
        '  2026-03-04 09:00:00Z  NON_COMPLIANT     tcp 22 is open to 0.0.0.0/0.',
        '  2026-03-04 09:01:00Z  REMEDIATION       revoke-public-ingress: Success (automatic, 3/3 steps)',
        '  2026-03-04 09:02:00Z  COMPLIANT         → fixed in 2m by automatic remediation',
        '  now COMPLIANT · 2 non-compliance episodes',
        '',
      ].join('\n'),
    );
  });

  it('shows failed attempts, manual fixes and out-of-band fixes, and filters by rule and time', async () => {
    const trail = await inProcess(['history', '--db', db, '--rule', 'cloudtrail-multi-region-logging']);
    expect(trail.stdout).to.include(
      'enable-cloudtrail: Failed (automatic, 1/2 steps) — AccessDenied: cloudtrail:StartLogging.',
    );
    expect(trail.stdout).to.include('→ fixed in 2h 5m by a remediation run by hand');
    expect(trail.stdout).not.to.include(SG_RULE);

    const saved = process.env.REBASELINE_DB;
    process.env.REBASELINE_DB = db;
    const bpa = await inProcess([
      'history',
      '--resource',
      'AWS::::Account',
      '--rule',
      's3-account-public-access-blocked',
    ]);
    if (saved === undefined) delete process.env.REBASELINE_DB;
    else process.env.REBASELINE_DB = saved;
    expect(bpa.stdout).to.include('→ fixed in 1d out-of-band (no remediation recorded)');

    const recent = await inProcess(['history', '--db', db, '--since', '2026-03-04']);
    const headers = recent.stdout.split('\n').filter((l) => l && !l.startsWith(' '));
    // Resources evaluated since then, and the one still open.
    expect(headers.map((h) => h.split('  ')[1])).to.deep.equal([
      'AWS::EC2::SecurityGroup sg-ssh',
      'AWS::EC2::SecurityGroup sg-mixed',
    ]);
    expect(recent.stdout).not.to.include('2026-03-02 09:02:00Z');
  });

  it('prints the timelines as JSON', async () => {
    const run = await inProcess(['history', '--db', db, '--resource', 'sg-mixed', '--format', 'json']);
    const { timelines } = JSON.parse(run.stdout);
    expect(timelines).to.have.length(1);
    expect(timelines[0].episodes[0]).to.include({ open: true, openedAt: '2026-03-02T09:00:00.000Z' });
  });

  it('writes the HTML report and says where', async () => {
    const out = join(dir, 'reports', 'compliance.html');
    const run = await inProcess(['report', '--db', db, '--html', out]);
    expect(run.stderr).to.equal('');
    expect(run.stdout).to.equal(`Report written to ${out}\n`);
    const html = readFileSync(out, 'utf8');
    expect(html).to.include('<table id="compliance-by-rule"');
    expect(html).to.include('data-chart="trend"').and.include('id="controls-table"');
  });

  it('prints JSON and CSV for evidence packs', async () => {
    const json = await inProcess(['report', '--db', db, '--format', 'json']);
    expect(JSON.parse(json.stdout).byRule[0]).to.include({ ruleId: SG_RULE, nonCompliant: 1 });

    const csv = await inProcess(['report', '--db', db, '--format', 'csv', '--section', 'time-to-remediate']);
    const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    expect(rows.find((r) => r.rule_id === SG_RULE)).to.include({
      automatic_count: '3',
      automatic_median_seconds: '180',
    });

    const out = join(dir, 'episodes.csv');
    const written = await inProcess(['report', '--db', db, '--format', 'csv', '--out', out]);
    expect(written.stdout).to.equal(`Report written to ${out}\n`);
    expect(readFileSync(out, 'utf8').split('\r\n')[0]).to.match(
      /^rule_id,account,region,resource_type,resource_id,opened_at,/,
    );
  });

  it('rejects unknown formats, sections and dates with a usage error', async () => {
    for (const args of [
      ['report', '--format', 'xml'],
      ['report', '--format', 'csv', '--section', 'everything'],
      ['report', '--html', 'x.html', '--format', 'json'],
      ['history', '--since', 'last tuesday'],
    ]) {
      const run = await inProcess([...args, '--db', db]);
      expect(run.status, args.join(' ')).to.equal(2);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.match(/^rebaseline: .+\n$/);
    }
  });
});
