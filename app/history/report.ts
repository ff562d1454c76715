import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from '../../shared/errors';
import type { ComplianceType } from '../../shared/rule';
import { renderHtmlReport } from './html';
import { mttrByRule, type RuleMttr } from './mttr';
import type {
  AccountCompliance,
  ComplianceCount,
  EpisodeItem,
  ExecutionItem,
  OpenFinding,
  ReportData,
  RuleCompliance,
  TrendPoint,
} from './report-data';
import { type EvaluationRow, type HistoryStore, isSuccessfulStatus } from './store';
import { buildTimelines, keyString, type ResourceTimeline } from './timeline';

export interface ReportOptions {
  since?: Date;
  now?: Date;
  ruleId?: string;
  account?: string;
  title?: string;
}

/** At most this many points on the trend chart: more evaluation times are sampled at even intervals. */
export const MAX_TREND_POINTS = 60;

function emptyCount(): ComplianceCount {
  return {
    compliant: 0,
    nonCompliant: 0,
    notApplicable: 0,
    insufficientData: 0,
    total: 0,
    percentCompliant: null,
  };
}

function add(count: ComplianceCount, verdict: ComplianceType): void {
  if (verdict === 'COMPLIANT') count.compliant++;
  else if (verdict === 'NON_COMPLIANT') count.nonCompliant++;
  else if (verdict === 'NOT_APPLICABLE') count.notApplicable++;
  else count.insufficientData++;
  count.total++;
  const judged = count.compliant + count.nonCompliant;
  count.percentCompliant = judged ? (100 * count.compliant) / judged : null;
}

/**
 * Compliance over time: after every evaluation time (or at {@link MAX_TREND_POINTS} even intervals), how many
 * resources had COMPLIANT and NON_COMPLIANT as their latest verdict. State before `since` is carried in.
 */
export function trendOf(evaluations: readonly EvaluationRow[], since?: Date): TrendPoint[] {
  const sorted = [...evaluations].sort(
    (a, b) => Date.parse(a.evaluatedAt) - Date.parse(b.evaluatedAt) || a.id - b.id,
  );
  if (sorted.length === 0) return [];
  const times = [...new Set(sorted.map((e) => Date.parse(e.evaluatedAt)))].filter(
    (t) => !since || t >= since.getTime(),
  );
  if (times.length === 0) return [];
  let samples = times;
  if (times.length > MAX_TREND_POINTS) {
    const first = times[0]!;
    const step = (times.at(-1)! - first) / (MAX_TREND_POINTS - 1);
    samples = Array.from({ length: MAX_TREND_POINTS }, (_, i) => Math.round(first + i * step));
    samples[samples.length - 1] = times.at(-1)!;
  }
  const state = new Map<string, ComplianceType>();
  let compliant = 0;
  let nonCompliant = 0;
  let i = 0;
  const points: TrendPoint[] = [];
  for (const t of samples) {
    for (; i < sorted.length && Date.parse(sorted[i]!.evaluatedAt) <= t; i++) {
      const e = sorted[i]!;
      const k = keyString(e);
      const before = state.get(k);
      if (before === 'COMPLIANT') compliant--;
      if (before === 'NON_COMPLIANT') nonCompliant--;
      if (e.verdict === 'COMPLIANT') compliant++;
      if (e.verdict === 'NON_COMPLIANT') nonCompliant++;
      state.set(k, e.verdict);
    }
    points.push({ at: new Date(t).toISOString(), compliant, nonCompliant });
  }
  return points;
}

function sortByCount<T extends ComplianceCount>(rows: T[], name: (r: T) => string): T[] {
  return rows.sort((a, b) => b.nonCompliant - a.nonCompliant || (name(a) < name(b) ? -1 : 1));
}

function episodesOf(timelines: readonly ResourceTimeline[], since?: Date): EpisodeItem[] {
  const items: EpisodeItem[] = [];
  for (const t of timelines)
    for (const e of t.episodes) {
      if (since && !e.open && Date.parse(e.closedAt!) < since.getTime()) continue;
      items.push({
        ...t.key,
        openedAt: e.openedAt,
        remediatedAt: e.fixedBy?.endedAt ?? e.fixedBy?.startedAt ?? null,
        remediatedBy: e.fixedBy ? (e.fixedBy.remediationId ?? e.fixedBy.documentName) : null,
        closedAt: e.closedAt,
        resolution: e.open ? 'open' : e.resolution!,
        durationMs: e.durationMs,
        annotation: e.annotation,
      });
    }
  return items.sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt));
}

