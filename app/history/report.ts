import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import packageJson from '../../package.json';
import { UsageError } from '../../shared/errors';
import type { ComplianceType } from '../../shared/rule';
import { type Cell, controlEvidence, csv, evidenceCsv, findControl } from './evidence';
import { renderHtmlReport } from './html';
import { buildIncidentsSection } from './incidents-report';
import { mttrByRule, type RuleMttr } from './mttr';
import {
  type AccountCompliance,
  type AccountRegionSummary,
  type AccountTrend,
  type ComplianceCount,
  type ControlItem,
  type ControlRef,
  type EpisodeItem,
  type ExecutionItem,
  type FindingCounts,
  type FrameworkSummary,
  type OpenFinding,
  type ReportData,
  type ResourceItem,
  type RuleCatalogEntry,
  type RuleCompliance,
  SEVERITIES,
  type Severity,
  type SeveritySummary,
  type TrendPoint,
} from './report-data';
import {
  type EvaluationRow,
  type HistoryStore,
  isSuccessfulStatus,
  type RemediationRow,
  type RunRow,
} from './store';
import { buildTimelines, type Episode, keyString, type ResourceTimeline } from './timeline';

export interface ReportOptions {
  since?: Date;
  now?: Date;
  ruleId?: string;
  account?: string;
  title?: string;
  /**
   * The rules' metadata (title, severity, controls): the CLI passes the registry's. Rules of the history missing
   * from it (imported Config rules) are reported with severity `unknown` and no controls.
   */
  catalog?: readonly RuleCatalogEntry[];
}

/** At most this many points on a trend line: more evaluation times are sampled at even intervals. */
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

function emptyFindings(): FindingCounts {
  return {
    found: 0,
    fixed: 0,
    fixedAutomatically: 0,
    fixedManually: 0,
    fixedOutOfBand: 0,
    leftScope: 0,
    open: 0,
  };
}

/** Adds one episode to the counts of the period that starts at `since` (the whole history without it). */
function countEpisode(counts: FindingCounts, episode: Episode, since: number): void {
  if (Date.parse(episode.openedAt) >= since) counts.found++;
  if (episode.open) {
    counts.open++;
    return;
  }
  if (Date.parse(episode.closedAt!) < since) return;
  switch (episode.resolution) {
    case 'automatic':
      counts.fixed++;
      counts.fixedAutomatically++;
      break;
    case 'manual':
      counts.fixed++;
      counts.fixedManually++;
      break;
    case 'out-of-band':
      counts.fixed++;
      counts.fixedOutOfBand++;
      break;
    case 'not-applicable':
      counts.leftScope++;
      break;
  }
}

/**
 * When each evaluation counts on a trend: a local run (scan, remediate, demo) is one observation of the account, so
 * its evaluations count at the run's last evaluation (a scan reading rule after rule does not draw a rise while it
 * discovers resources); imported AWS Config records count at their own times.
 * @example
 * trendOf(evaluations, since, observedAt(evaluations, store.runs()));
 */
export function observedAt(
  evaluations: readonly EvaluationRow[],
  runs: readonly Pick<RunRow, 'id' | 'source'>[],
): (e: EvaluationRow) => number {
  const local = new Set(runs.filter((r) => r.source === 'local').map((r) => r.id));
  const end = new Map<number, number>();
  for (const e of evaluations)
    if (local.has(e.runId)) end.set(e.runId, Math.max(end.get(e.runId) ?? 0, Date.parse(e.evaluatedAt)));
  return (e) => end.get(e.runId) ?? Date.parse(e.evaluatedAt);
}

/**
 * Compliance over time: after every observation time (or at {@link MAX_TREND_POINTS} even intervals), how many
 * resources had COMPLIANT and NON_COMPLIANT as their latest verdict. State before `since` is carried in.
 * @param at when an evaluation counts (default: its own time; see {@link observedAt}).
 */
