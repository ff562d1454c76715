import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { formatDuration, parseSince } from '../../../app/history/format';
import { escapeHtml, renderHtmlReport } from '../../../app/history/html';
import {
  buildReport,
  CSV_SECTIONS,
  MAX_TREND_POINTS,
  reportCsv,
  trendOf,
  writeReport,
} from '../../../app/history/report';
import type { ReportData } from '../../../app/history/report-data';
import { HistoryStore } from '../../../app/history/store';
import { UsageError } from '../../../shared/errors';
import { A, ACCOUNT_BPA_RULE, B, BUCKET_RULE, NOW, SG_RULE, seedHistory, T0, TRAIL_RULE } from './seed';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('history report', () => {
  let store: HistoryStore;
  let data: ReportData;
  before(() => {
    store = HistoryStore.open(':memory:');
    seedHistory(store);
    data = buildReport(store, { now: NOW });
  });
  after(() => store.close());

  describe('data', () => {
    it('counts compliance now by rule and by account, each resource by its latest verdict', () => {
      expect(
        data.byRule.map((r) => [r.ruleId, r.compliant, r.nonCompliant, r.percentCompliant]),
      ).to.deep.equal([
        [SG_RULE, 3, 1, 75],
        [TRAIL_RULE, 1, 0, 100],
        [ACCOUNT_BPA_RULE, 1, 0, 100],
        [BUCKET_RULE, 3, 0, 100],
      ]);
      expect(data.byAccount.map((r) => [r.account, r.compliant, r.nonCompliant])).to.deep.equal([
        [B, 1, 1],
        [A, 7, 0],
      ]);
      expect(data.totals).to.include({
        total: 9,
        compliant: 8,
        nonCompliant: 1,
        rules: 4,
        accounts: 2,
        openEpisodes: 1,
        executions: 7,
      });
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

    it('samples a long history at even intervals, carrying state from before --since', () => {
      const rows = Array.from({ length: 500 }, (_, i) => ({
        id: i + 1,
        runId: 1,
        ruleId: SG_RULE,
        account: A,
        region: 'us-east-1',
        resourceType: 'AWS::EC2::SecurityGroup',
        resourceId: `sg-${i % 7}`,
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
      const recent = buildReport(store, { now: NOW, since: new Date(T0 + 2 * DAY) });
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
        const path = writeReport(store, { format: 'json', out: join(dir, 'out', 'report.json'), now: NOW });
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
      expect(html).not.to.match(/<link\b|<img\b|<iframe\b|\bsrc=|url\(/i);
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
      const html = renderHtmlReport(buildReport(empty, { now: NOW }));
      empty.close();
      expect(html).to.include('No evaluations recorded yet');
      expect(html).to.include('No non-compliance episode has been remediated yet.');
      expect(html).not.to.include('<svg');
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
  });
});