/**
 * Everything the reports show, computed from the store: compliance now (each resource's latest verdict) by
 * rule and by account, the trend, time to remediate per rule (automatic vs manual), open non-compliant
 * resources, remediation executions and every non-compliance episode.
 *
 * @example
 * const data = buildReport(store, { since: parseSince('90d') });
 * data.timeToRemediate.all.automatic?.medianMs;
 */
export function buildReport(store: HistoryStore, options: ReportOptions = {}): ReportData {
  const now = options.now ?? new Date();
  const filter = { ruleId: options.ruleId, account: options.account };
  const evaluations = store.evaluations(filter);
  const remediations = store.remediations(filter);
  const timelines = buildTimelines(evaluations, remediations, now);

  const totals = emptyCount();
  const byRule = new Map<string, RuleCompliance>();
  const byAccount = new Map<string, AccountCompliance>();
  for (const t of timelines) {
    add(totals, t.current);
    const rule = byRule.get(t.key.ruleId) ?? { ruleId: t.key.ruleId, ...emptyCount() };
    add(rule, t.current);
    byRule.set(t.key.ruleId, rule);
    const account = byAccount.get(t.key.account) ?? { account: t.key.account, ...emptyCount() };
    add(account, t.current);
    byAccount.set(t.key.account, account);
  }

  const open: OpenFinding[] = timelines
    .flatMap((t) => t.episodes.filter((e) => e.open).map((e) => ({ t, e })))
    .map(({ t, e }) => ({
      ...t.key,
      openedAt: e.openedAt,
      ageMs: e.durationMs,
      annotation: e.annotation,
      remediationAttempts: e.remediations.length,
      lastRemediationStatus: e.remediations.at(-1)?.status ?? null,
    }))
    .sort((a, b) => b.ageMs - a.ageMs);

  const since = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const executions: ExecutionItem[] = remediations
    .filter((x) => Date.parse(x.startedAt) >= since)
    .map((x) => ({
      startedAt: x.startedAt,
      endedAt: x.endedAt,
      durationMs: x.endedAt ? Date.parse(x.endedAt) - Date.parse(x.startedAt) : null,
      ruleId: x.ruleId,
      account: x.account,
      region: x.region,
      resourceType: x.resourceType,
      resourceId: x.resourceId,
      remediation: x.remediationId ?? x.documentName,
      documentName: x.documentName,
      trigger: x.trigger,
      dryRun: x.dryRun,
      status: x.status,
      succeeded: isSuccessfulStatus(x.status),
      stepsSucceeded: x.steps.filter((s) => isSuccessfulStatus(s.status)).length,
      stepsTotal: x.steps.length,
      error: x.error,
    }))
    .reverse();

  const episodes = episodesOf(timelines, options.since);
  return {
    title: options.title ?? 'rebaseline compliance report',
    generatedAt: now.toISOString(),
    database: store.path,
    since: options.since?.toISOString() ?? null,
    totals: {
      ...totals,
      rules: byRule.size,
      accounts: byAccount.size,
      openEpisodes: open.length,
      executions: executions.length,
    },
    byRule: sortByCount([...byRule.values()], (r) => r.ruleId),
    byAccount: sortByCount([...byAccount.values()], (r) => r.account),
    trend: trendOf(evaluations, options.since),
    timeToRemediate: mttrByRule(timelines, { since: options.since }),
    open,
    executions,
    episodes,
  };
}

// ---------------------------------------------------------------------------------------------------------
// JSON and CSV (evidence packs).
// ---------------------------------------------------------------------------------------------------------

export const CSV_SECTIONS = [
  'episodes',
  'rules',
  'accounts',
  'time-to-remediate',
  'open',
  'executions',
  'trend',
] as const;
export type CsvSection = (typeof CSV_SECTIONS)[number];

type Cell = string | number | boolean | null | undefined;

