import { UsageError } from '../../shared/errors';
import type { ControlItem, ReportData } from './report-data';

// Evidence for an audit binder: per control, every evaluation and remediation of the resources behind it, with
// timestamps. The CLI (`report --format csv --section evidence`, `report --format json --control …`) and the HTML
// report's download buttons produce the same bytes from these functions.

export type Cell = string | number | boolean | null | undefined;

/** RFC 4180 quoting; text that a spreadsheet would run as a formula is prefixed with `'`. */
export function csvCell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A CSV document: a header row, then rows, CRLF line ends. */
export function csv(header: string[], rows: Cell[][]): string {
  return `${[header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

/**
 * The control a `--control` value names: its key (`cis-aws-foundations-3.0:5.2`) or, when unambiguous, its id alone.
 * @throws UsageError listing the controls of the report when none (or several) match.
 */
export function findControl(data: ReportData, control: string): ControlItem {
  const exact = data.controls.find((c) => c.key === control);
  if (exact) return exact;
  const byId = data.controls.filter((c) => c.controlId === control);
  if (byId.length === 1) return byId[0]!;
  throw new UsageError(
    `${byId.length > 1 ? 'Ambiguous' : 'Unknown'} control ${control}; controls: ${data.controls.map((c) => c.key).join(', ') || 'none'}.`,
  );
}

/** A file name for a control's evidence: `evidence-cis-aws-foundations-3.0-5.2.csv`. */
export function evidenceFileName(control: Pick<ControlItem, 'key'>, extension: 'csv' | 'json'): string {
  return `evidence-${control.key.replace(/[^\w.-]+/g, '-')}.${extension}`;
}

/**
 * The pieces every control's JSON evidence is assembled from, each held once: the report it comes from (period,
 * digest), each control, each resource (every evaluation and episode), each remediation execution (steps,
 * parameters, previous state). The HTML report embeds these and assembles a control's document on download with
 * {@link assembleEvidence}, so the evidence of twenty controls does not repeat the same executions twenty times.
 */
export function evidenceParts(data: ReportData) {
  return {
    report: {
      title: data.title,
      generatedAt: data.generatedAt,
      database: data.database,
      toolVersion: data.toolVersion,
      period: data.period,
      digest: data.digest,
    },
    controls: Object.fromEntries(
      data.controls.map((c) => [
        c.key,
        {
          control: {
            framework: c.framework,
            controlId: c.controlId,
            key: c.key,
            status: c.status,
            severity: c.severity,
            rules: c.rules.map((id) => {
              const rule = data.byRule.find((r) => r.ruleId === id);
              return { id, title: rule?.title ?? null, severity: rule?.severity ?? 'unknown' };
            }),
            compliance: c.count,
            findings: c.findings,
          },
          resources: c.resources,
        },
      ]),
    ),
    resources: data.resources.map((r) => ({
      ruleId: r.ruleId,
      account: r.account,
      region: r.region,
      resourceType: r.resourceType,
      resourceId: r.resourceId,
      resourceName: r.resourceName,
      current: r.current,
      lastEvaluatedAt: r.lastEvaluatedAt,
      evaluations: r.evaluations,
      remediations: r.executions,
      episodes: r.episodes,
    })),
    executions: data.executions.map(({ resource: _resource, ...execution }) => execution),
  };
}

export type EvidenceParts = ReturnType<typeof evidenceParts>;

/**
 * One control's evidence document from the {@link evidenceParts}: the report, the control, and each resource behind
 * it with its remediation executions in full. The HTML report's script is this function, line for line.
 */
export function assembleEvidence(parts: EvidenceParts, key: string) {
  const entry = parts.controls[key]!;
  return {
    report: parts.report,
    control: entry.control,
    resources: entry.resources.map((i) => {
      const r = parts.resources[i]!;
      return { ...r, remediations: r.remediations.map((x) => parts.executions[x]) };
    }),
  };
}

/**
 * One control's evidence as a JSON document: the report it comes from (period, digest), the control, and for each
 * resource behind it every evaluation, every remediation execution (steps, parameters, previous state) and episode.
 * @example
 * writeFileSync('cis-5.2.json', JSON.stringify(controlEvidence(data, findControl(data, 'cis-aws-foundations-3.0:5.2'))));
 */
export function controlEvidence(data: ReportData, control: ControlItem) {
  return assembleEvidence(evidenceParts(data), control.key);
}

/** The columns of the evidence CSV. */
export const EVIDENCE_HEADER = [
  'framework',
  'control_id',
  'record',
  'at',
  'ended_at',
  'rule_id',
  'account',
  'region',
  'resource_type',
  'resource_id',
  'resource_name',
  'verdict_or_status',
  'annotation_or_error',
  'remediation',
  'trigger',
  'dry_run',
  'execution_id',
  'run_id',
];

/**
 * The evidence CSV of some controls from the {@link evidenceParts}: per control, one row per evaluation and per
 * remediation execution of the resources behind it, in time order (an evaluation before an execution at the same
 * instant). The HTML report's script is this function, line for line, so a download and the CLI give the same bytes.
 */
export function assembleEvidenceCsv(parts: EvidenceParts, keys: readonly string[]): string {
  const line = (cells: Cell[]) => cells.map(csvCell).join(',');
  const lines = [line(EVIDENCE_HEADER)];
  for (const key of keys) {
    const control = parts.controls[key]!.control;
    const records: { at: number; order: number; cells: Cell[] }[] = [];
    for (const i of parts.controls[key]!.resources) {
      const r = parts.resources[i]!;
      const where = [r.ruleId, r.account, r.region, r.resourceType, r.resourceId, r.resourceName];
      for (const e of r.evaluations)
        records.push({
          at: Date.parse(e.at),
          order: 0,
          cells: [
            'evaluation',
            e.at,
            null,
            ...where,
            e.verdict,
            e.annotation,
            null,
            null,
            null,
            null,
            e.runId,
          ],
        });
      for (const x of r.remediations.map((n) => parts.executions[n]!))
        records.push({
          at: Date.parse(x.startedAt),
          order: 1,
          cells: [
            'remediation',
            x.startedAt,
            x.endedAt,
            ...where,
            x.status,
            x.error,
            x.remediation,
            x.trigger,
            x.dryRun,
            x.executionId,
            null,
          ],
        });
    }
    records.sort((a, b) => a.at - b.at || a.order - b.order);
    for (const r of records) lines.push(line([control.framework, control.controlId, ...r.cells]));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * Evidence as CSV: one row per evaluation and per remediation execution of every resource behind each control, in
 * time order within a control (times ISO 8601 UTC).
 */
export function evidenceCsv(data: ReportData, controls: readonly ControlItem[]): string {
  return assembleEvidenceCsv(
    evidenceParts(data),
    controls.map((c) => c.key),
  );
}