export function trendOf(
  evaluations: readonly EvaluationRow[],
  since?: Date,
  at: (e: EvaluationRow) => number = (e) => Date.parse(e.evaluatedAt),
): TrendPoint[] {
  const sorted = [...evaluations].sort(
    (a, b) => at(a) - at(b) || Date.parse(a.evaluatedAt) - Date.parse(b.evaluatedAt) || a.id - b.id,
  );
  if (sorted.length === 0) return [];
  const times = [...new Set(sorted.map(at))].filter((t) => !since || t >= since.getTime());
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
    for (; i < sorted.length && at(sorted[i]!) <= t; i++) {
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

/**
 * One trend per account, each starting when the account was first evaluated: an account scanned for the first time
 * adds a line, it does not make the others look like they regressed.
 */
export function trendByAccount(
  evaluations: readonly EvaluationRow[],
  since?: Date,
  at?: (e: EvaluationRow) => number,
): AccountTrend[] {
  const byAccount = new Map<string, EvaluationRow[]>();
  for (const e of evaluations) {
    const rows = byAccount.get(e.account);
    if (rows) rows.push(e);
    else byAccount.set(e.account, [e]);
  }
  return [...byAccount]
    .map(([account, rows]) => ({ account, points: trendOf(rows, since, at) }))
    .filter((t) => t.points.length > 0)
    .map((t) => ({ ...t, firstSeen: t.points[0]!.at }))
    .sort((a, b) => Date.parse(a.firstSeen) - Date.parse(b.firstSeen) || (a.account < b.account ? -1 : 1));
}

function sortByCount<T extends ComplianceCount>(rows: T[], name: (r: T) => string): T[] {
  return rows.sort((a, b) => b.nonCompliant - a.nonCompliant || (name(a) < name(b) ? -1 : 1));
}

function episodesOf(timelines: readonly ResourceTimeline[], since?: Date): EpisodeItem[] {
  const items: EpisodeItem[] = [];
  for (const t of timelines)
    for (const e of t.episodes) {
      if (since && !e.open && Date.parse(e.closedAt!) < since.getTime()) continue;
      items.push({ ...t.key, ...episodeFields(e) });
    }
  return items.sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt));
}

function episodeFields(e: Episode): ResourceItem['episodes'][number] {
  return {
    openedAt: e.openedAt,
    remediatedAt: e.fixedBy?.endedAt ?? e.fixedBy?.startedAt ?? null,
    remediatedBy: e.fixedBy ? (e.fixedBy.remediationId ?? e.fixedBy.documentName) : null,
    closedAt: e.closedAt,
    resolution: e.open ? 'open' : e.resolution!,
    durationMs: e.durationMs,
    annotation: e.annotation,
  };
}

const SEVERITY_RANK = new Map(SEVERITIES.map((s, i) => [s, i]));
const mostSevere = (severities: readonly Severity[]): Severity =>
  [...severities].sort((a, b) => SEVERITY_RANK.get(a)! - SEVERITY_RANK.get(b)!)[0] ?? 'unknown';
const natural = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

function executionItem(x: RemediationRow, resource: number | null): ExecutionItem {
  return {
    executionId: x.executionId,
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
    parameters: x.parameters,
    steps: x.steps.map((s) => ({
      name: s.name,
      action: s.action,
      status: s.status,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      message: s.message ?? s.skipReason ?? null,
      inputs: s.inputs ?? null,
      failureMessage: s.failureMessage,
    })),
    previousState: x.previousState ?? null,
    plan: x.plan,
    resource,
  };
}

/** A digest of the report's data: printed in the HTML and carried by every export, so they can be matched. */
export function dataDigest(data: Omit<ReportData, 'digest'>): string {
  return createHash('sha256').update(JSON.stringify(data)).digest('hex');
}