/** RFC 4180 quoting; text that a spreadsheet would run as a formula is prefixed with `'`. */
function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csv(header: string[], rows: Cell[][]): string {
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

const seconds = (ms: number | null | undefined) =>
  ms === null || ms === undefined ? null : Math.round(ms) / 1000;

const countHeader = [
  'compliant',
  'non_compliant',
  'not_applicable',
  'insufficient_data',
  'total',
  'percent_compliant',
];
const countCells = (c: ComplianceCount): Cell[] => [
  c.compliant,
  c.nonCompliant,
  c.notApplicable,
  c.insufficientData,
  c.total,
  c.percentCompliant === null ? null : Math.round(c.percentCompliant * 10) / 10,
];
const resourceHeader = ['rule_id', 'account', 'region', 'resource_type', 'resource_id'];
const resourceCells = (r: {
  ruleId: string;
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
}) => [r.ruleId, r.account, r.region, r.resourceType, r.resourceId] as Cell[];

/**
 * One section of the report as CSV (durations in seconds, times in ISO 8601 UTC).
 * @example
 * writeFileSync('episodes.csv', reportCsv(buildReport(store), 'episodes'));
 */
export function reportCsv(data: ReportData, section: CsvSection = 'episodes'): string {
  switch (section) {
    case 'episodes':
      return csv(
        [
          ...resourceHeader,
          'opened_at',
          'remediated_at',
          'remediated_by',
          'closed_at',
          'resolution',
          'time_to_remediate_or_age_seconds',
          'annotation',
        ],
        data.episodes.map((e) => [
          ...resourceCells(e),
          e.openedAt,
          e.remediatedAt,
          e.remediatedBy,
          e.closedAt,
          e.resolution,
          seconds(e.durationMs),
          e.annotation,
        ]),
      );
    case 'rules':
      return csv(
        ['rule_id', ...countHeader],
        data.byRule.map((r) => [r.ruleId, ...countCells(r)]),
      );
    case 'accounts':
      return csv(
        ['account', ...countHeader],
        data.byAccount.map((r) => [r.account, ...countCells(r)]),
      );
    case 'time-to-remediate': {
      const stats = (s: RuleMttr['automatic']) => [
        s?.count ?? 0,
        seconds(s?.medianMs),
        seconds(s?.p90Ms),
        seconds(s?.worstMs),
      ];
      const head = (p: string) => [
        `${p}_count`,
        `${p}_median_seconds`,
        `${p}_p90_seconds`,
        `${p}_worst_seconds`,
      ];
      return csv(
        [
          'rule_id',
          ...head('automatic'),
          ...head('manual'),
          'out_of_band',
          'not_applicable',
          'open',
          'oldest_open_age_seconds',
        ],
        [...data.timeToRemediate.rules, data.timeToRemediate.all].map((r) => [
          r.ruleId,
          ...stats(r.automatic),
          ...stats(r.manual),
          r.outOfBand,
          r.notApplicable,
          r.open.count,
          seconds(r.open.oldestAgeMs),
        ]),
      );
    }
    case 'open':
      return csv(
        [
          ...resourceHeader,
          'non_compliant_since',
          'age_seconds',
          'annotation',
          'remediation_attempts',
          'last_remediation_status',
        ],
        data.open.map((o) => [
          ...resourceCells(o),
          o.openedAt,
          seconds(o.ageMs),
          o.annotation,
          o.remediationAttempts,
          o.lastRemediationStatus,
        ]),
      );
    case 'executions':
      return csv(
        [
          'started_at',
          'ended_at',
          ...resourceHeader,
          'remediation',
          'document',
          'trigger',
          'dry_run',
          'status',
          'steps_succeeded',
          'steps_total',
          'error',
        ],
        data.executions.map((x) => [
          x.startedAt,
          x.endedAt,
          ...resourceCells(x),
          x.remediation,
          x.documentName,
          x.trigger,
          x.dryRun,
          x.status,
          x.stepsSucceeded,
          x.stepsTotal,
          x.error,
        ]),
      );
    case 'trend':
      return csv(
        ['at', 'compliant', 'non_compliant'],
        data.trend.map((p) => [p.at, p.compliant, p.nonCompliant]),
      );
  }
}

export type ReportFormat = 'html' | 'json' | 'csv';

/**
 * Builds the report and writes it to `out` (creating its folder). The demo calls this last.
 * @returns the absolute path written.
 * @example
 * const path = writeReport(store, { format: 'html', out: 'rebaseline-report.html' });
 * console.log(`Report: ${path}`);
 */
export function writeReport(
  store: HistoryStore,
  options: ReportOptions & { format: ReportFormat; out: string; section?: CsvSection },
): string {
  const path = resolve(options.out);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderReport(buildReport(store, options), options.format, options.section));
  return path;
}

/** The report in one of its formats, as text. */
export function renderReport(data: ReportData, format: ReportFormat, section?: CsvSection): string {
  if (format === 'html') return renderHtmlReport(data);
  if (format === 'json') return `${JSON.stringify(data, null, 2)}\n`;
  if (format === 'csv') return reportCsv(data, section);
  throw new UsageError(`Unknown report format ${String(format)}; use html, json or csv.`);
}
