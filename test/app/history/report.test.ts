import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { catalogOf } from '../../../app/cli/commands/report';
import { controlEvidence, findControl } from '../../../app/history/evidence';
import { formatDuration, formatTime, parseSince } from '../../../app/history/format';
import { escapeHtml, renderHtmlReport } from '../../../app/history/html';
import {
  buildReport,
  CSV_SECTIONS,
  MAX_TREND_POINTS,
  observedAt,
  renderReport,
  reportCsv,
  trendByAccount,
  trendOf,
  writeReport,
} from '../../../app/history/report';
import type { ReportData } from '../../../app/history/report-data';
import { type EvaluationRow, HistoryStore } from '../../../app/history/store';
import { RULES } from '../../../rules';
import { UsageError } from '../../../shared/errors';
import {
  A,
  ACCOUNT_BPA_RULE,
  B,
  BUCKET_RULE,
  NOW,
  ROOT_RULE,
  SEEDED_RULES,
  SG_RULE,
  seedHistory,
  T0,
  TRAIL_RULE,
} from './seed';

const CATALOG = catalogOf(RULES.filter((r) => SEEDED_RULES.includes(r.meta.id)));
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('history report', () => {
  let store: HistoryStore;
  let data: ReportData;
  before(() => {
    store = HistoryStore.open(':memory:');
    seedHistory(store);
    data = buildReport(store, { now: NOW, catalog: CATALOG });
  });
  after(() => store.close());

  describe('data', () => {
    it('counts compliance now by rule and by account, each resource by its latest verdict', () => {
      expect(
        data.byRule.map((r) => [r.ruleId, r.compliant, r.nonCompliant, r.percentCompliant]),
      ).to.deep.equal([
        [SG_RULE, 3, 1, 75],
        [TRAIL_RULE, 1, 0, 100],
        // In the catalog, never evaluated: listed with nothing counted (its controls are "not evaluated").
        [ROOT_RULE, 0, 0, null],
        [ACCOUNT_BPA_RULE, 1, 0, 100],
        [BUCKET_RULE, 3, 0, 100],
      ]);
      expect(data.byRule.find((r) => r.ruleId === BUCKET_RULE)).to.include({
        severity: 'critical',
        title: 'S3 buckets are not public through their ACL or their bucket policy',
      });
      expect(data.byAccount.map((r) => [r.account, r.compliant, r.nonCompliant])).to.deep.equal([
        [B, 1, 1],
        [A, 7, 0],
      ]);
      expect(data.totals).to.include({
        total: 9,
        compliant: 8,
        nonCompliant: 1,
        rules: 5,
        accounts: 2,
        regions: 2,
        openEpisodes: 1,
        executions: 7,
      });
      expect(data.byAccount.map((a) => [a.account, a.regions])).to.deep.equal([
        [B, ['eu-west-1']],
        [A, ['us-east-1']],
      ]);
    });

    it('says what was found and fixed in the period, by severity, framework, account and region', () => {
      // Episodes: sg-ssh ×2, sg-rdp, public-acl (automatic), trail (manual), account BPA (out-of-band), sg-mixed (open).
      expect(data.summary.findings).to.deep.equal({
        found: 7,
        fixed: 6,
        fixedAutomatically: 4,
        fixedManually: 1,
        fixedOutOfBand: 1,
        leftScope: 0,
        open: 1,
      });
      expect(
        data.summary.bySeverity.map((s) => [s.severity, s.findings.found, s.findings.fixed, s.findings.open]),
      ).to.deep.equal([
        ['critical', 1, 1, 0],
        ['high', 6, 5, 1],
      ]);
      expect(
        data.summary.byFramework.map((f) => [
          f.framework,
          f.controls,
          f.controlsFailing,
          f.controlsPassing,
          f.findings.found,
          f.findings.fixed,
        ]),
      ).to.deep.equal([
        ['aws-fsbp', 11, 4, 6, 7, 6],
        ['cis-aws-foundations-3.0', 6, 2, 3, 7, 6],
      ]);
      expect(
        data.summary.byAccountRegion.map((a) => [a.account, a.region, a.findings.found, a.findings.open]),
      ).to.deep.equal([
        [A, 'us-east-1', 6, 0],
        [B, 'eu-west-1', 1, 1],
      ]);
      const recent = buildReport(store, { now: NOW, since: new Date(T0 + 2 * DAY), catalog: CATALOG });
      expect(recent.summary.findings).to.include({ found: 1, fixed: 1, fixedAutomatically: 1, open: 1 });
      expect(recent.period).to.deep.equal({ from: '2026-03-04T09:00:00.000Z', to: NOW.toISOString() });
      expect(data.period.from).to.equal('2026-03-02T09:00:00.000Z');
    });

    it('lists every control of the rules with its status, rules and the resources behind it', () => {
      const control = (key: string) => data.controls.find((c) => c.key === key)!;
      expect(control('cis-aws-foundations-3.0:5.2')).to.deep.include({
        framework: 'cis-aws-foundations-3.0',
        controlId: '5.2',
        rules: [SG_RULE],
        severity: 'high',
        status: 'failing',
      });
      expect(
        control('cis-aws-foundations-3.0:5.2').resources.map((i) => data.resources[i]!.resourceId),
      ).to.have.members(['sg-ssh', 'sg-rdp', 'sg-web', 'sg-mixed']);
      // CIS 2.1.4 is two rules' (bucket and account Block Public Access): the most severe rule's severity.
      expect(control('cis-aws-foundations-3.0:2.1.4')).to.deep.include({
        rules: [BUCKET_RULE, ACCOUNT_BPA_RULE],
        severity: 'critical',
        status: 'passing',
      });
      expect(control('cis-aws-foundations-3.0:2.1.4').count).to.include({ compliant: 4, nonCompliant: 0 });
      expect(control('aws-fsbp:IAM.4')).to.deep.include({ status: 'not-evaluated', resources: [] });
      // Natural order: 1.4 < 2.1.4 < 3.1 < 5.2; EC2.13 < EC2.18.
      expect(
        data.controls.filter((c) => c.framework === 'cis-aws-foundations-3.0').map((c) => c.controlId),
      ).to.deep.equal(['1.4', '2.1.4', '3.1', '3.2', '5.2', '5.3']);
    });

    it('keeps each resource’s story for the drill-down: every evaluation, its executions with steps and previous state', () => {
      const ssh = data.resources.find((r) => r.resourceId === 'sg-ssh')!;
      expect(ssh).to.include({ ruleId: SG_RULE, severity: 'high', current: 'COMPLIANT', account: A });
      expect(ssh.evaluations.map((e) => [e.at, e.verdict])).to.deep.equal([
        ['2026-03-02T09:00:00.000Z', 'NON_COMPLIANT'],
        ['2026-03-02T09:03:00.000Z', 'COMPLIANT'],
        ['2026-03-04T09:00:00.000Z', 'NON_COMPLIANT'],
        ['2026-03-04T09:02:00.000Z', 'COMPLIANT'],
      ]);
      const executions = ssh.executions.map((i) => data.executions[i]!);
      expect(executions.map((x) => x.startedAt)).to.deep.equal([
        '2026-03-02T09:02:00.000Z',
        '2026-03-04T09:01:00.000Z',
      ]);
      expect(executions.every((x) => x.resource === ssh.index)).to.equal(true);
      expect(executions[0]!.steps.map((st) => [st.name, st.status])).to.deep.equal([
        ['ReadCurrentState', 'Success'],
        ['Apply', 'Success'],
        ['Verify', 'Success'],
      ]);
      expect(executions[0]!.previousState).to.deep.equal({
        removed: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
      });
      expect(ssh.episodes.map((e) => [e.resolution, e.durationMs])).to.deep.equal([
        ['automatic', 3 * MIN],
        ['automatic', 2 * MIN],
      ]);
      // With a period, the evaluations in it and the one carried in from before it.
      const recent = buildReport(store, { now: NOW, since: new Date(T0 + 2 * DAY), catalog: CATALOG });
      expect(
        recent.resources.find((r) => r.resourceId === 'sg-ssh')!.evaluations.map((e) => e.at),
      ).to.deep.equal(['2026-03-02T09:03:00.000Z', '2026-03-04T09:00:00.000Z', '2026-03-04T09:02:00.000Z']);
    });

    it('reports rules the catalog does not know (imported Config rules) as unrated, with no controls', () => {
      const bare = buildReport(store, { now: NOW });
      expect(bare.byRule.every((r) => r.severity === 'unknown' && r.controls.length === 0)).to.equal(true);
      expect(bare.controls).to.deep.equal([]);
      expect(bare.summary.bySeverity.map((s) => s.severity)).to.deep.equal(['unknown']);
    });

    it('carries a digest of its data that changes with it', () => {
      expect(data.digest).to.match(/^[0-9a-f]{64}$/);
      expect(buildReport(store, { now: NOW, catalog: CATALOG }).digest).to.equal(data.digest);
      expect(buildReport(store, { now: new Date(NOW.getTime() + 1), catalog: CATALOG }).digest).not.to.equal(
        data.digest,
      );
    });

    it('follows the trend after every evaluation time', () => {
      expect(data.trend.map((p) => [p.at, p.nonCompliant, p.compliant])).to.deep.equal([
        ['2026-03-02T09:00:00.000Z', 6, 3],
        ['2026-03-02T09:03:00.000Z', 3, 6],
        ['2026-03-02T11:05:00.000Z', 2, 7],
        ['2026-03-03T09:00:00.000Z', 1, 8],
        ['2026-03-04T09:00:00.000Z', 2, 7],
        ['2026-03-04T09:02:00.000Z', 1, 8],
      ]);
    });

    it('draws one line per account from when it was first evaluated, so a new account is no regression', () => {
      const row = (
        id: number,
        account: string,
        resourceId: string,
        verdict: 'COMPLIANT' | 'NON_COMPLIANT',
        min: number,
      ) =>
        ({
          id,
          runId: id,
          ruleId: SG_RULE,
          account,
          region: 'us-east-1',
          resourceType: 'AWS::EC2::SecurityGroup',
          resourceId,
          resourceName: null,
          verdict,
          annotation: null,
          evaluatedAt: new Date(T0 + min * MIN).toISOString(),
          externalId: null,
        }) as EvaluationRow;
      const rows = [
        row(1, A, 'sg-1', 'NON_COMPLIANT', 0),
        row(2, A, 'sg-1', 'COMPLIANT', 10),
        row(3, B, 'sg-2', 'NON_COMPLIANT', 20),
        row(4, B, 'sg-3', 'NON_COMPLIANT', 20),
      ];
      const trends = trendByAccount(rows);
      expect(trends.map((t) => [t.account, t.firstSeen])).to.deep.equal([
        [A, new Date(T0).toISOString()],
        [B, new Date(T0 + 20 * MIN).toISOString()],
      ]);
      expect(trends[0]!.points.map((p) => p.nonCompliant)).to.deep.equal([1, 0]);
      expect(trends[1]!.points.map((p) => [p.at, p.nonCompliant])).to.deep.equal([
        [new Date(T0 + 20 * MIN).toISOString(), 2],
      ]);
    });

    it('counts a local run once, at its end (a scan reading rule after rule draws no rise); imports at their own times', () => {
      const rows = [0, 1, 2].map(
        (i) =>
          ({
            id: i + 1,
            runId: i < 2 ? 1 : 2,
            ruleId: SG_RULE,
            account: A,
            region: 'us-east-1',
            resourceType: 'AWS::EC2::SecurityGroup',
            resourceId: `sg-${i}`,
            resourceName: null,
            verdict: 'NON_COMPLIANT',
            annotation: null,
            evaluatedAt: new Date(T0 + i * 1000).toISOString(),
            externalId: null,
          }) as EvaluationRow,
      );
      const local = observedAt(rows, [
        { id: 1, source: 'local' },
        { id: 2, source: 'local' },
      ]);
      expect(trendOf(rows, undefined, local).map((p) => [p.at, p.nonCompliant])).to.deep.equal([
        [new Date(T0 + 1000).toISOString(), 2],
        [new Date(T0 + 2000).toISOString(), 3],
      ]);
      const imported = observedAt(rows, [{ id: 1, source: 'aws-config' }]);
      expect(trendOf(rows, undefined, imported).map((p) => p.nonCompliant)).to.deep.equal([1, 2, 3]);
    });

    it('samples a long history at even intervals, carrying state from before --since', () => {
      const rows = Array.from({ length: 500 }, (_, i) => ({
        id: i + 1,
        runId: 1,
        ruleId: SG_RULE,
        account: A,
        region: 'us-east-1',
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: `sg-${i % 7}`,
        resourceName: null,
        verdict: i % 2 ? ('COMPLIANT' as const) : ('NON_COMPLIANT' as const),
        annotation: null,
        evaluatedAt: new Date(T0 + i * MIN).toISOString(),
        externalId: null,
      }));
      const points = trendOf(rows);
      expect(points).to.have.length(MAX_TREND_POINTS);
      expect(points[0]!.at).to.equal(rows[0]!.evaluatedAt);
      expect(points.at(-1)!.at).to.equal(rows.at(-1)!.evaluatedAt);
      expect(points.every((p) => p.compliant + p.nonCompliant <= 7)).to.equal(true);
      const since = trendOf(rows, new Date(T0 + 490 * MIN));
      expect(since[0]).to.deep.equal({ at: rows[490]!.evaluatedAt, nonCompliant: 4, compliant: 3 });
    });

    it('times remediation per rule, automatic against manual, with open episodes apart', () => {
      const byRule = Object.fromEntries(data.timeToRemediate.rules.map((r) => [r.ruleId, r]));
      expect(byRule[SG_RULE]).to.deep.equal({
        ruleId: SG_RULE,
        automatic: { count: 3, medianMs: 3 * MIN, p90Ms: 3 * MIN, worstMs: 3 * MIN },
        manual: null,
        outOfBand: 0,
        notApplicable: 0,
        open: { count: 1, oldestAgeMs: 3 * DAY },
      });
      expect(byRule[TRAIL_RULE]!.manual).to.deep.equal({
        count: 1,
        medianMs: 2 * HOUR + 5 * MIN,
        p90Ms: 2 * HOUR + 5 * MIN,
        worstMs: 2 * HOUR + 5 * MIN,
      });
      expect(byRule[ACCOUNT_BPA_RULE]).to.deep.include({
        outOfBand: 1,
        manual: { count: 1, medianMs: DAY, p90Ms: DAY, worstMs: DAY },
      });
      expect(data.timeToRemediate.all).to.deep.include({
        automatic: { count: 4, medianMs: 3 * MIN, p90Ms: 3 * MIN, worstMs: 3 * MIN },
        manual: { count: 2, medianMs: (2 * HOUR + 5 * MIN + DAY) / 2, p90Ms: DAY, worstMs: DAY },
      });
    });

    it('lists open non-compliant resources with their annotation and attempts', () => {
      expect(data.open).to.deep.equal([
        {
          ruleId: SG_RULE,
          account: B,
          region: 'eu-west-1',
          resourceType: 'AWS::EC2::SecurityGroup',
          resourceId: 'sg-mixed',
          openedAt: '2026-03-02T09:00:00.000Z',
          ageMs: 3 * DAY,
          annotation: 'tcp 22 is open to 0.0.0.0/0 (10.0.0.0/8 is kept).',
          remediationAttempts: 0,
          lastRemediationStatus: null,
          severity: 'high',
          resourceName: null,
          resource: data.resources.findIndex((r) => r.resourceId === 'sg-mixed'),
        },
      ]);
    });

    it('lists remediation executions newest first with their outcome', () => {
      expect(
        data.executions.map((x) => [
          x.startedAt,
          x.resourceId,
          x.trigger,
          x.dryRun,
          x.status,
          `${x.stepsSucceeded}/${x.stepsTotal}`,
        ]),
      ).to.deep.equal([
        ['2026-03-04T09:01:00.000Z', 'sg-ssh', 'automatic', false, 'Success', '3/3'],
        ['2026-03-02T11:00:00.000Z', A, 'manual', false, 'Success', '3/3'],
        ['2026-03-02T09:02:00.000Z', A, 'automatic', false, 'Failed', '1/2'],
        ['2026-03-02T09:02:00.000Z', 'public-acl', 'automatic', false, 'Success', '3/3'],
        ['2026-03-02T09:02:00.000Z', 'sg-rdp', 'automatic', false, 'Success', '3/3'],
        ['2026-03-02T09:02:00.000Z', 'sg-ssh', 'automatic', false, 'Success', '3/3'],
        ['2026-03-02T09:01:00.000Z', 'sg-mixed', 'manual', true, 'Success', '3/3'],
      ]);
      expect(data.executions[2]!.error).to.equal('AccessDenied: cloudtrail:StartLogging.');
    });

    it('keeps episodes closed since --since, and the open ones', () => {
      const recent = buildReport(store, { now: NOW, since: new Date(T0 + 2 * DAY), catalog: CATALOG });
      expect(recent.episodes.map((e) => [e.resourceId, e.resolution])).to.deep.equal([
        ['sg-mixed', 'open'],
        ['sg-ssh', 'automatic'],
      ]);
      expect(recent.executions.map((x) => x.resourceId)).to.deep.equal(['sg-ssh']);
      expect(recent.since).to.equal('2026-03-04T09:00:00.000Z');
    });
  });

  describe('JSON and CSV', () => {
    it('writes the same data as JSON', () => {
      const dir = mkdtempSync(join(tmpdir(), 'rebaseline-report-'));
      try {
        const path = writeReport(store, {
          format: 'json',
          out: join(dir, 'out', 'report.json'),
          now: NOW,
          catalog: CATALOG,
        });
        expect(JSON.parse(readFileSync(path, 'utf8'))).to.deep.equal(JSON.parse(JSON.stringify(data)));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('writes every section as CSV that parses back', () => {
      for (const section of CSV_SECTIONS) {
        const rows = parse(reportCsv(data, section), { columns: true }) as Record<string, string>[];
        expect(rows.length, section).to.be.greaterThan(0);
      }
      const episodes = parse(reportCsv(data, 'episodes'), { columns: true }) as Record<string, string>[];
      expect(episodes).to.have.length(data.episodes.length);
      const trail = episodes.find((e) => e.rule_id === TRAIL_RULE)!;
      expect(trail).to.include({
        opened_at: '2026-03-02T09:00:00.000Z',
        remediated_by: 'enable-cloudtrail',
        remediated_at: '2026-03-02T11:00:40.000Z',
        closed_at: '2026-03-02T11:05:00.000Z',
        resolution: 'manual',
        time_to_remediate_or_age_seconds: String((2 * HOUR + 5 * MIN) / 1000),
      });
      const ttr = parse(reportCsv(data, 'time-to-remediate'), { columns: true }) as Record<string, string>[];
      expect(ttr.find((r) => r.rule_id === SG_RULE)).to.include({
        automatic_count: '3',
        automatic_median_seconds: '180',
        manual_count: '0',
        manual_median_seconds: '',
        open: '1',
        oldest_open_age_seconds: String((3 * DAY) / 1000),
      });
      expect(ttr.at(-1)).to.include({ rule_id: 'all rules', manual_p90_seconds: String(DAY / 1000) });
    });

    it('exports the evidence of a control: every evaluation and remediation behind it, in time order', () => {
      const rows = parse(reportCsv(data, 'evidence', 'cis-aws-foundations-3.0:5.2'), {
        columns: true,
      }) as Record<string, string>[];
      expect(new Set(rows.map((r) => `${r.framework}:${r.control_id}`))).to.deep.equal(
        new Set(['cis-aws-foundations-3.0:5.2']),
      );
      const ssh = rows.filter((r) => r.resource_id === 'sg-ssh');
      expect(ssh.map((r) => [r.record, r.at, r.verdict_or_status])).to.deep.equal([
        ['evaluation', '2026-03-02T09:00:00.000Z', 'NON_COMPLIANT'],
        ['remediation', '2026-03-02T09:02:00.000Z', 'Success'],
        ['evaluation', '2026-03-02T09:03:00.000Z', 'COMPLIANT'],
        ['evaluation', '2026-03-04T09:00:00.000Z', 'NON_COMPLIANT'],
        ['remediation', '2026-03-04T09:01:00.000Z', 'Success'],
        ['evaluation', '2026-03-04T09:02:00.000Z', 'COMPLIANT'],
      ]);
      expect(ssh[1]).to.include({
        remediation: 'revoke-public-ingress',
        trigger: 'automatic',
        dry_run: 'false',
      });
      // Sorted by time across resources.
      const times = rows.map((r) => Date.parse(r.at!));
      expect(times).to.deep.equal([...times].sort((a, b) => a - b));
      // The dry run of sg-mixed is evidence too (it changed nothing, and says so).
      expect(rows.find((r) => r.resource_id === 'sg-mixed' && r.record === 'remediation')).to.include({
        dry_run: 'true',
      });
      // A control id alone works when only one framework has it; the JSON document is the same evidence.
      const doc = JSON.parse(renderReport(data, 'json', { control: 'EC2.18' }));
      expect(doc.control).to.deep.include({ key: 'aws-fsbp:EC2.18', status: 'failing', severity: 'high' });
      expect(doc.report).to.deep.include({ digest: data.digest, period: data.period });
      const sshDoc = doc.resources.find((r: { resourceId: string }) => r.resourceId === 'sg-ssh');
      expect(sshDoc.evaluations).to.have.length(4);
      expect(sshDoc.remediations[0]).to.deep.include({
        remediation: 'revoke-public-ingress',
        previousState: {
          removed: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
        },
      });
      expect(controlEvidence(data, findControl(data, 'aws-fsbp:EC2.18'))).to.deep.equal(doc);
      expect(() => findControl(data, '9.9')).to.throw(
        UsageError,
        /Unknown control 9\.9; controls: aws-fsbp:CloudTrail\.1/,
      );
      expect(() => reportCsv(data, 'evidence', 'nope')).to.throw(UsageError, /Unknown control nope/);
    });

    it('quotes cells and keeps spreadsheet formulas inert', () => {
      const hostile = {
        ...data,
        open: [{ ...data.open[0]!, annotation: '=HYPERLINK("http://x","click"), and "quotes"\nnew line' }],
      };
      const [row] = parse(reportCsv(hostile, 'open'), { columns: true }) as Record<string, string>[];
      expect(row!.annotation).to.equal(`'=HYPERLINK("http://x","click"), and "quotes"\nnew line`);
    });
  });

  describe('HTML', () => {
    it('is one self-contained page: no external resource, a policy that forbids the network', () => {
      const html = renderHtmlReport(data);
      expect(html).to.match(/^<!doctype html>/);
      expect(html).to.include(`Content-Security-Policy" content="default-src 'none'`);
      expect(html).not.to.match(/<link\b|<img\b|<iframe\b|<object\b|<embed\b|\bsrc=|@import/i);
      const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
      expect(style).not.to.match(/url\(/i);
      // The only URL is the SVG namespace, which is a name, not a request.
      expect(
        (html.match(/https?:\/\/[^\s"'<]+/g) ?? []).filter((u) => u !== 'http://www.w3.org/2000/svg'),
      ).to.deep.equal([]);
    });

    it('escapes what the history holds', () => {
      const hostile = { ...data, open: [{ ...data.open[0]!, annotation: '<script>alert(1)</script>' }] };
      const html = renderHtmlReport(hostile);
      expect(html).to.include('&lt;script&gt;alert(1)&lt;/script&gt;');
      expect(html.match(/<script>/g)).to.have.length(1);
      expect(escapeHtml(`"'&<>`)).to.equal('&quot;&#39;&amp;&lt;&gt;');
    });

    it('renders an empty history with explanations instead of charts', () => {
      const empty = HistoryStore.open(':memory:');
      const html = renderHtmlReport(buildReport(empty, { now: NOW, catalog: CATALOG }));
      empty.close();
      expect(html).to.include('No evaluations recorded yet');
      expect(html).to.include('No non-compliance episode has been remediated yet.');
      expect(html).not.to.include('<svg class="chart"');
      expect(html).to.include('Nothing has been evaluated yet');
    });

    it('shows the summary, controls, per-account trend, drill-down and evidence in the page', () => {
      const html = renderHtmlReport(data);
      expect(html)
        .to.include('7 non-compliance findings were found;')
        .and.include('<strong>6 fixed</strong>');
      expect(html).to.include('data-control="cis-aws-foundations-3.0:5.2"');
      expect(html).to.include('data-chart="trend"').and.include(`data-account="${B}"`);
      expect(html).to.include('id="resource-');
      expect(html).to.include('<h5>Previous state recorded</h5>');
      // The evidence data is inert JSON a crafted annotation cannot break out of.
      const hostile = renderHtmlReport({
        ...data,
        resources: data.resources.map((r) => ({ ...r, annotation: '</script><script>alert(1)</script>' })),
      });
      expect(hostile.match(/<script>/g)).to.have.length(1);
      expect(html).to.include(`Data SHA-256 <code>${data.digest}</code>`);
    });
  });

  describe('formatting', () => {
    it('parses --since as a date or an age', () => {
      const now = new Date('2026-02-08T00:00:00Z');
      expect(parseSince('7d', now).toISOString()).to.equal('2026-02-01T00:00:00.000Z');
      expect(parseSince('36h', now).toISOString()).to.equal('2026-02-06T12:00:00.000Z');
      expect(parseSince('2w', now).toISOString()).to.equal('2026-01-25T00:00:00.000Z');
      expect(parseSince('2026-01-31', now).toISOString()).to.equal('2026-01-31T00:00:00.000Z');
      expect(parseSince('2026-01-31T12:30:00Z', now).toISOString()).to.equal('2026-01-31T12:30:00.000Z');
      expect(() => parseSince('last tuesday', now)).to.throw(UsageError, /--since last tuesday/);
    });

    it('shows durations with their two largest units', () => {
      expect(
        [450, 45_000, 252_000, 7_500_000, 3 * DAY + 4 * HOUR + 5 * MIN, DAY].map(formatDuration),
      ).to.deep.equal(['450ms', '45s', '4m 12s', '2h 5m', '3d 4h', '1d']);
      expect(formatDuration(null)).to.equal('—');
    });

    it('shows times to remediate below 10 s to the hundredth of a second (1.2 s and 1.9 s do not both read 1s)', () => {
      expect(
        [606, 999.6, 1_000, 1_204, 1_250, 1_949, 9_994, 9_996, 10_000].map(formatDuration),
      ).to.deep.equal(['606ms', '1.00s', '1.00s', '1.20s', '1.25s', '1.95s', '9.99s', '10s', '10s']);
      expect(formatTime('2026-03-02T09:00:05.123Z', { ms: true })).to.equal('2026-03-02 09:00:05.123Z');
    });
  });
});