/**
 * Everything the reports show, computed from the store: what was found and fixed in the period (overall, by
 * severity, control framework, account and region), compliance now (each resource's latest verdict) by control, rule
 * and account, each resource's story (every evaluation and remediation, for the drill-down and the evidence), the
 * trend per account, time to remediate per rule (automatic vs manual), open non-compliant resources, remediation
 * executions with their steps and the previous state they recorded, and every non-compliance episode.
 *
 * @example
 * const data = buildReport(store, { since: parseSince('90d'), catalog: RULES.map((r) => r.meta) });
 * data.summary.findings.fixed;
 */
export function buildReport(store: HistoryStore, options: ReportOptions = {}): ReportData {
  const now = options.now ?? new Date();
  const since = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const filter = { ruleId: options.ruleId, account: options.account };
  const evaluations = store.evaluations(filter);
  const remediations = store.remediations(filter);
  const timelines = buildTimelines(evaluations, remediations, now);
  const observed = observedAt(evaluations, store.runs());
  const catalog = new Map((options.catalog ?? []).map((r) => [r.id, r]));
  const severityOf = (ruleId: string): Severity => catalog.get(ruleId)?.severity ?? 'unknown';
  const controlsOf = (ruleId: string): ControlRef[] =>
    Object.entries(catalog.get(ruleId)?.controls ?? {}).flatMap(([framework, ids]) =>
      ids.map((controlId) => ({ framework, controlId })),
    );

  // Each resource's story: every evaluation in the period (and the one carried in), its executions, its episodes.
  const evaluationsOf = new Map<string, EvaluationRow[]>();
  for (const e of evaluations) {
    const k = keyString(e);
    const list = evaluationsOf.get(k);
    if (list) list.push(e);
    else evaluationsOf.set(k, [e]);
  }
  const indexOf = new Map(timelines.map((t, i) => [keyString(t.key), i]));
  const executions: ExecutionItem[] = remediations
    .filter((x) => Date.parse(x.startedAt) >= since)
    .map((x) => executionItem(x, indexOf.get(keyString(x)) ?? null))
    .reverse();
  const executionsOf = new Map<number, number[]>();
  // Executions are newest first: walking them backwards gives each resource its executions oldest first.
  for (let i = executions.length - 1; i >= 0; i--) {
    const resource = executions[i]!.resource;
    if (resource === null) continue;
    const list = executionsOf.get(resource);
    if (list) list.push(i);
    else executionsOf.set(resource, [i]);
  }
  const resources: ResourceItem[] = timelines.map((t, index) => {
    const rows = evaluationsOf.get(keyString(t.key)) ?? [];
    const firstInPeriod = rows.findIndex((e) => Date.parse(e.evaluatedAt) >= since);
    const shown = firstInPeriod === -1 ? rows.slice(-1) : rows.slice(Math.max(0, firstInPeriod - 1));
    const latest = rows.at(-1)!;
    return {
      index,
      ...t.key,
      severity: severityOf(t.key.ruleId),
      resourceName: rows.findLast((e) => e.resourceName)?.resourceName ?? null,
      current: t.current,
      annotation: latest.annotation,
      firstEvaluatedAt: rows[0]!.evaluatedAt,
      lastEvaluatedAt: t.lastEvaluatedAt,
      evaluations: shown.map((e) => ({
        at: e.evaluatedAt,
        verdict: e.verdict,
        annotation: e.annotation,
        runId: e.runId,
      })),
      executions: executionsOf.get(index) ?? [],
      episodes: t.episodes
        .filter((e) => e.open || Date.parse(e.closedAt!) >= since)
        .map((e) => episodeFields(e)),
    };
  });

  // Compliance now and findings in the period, along every dimension the summary shows.
  const totals = emptyCount();
  const findings = emptyFindings();
  const byRule = new Map<string, RuleCompliance>();
  const byAccount = new Map<string, AccountCompliance>();
  const bySeverity = new Map<Severity, SeveritySummary>();
  const byAccountRegion = new Map<string, AccountRegionSummary>();
  const byControl = new Map<string, ControlItem>();
  const byFrameworkFindings = new Map<string, FindingCounts>();
  const ruleIds = new Set([
    ...[...catalog.keys()].filter((id) => !options.ruleId || id === options.ruleId),
    ...timelines.map((t) => t.key.ruleId),
  ]);
  for (const ruleId of ruleIds) {
    byRule.set(ruleId, {
      ruleId,
      title: catalog.get(ruleId)?.title ?? null,
      severity: severityOf(ruleId),
      controls: controlsOf(ruleId),
      ...emptyCount(),
      findings: emptyFindings(),
    });
    for (const c of controlsOf(ruleId)) {
      const key = `${c.framework}:${c.controlId}`;
      const control = byControl.get(key) ?? {
        ...c,
        key,
        rules: [],
        severity: 'unknown' as Severity,
        status: 'not-evaluated' as const,
        count: emptyCount(),
        findings: emptyFindings(),
        resources: [],
      };
      control.rules.push(ruleId);
      control.severity = mostSevere(control.rules.map(severityOf));
      byControl.set(key, control);
    }
  }
  timelines.forEach((t, index) => {
    const { ruleId, account, region } = t.key;
    const severity = severityOf(ruleId);
    const rule = byRule.get(ruleId)!;
    const acct = byAccount.get(account) ?? {
      account,
      regions: [],
      ...emptyCount(),
      findings: emptyFindings(),
    };
    if (!acct.regions.includes(region)) acct.regions.push(region);
    byAccount.set(account, acct);
    const sev = bySeverity.get(severity) ?? { severity, ...emptyCount(), findings: emptyFindings() };
    bySeverity.set(severity, sev);
    const arKey = `${account}\u0000${region}`;
    const ar = byAccountRegion.get(arKey) ?? { account, region, ...emptyCount(), findings: emptyFindings() };
    byAccountRegion.set(arKey, ar);
    const controls = controlsOf(ruleId).map((c) => byControl.get(`${c.framework}:${c.controlId}`)!);
    const frameworks = [...new Set(controls.map((c) => c.framework))].map((f) => {
      const counts = byFrameworkFindings.get(f) ?? emptyFindings();
      byFrameworkFindings.set(f, counts);
      return counts;
    });
    for (const count of [totals, rule, acct, sev, ar, ...controls.map((c) => c.count)]) add(count, t.current);
    for (const c of controls) c.resources.push(index);
    for (const episode of t.episodes)
      for (const counts of [
        findings,
        rule.findings,
        acct.findings,
        sev.findings,
        ar.findings,
        ...controls.map((c) => c.findings),
        ...frameworks,
      ])
        countEpisode(counts, episode, since);
  });
  const controls = [...byControl.values()]
    .map((c) => ({
      ...c,
      status: c.count.nonCompliant > 0 ? 'failing' : c.count.compliant > 0 ? 'passing' : 'not-evaluated',
    }))
    .sort((a, b) => natural(a.framework, b.framework) || natural(a.controlId, b.controlId)) as ControlItem[];
  const byFramework: FrameworkSummary[] = [...new Set(controls.map((c) => c.framework))]
    .sort(natural)
    .map((framework) => {
      const mine = controls.filter((c) => c.framework === framework);
      return {
        framework,
        controls: mine.length,
        controlsFailing: mine.filter((c) => c.status === 'failing').length,
        controlsPassing: mine.filter((c) => c.status === 'passing').length,
        findings: byFrameworkFindings.get(framework) ?? emptyFindings(),
      };
    });

  const open: OpenFinding[] = timelines
    .flatMap((t, index) => t.episodes.filter((e) => e.open).map((e) => ({ t, e, index })))
    .map(({ t, e, index }) => ({
      ...t.key,
      severity: severityOf(t.key.ruleId),
      resourceName: resources[index]!.resourceName,
      openedAt: e.openedAt,
      ageMs: e.durationMs,
      annotation: e.annotation,
      remediationAttempts: e.remediations.length,
      lastRemediationStatus: e.remediations.at(-1)?.status ?? null,
      resource: index,
    }))
    .sort((a, b) => b.ageMs - a.ageMs);

  const firstRecord = [evaluations[0]?.evaluatedAt, remediations[0]?.startedAt]
    .filter((t): t is string => Boolean(t))
    .sort()[0];
  const accounts = [...byAccount.keys()].sort();
  const regions = [...new Set(timelines.map((t) => t.key.region))].sort();
  const data: Omit<ReportData, 'digest'> = {
    title: options.title ?? 'rebaseline compliance report',
    generatedAt: now.toISOString(),
    database: store.path,
    toolVersion: packageJson.version,
    since: options.since?.toISOString() ?? null,
    period: { from: options.since?.toISOString() ?? firstRecord ?? null, to: now.toISOString() },
    scope: {
      accounts,
      regions,
      rules: [...byRule.keys()].sort(),
      frameworks: byFramework.map((f) => f.framework),
    },
    totals: {
      ...totals,
      rules: byRule.size,
      accounts: accounts.length,
      regions: regions.length,
      openEpisodes: open.length,
      executions: executions.length,
    },
    summary: {
      findings,
      bySeverity: SEVERITIES.flatMap((s) => bySeverity.get(s) ?? []),
      byFramework,
      byAccountRegion: [...byAccountRegion.values()].sort(
        (a, b) => natural(a.account, b.account) || natural(a.region, b.region),
      ),
    },
    controls,
    byRule: sortByCount([...byRule.values()], (r) => r.ruleId),
    byAccount: sortByCount([...byAccount.values()], (r) => r.account).map((a) => ({
      ...a,
      regions: a.regions.sort(),
    })),
    trend: trendOf(evaluations, options.since, observed),
    trendByAccount: trendByAccount(evaluations, options.since, observed),
    timeToRemediate: mttrByRule(timelines, { since: options.since }),
    open,
    executions,
    episodes: episodesOf(timelines, options.since),
    resources,
    incidents: buildIncidentsSection(store, { since: options.since }),
  };
  return { ...data, digest: dataDigest(data) };
}

// ---------------------------------------------------------------------------------------------------------
// JSON and CSV (evidence packs).
// ---------------------------------------------------------------------------------------------------------

export const CSV_SECTIONS = [
  'episodes',
  'rules',
  'accounts',
  'controls',
  'evidence',
  'summary',
  'time-to-remediate',
  'open',
  'executions',
  'trend',
] as const;
export type CsvSection = (typeof CSV_SECTIONS)[number];

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
const findingsHeader = [
  'found',
  'fixed',
  'fixed_automatically',
  'fixed_manually',
  'fixed_out_of_band',
  'left_scope',
  'open',
];
const findingsCells = (f: FindingCounts): Cell[] => [
  f.found,
  f.fixed,
  f.fixedAutomatically,
  f.fixedManually,
  f.fixedOutOfBand,
  f.leftScope,
  f.open,
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
 * One section of the report as CSV (durations in seconds, times in ISO 8601 UTC). `evidence` is every evaluation and
 * remediation behind every control (or only `control`'s), for an audit binder.
 * @example
 * writeFileSync('episodes.csv', reportCsv(buildReport(store), 'episodes'));
 * writeFileSync('cis-5.2.csv', reportCsv(data, 'evidence', 'cis-aws-foundations-3.0:5.2'));
 */
export function reportCsv(data: ReportData, section: CsvSection = 'episodes', control?: string): string {
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
        ['rule_id', 'severity', 'title', 'controls', ...countHeader, ...findingsHeader],
        data.byRule.map((r) => [
          r.ruleId,
          r.severity,
          r.title,
          r.controls.map((c) => `${c.framework}:${c.controlId}`).join(' '),
          ...countCells(r),
          ...findingsCells(r.findings),
        ]),
      );
    case 'accounts':
      return csv(
        ['account', 'regions', ...countHeader, ...findingsHeader],
        data.byAccount.map((r) => [
          r.account,
          r.regions.join(' '),
          ...countCells(r),
          ...findingsCells(r.findings),
        ]),
      );
    case 'controls':
      return csv(
        ['framework', 'control_id', 'status', 'severity', 'rules', ...countHeader, ...findingsHeader],
        data.controls.map((c) => [
          c.framework,
          c.controlId,
          c.status,
          c.severity,
          c.rules.join(' '),
          ...countCells(c.count),
          ...findingsCells(c.findings),
        ]),
      );
    case 'evidence':
      return evidenceCsv(data, control === undefined ? data.controls : [findControl(data, control)]);
    case 'summary':
      return csv(
        ['dimension', 'value', 'region', ...findingsHeader, ...countHeader],
        [
          ['all', 'all', null, ...findingsCells(data.summary.findings), ...countCells(data.totals)],
          ...data.summary.bySeverity.map((s) => [
            'severity',
            s.severity,
            null,
            ...findingsCells(s.findings),
            ...countCells(s),
          ]),
          ...data.summary.byFramework.map((f) => [
            'framework',
            f.framework,
            null,
            ...findingsCells(f.findings),
            ...countHeader.map(() => null),
          ]),
          ...data.summary.byAccountRegion.map((a) => [
            'account',
            a.account,
            a.region,
            ...findingsCells(a.findings),
            ...countCells(a),
          ]),
        ],
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
          'resource_name',
          'severity',
          'non_compliant_since',
          'age_seconds',
          'annotation',
          'remediation_attempts',
          'last_remediation_status',
        ],
        data.open.map((o) => [
          ...resourceCells(o),
          o.resourceName,
          o.severity,
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
          'execution_id',
          'trigger',
          'dry_run',
          'status',
          'steps_succeeded',
          'steps_total',
          'error',
          'previous_state',
        ],
        data.executions.map((x) => [
          x.startedAt,
          x.endedAt,
          ...resourceCells(x),
          x.remediation,
          x.documentName,
          x.executionId,
          x.trigger,
          x.dryRun,
          x.status,
          x.stepsSucceeded,
          x.stepsTotal,
          x.error,
          x.previousState === null ? null : JSON.stringify(x.previousState),
        ]),
      );
    case 'trend':
      return csv(
        ['at', 'account', 'compliant', 'non_compliant'],
        [
          ...data.trend.map((p) => [p.at, 'all', p.compliant, p.nonCompliant]),
          ...data.trendByAccount.flatMap((t) =>
            t.points.map((p) => [p.at, t.account, p.compliant, p.nonCompliant]),
          ),
        ],
      );
  }
}

export type ReportFormat = 'html' | 'json' | 'csv';

export interface RenderOptions {
  section?: CsvSection;
  /** A control key (`framework:id`): JSON is that control's evidence; CSV `evidence` only its rows. */
  control?: string;
}

/**
 * Builds the report and writes it to `out` (creating its folder). The demo calls this last.
 * @returns the absolute path written.
 * @example
 * const path = writeReport(store, { format: 'html', out: 'rebaseline-reports/report.html' });
 * console.log(`Report: ${path}`);
 */
export function writeReport(
  store: HistoryStore,
  options: ReportOptions & RenderOptions & { format: ReportFormat; out: string },
): string {
  const path = resolve(options.out);
  const text = renderReport(buildReport(store, options), options.format, options);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

/** The report in one of its formats, as text. */
export function renderReport(data: ReportData, format: ReportFormat, options: RenderOptions = {}): string {
  if (format === 'html') return renderHtmlReport(data);
  if (format === 'json')
    return `${JSON.stringify(options.control ? controlEvidence(data, findControl(data, options.control)) : data, null, 2)}\n`;
  if (format === 'csv') return reportCsv(data, options.section, options.control);
  throw new UsageError(`Unknown report format ${String(format)}; use html, json or csv.`);
}
