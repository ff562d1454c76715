import { accountTrendSvg, escapeHtml, responsiveChart, seriesOf, timeToRemediateSvg } from './charts';
import { EVIDENCE_HEADER, evidenceFileName, evidenceParts } from './evidence';
import { formatDuration, formatTime } from './format';
import { renderIncidentsSection } from './incidents-report';
import type { DurationStats, RuleMttr } from './mttr';
import type {
  ComplianceCount,
  EvaluationItem,
  ExecutionItem,
  FindingCounts,
  ReportData,
  ResourceItem,
  Severity,
} from './report-data';

export { escapeHtml } from './charts';

// The report is one file that works opened from disk, offline, for years: no network, no CDN, no canvas, no web
// fonts; a Content-Security-Policy forbids any request. Everything works without JavaScript except sorting,
// filtering and the evidence downloads (which the CLI also writes: `rebaseline report --format csv --section evidence`).

const e = escapeHtml;
const pct = (c: ComplianceCount) =>
  c.percentCompliant === null ? '—' : `${Math.round(c.percentCompliant)}%`;
const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
const time = (iso: string | null | undefined) =>
  `<time datetime="${e(iso ?? '')}">${e(formatTime(iso))}</time>`;
const timeMs = (iso: string | null | undefined) =>
  `<time datetime="${e(iso ?? '')}">${e(formatTime(iso, { ms: true }))}</time>`;
const nowrap = (text: string) => `<span class="nowrap">${e(text)}</span>`;

const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  unknown: 'Unrated',
};
const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, unknown: 4 };

function severityBadge(severity: Severity): string {
  return `<span class="sev sev-${severity}" data-severity="${severity}">${SEVERITY_LABEL[severity]}</span>`;
}

const VERDICT_CLASS: Record<string, string> = {
  COMPLIANT: 'v-ok',
  NON_COMPLIANT: 'v-bad',
  NOT_APPLICABLE: 'v-na',
  INSUFFICIENT_DATA: 'v-na',
};
function verdictBadge(verdict: string): string {
  return `<span class="verdict ${VERDICT_CLASS[verdict] ?? 'v-na'}">${e(verdict.replace(/_/g, ' '))}</span>`;
}

function outcomeBadge(status: string, succeeded: boolean, dryRun: boolean): string {
  const cls = succeeded ? 'v-ok' : /fail|timedout|cancel/i.test(status) ? 'v-bad' : 'v-na';
  const text = dryRun && succeeded ? `${status} (planned)` : status;
  return `<span class="verdict ${cls}">${e(text)}</span>`;
}

/**
 * A table in a horizontally scrolling box, with the cue the script shows when it does not fit. Its caption is shown
 * above the box (a caption inside would scroll away with the columns) and kept in the table for screen readers.
 */
function tableWrap(table: string): string {
  const caption = /<caption>([\s\S]*?)<\/caption>/.exec(table)?.[1];
  const inner =
    caption === undefined
      ? table
      : table.replace(/<caption>[\s\S]*?<\/caption>/, `<caption class="sr-only">${caption}</caption>`);
  return `${caption === undefined ? '' : `<p class="caption" aria-hidden="true">${caption}</p>`}<div class="scroll-cue" hidden aria-hidden="true">Scroll sideways for more columns →</div><div class="table-wrap" tabindex="0">${inner}</div>`;
}

/** How a framework id of rule.json reads for people. */
const FRAMEWORK_NAMES: Record<string, string> = {
  'cis-aws-foundations-3.0': 'CIS AWS Foundations Benchmark 3.0',
  'aws-fsbp': 'AWS Foundational Security Best Practices',
};
const frameworkName = (id: string) => FRAMEWORK_NAMES[id] ?? id;
const FRAMEWORK_SHORT_NAMES: Record<string, string> = {
  'cis-aws-foundations-3.0': 'CIS AWS 3.0',
  'aws-fsbp': 'AWS FSBP',
};
const frameworkShortName = (id: string) => FRAMEWORK_SHORT_NAMES[id] ?? id;
/** A time on two lines (date, then time), for narrow table columns. */
const stackedTime = (iso: string) =>
  `<time datetime="${e(iso)}">${e(iso.slice(0, 10))}<br>${e(iso.slice(11, 23))}Z</time>`;

const num = (n: number, cls = '') => `<td class="num ${cls}" data-sort="${n}">${n}</td>`;
const findingCells = (f: FindingCounts) => num(f.found) + num(f.fixed) + num(f.open, f.open ? 'bad' : '');
const FINDING_HEAD =
  '<th scope="col" class="num">Found</th><th scope="col" class="num">Fixed</th><th scope="col" class="num">Open now</th>';
const meter = (c: ComplianceCount) => {
  const width = c.percentCompliant === null ? 0 : Math.round(c.percentCompliant);
  return `<td class="pct" data-sort="${c.percentCompliant ?? -1}"><span class="meter" aria-hidden="true"><span style="width:${width}%"></span></span>${pct(c)}</td>`;
};

const resourceAnchor = (index: number) => `resource-${index}`;
const ruleAnchor = (ruleId: string) => `rule-${ruleId.replace(/[^\w-]/g, '_')}`;
const controlAnchor = (key: string) => `control-${key.replace(/[^\w-]/g, '_')}`;

function resourceLabel(r: { resourceId: string; resourceName: string | null }): string {
  return `<span class="id">${e(r.resourceId)}</span>${r.resourceName && r.resourceName !== r.resourceId ? ` <span class="name">${e(r.resourceName)}</span>` : ''}`;
}

// ------------------------------------------------------------------------------------------------ summary

function summarySection(data: ReportData): string {
  const f = data.summary.findings;
  const t = data.totals;
  const all = data.timeToRemediate.all;
  const from = data.period.from ? time(data.period.from) : 'the first record';
  const lead =
    t.total === 0
      ? 'Nothing has been evaluated yet: run <code>rebaseline scan</code> or <code>rebaseline audit import</code>.'
      : `From ${from} to ${time(data.period.to)}, ${plural(f.found, 'non-compliance finding')} ${f.found === 1 ? 'was' : 'were'} found; ` +
        `<strong>${f.fixed} fixed</strong> (${f.fixedAutomatically} by automatic remediation, ${f.fixedManually} by a remediation a person ran, ${f.fixedOutOfBand} out-of-band)` +
        `${f.leftScope ? `, ${f.leftScope} left the rules’ scope` : ''}, and <strong>${plural(f.open, 'is', 'are')} open now</strong>. ` +
        `${t.compliant} of ${t.compliant + t.nonCompliant} evaluated resources are compliant now (${pct(t)}), across ${plural(t.accounts, 'account')}, ${plural(t.regions, 'region')} and ${plural(t.rules, 'rule')}.`;
  const card = (label: string, value: string, note: string, cls = '') =>
    `<div class="card ${cls}"><dt>${e(label)}</dt><dd>${e(value)}<small>${e(note)}</small></dd></div>`;
  const cards = [
    card('Found', String(f.found), 'non-compliance findings'),
    card(
      'Fixed',
      String(f.fixed),
      `${f.fixedAutomatically} automatic, ${f.fixedManually} manual, ${f.fixedOutOfBand} out-of-band`,
      f.fixed ? 'good' : '',
    ),
    card(
      'Open now',
      String(f.open),
      f.open ? 'non-compliant resources' : 'none open',
      f.open ? 'bad' : 'good',
    ),
    card('Compliant now', pct(t), `${t.compliant} of ${t.compliant + t.nonCompliant} resources`),
    card(
      'Automatic fix, median',
      formatDuration(all.automatic?.medianMs),
      all.automatic
        ? `p90 ${formatDuration(all.automatic.p90Ms)}, ${plural(all.automatic.count, 'fix', 'fixes')}`
        : 'none',
    ),
    card(
      'Manual fix, median',
      formatDuration(all.manual?.medianMs),
      all.manual
        ? `p90 ${formatDuration(all.manual.p90Ms)}, ${plural(all.manual.count, 'fix', 'fixes')}`
        : 'none',
    ),
  ].join('\n');

  const severityRows = data.summary.bySeverity
    .map(
      (s) =>
        `<tr><th scope="row" data-sort="${SEVERITY_ORDER[s.severity]}">${severityBadge(s.severity)}</th>${findingCells(s.findings)}${num(s.nonCompliant, s.nonCompliant ? 'bad' : '')}${num(s.compliant)}${meter(s)}</tr>`,
    )
    .join('\n');
  const frameworkRows = data.summary.byFramework
    .map(
      (fw) =>
        `<tr><th scope="row">${e(frameworkName(fw.framework))}<br><span class="muted small nowrap">${e(fw.framework)}</span></th>${num(fw.controls)}${num(fw.controlsFailing, fw.controlsFailing ? 'bad' : '')}${num(fw.controlsPassing)}${findingCells(fw.findings)}</tr>`,
    )
    .join('\n');
  const accountRows = data.summary.byAccountRegion
    .map(
      (a) =>
        `<tr><th scope="row">${nowrap(a.account)}</th><td>${nowrap(a.region)}</td>${findingCells(a.findings)}${num(a.nonCompliant, a.nonCompliant ? 'bad' : '')}${meter(a)}</tr>`,
    )
    .join('\n');
  const empty = (cols: number) => `<tr><td colspan="${cols}" class="empty">Nothing recorded.</td></tr>`;
  return `<section aria-labelledby="summary-heading" id="summary">
<h2 id="summary-heading">Summary</h2>
<p class="lead">${lead}</p>
<dl class="cards">
${cards}
</dl>
<h3>By severity</h3>
${tableWrap(`<table id="summary-severity" data-sortable>
<thead><tr><th scope="col">Severity</th>${FINDING_HEAD}<th scope="col" class="num">Non-compliant now</th><th scope="col" class="num">Compliant now</th><th scope="col">Compliance</th></tr></thead>
<tbody>${severityRows || empty(7)}</tbody></table>`)}
<h3>By control framework</h3>
${tableWrap(`<table id="summary-frameworks" data-sortable>
<thead><tr><th scope="col">Framework</th><th scope="col" class="num">Controls</th><th scope="col" class="num">Failing now</th><th scope="col" class="num">Passing now</th>${FINDING_HEAD}</tr></thead>
<tbody>${frameworkRows || empty(7)}</tbody></table>`)}
<h3>By account and region</h3>
${tableWrap(`<table id="summary-accounts" data-sortable>
<thead><tr><th scope="col">Account</th><th scope="col">Region</th>${FINDING_HEAD}<th scope="col" class="num">Non-compliant now</th><th scope="col">Compliance</th></tr></thead>
<tbody>${accountRows || empty(7)}</tbody></table>`)}
</section>`;
}

// ------------------------------------------------------------------------------------------------ trend

function trendSection(data: ReportData): string {
  if (data.trendByAccount.length === 0)
    return `<section aria-labelledby="trend-heading" id="trend"><h2 id="trend-heading">Compliance over time</h2>
<p class="muted">No evaluations recorded yet: run <code>rebaseline scan</code> or <code>rebaseline audit import</code>.</p></section>`;
  const legend = data.trendByAccount
    .map((t, i) => {
      const s = seriesOf(i);
      return `<li><svg class="swatch-line ${s.cls}" viewBox="0 0 28 10" aria-hidden="true"><line x1="1" x2="27" y1="5" y2="5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/></svg>${nowrap(t.account)} <span class="muted small">from ${e(formatTime(t.firstSeen))}</span></li>`;
    })
    .join('');
  const rows = data.trendByAccount
    .flatMap((t) =>
      t.points.map(
        (p) =>
          `<tr><td class="nowrap" data-sort="${e(p.at)}">${timeMs(p.at)}</td><td>${nowrap(t.account)}</td>${num(p.nonCompliant)}${num(p.compliant)}</tr>`,
      ),
    )
    .join('\n');
  return `<section aria-labelledby="trend-heading" id="trend">
<h2 id="trend-heading">Non-compliant resources over time, per account</h2>
<p class="muted small">Each account’s line starts when it was first evaluated; a newly scanned account adds a line instead of making the others look worse.</p>
${responsiveChart('trend', (v) => accountTrendSvg(data.trendByAccount, v))}
<ul class="legend">${legend}</ul>
<details><summary>Trend data</summary>${tableWrap(`<table id="trend-data" data-sortable>
<caption>Resources by latest verdict at each sample time, per account.</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col">Account</th><th scope="col" class="num">Non-compliant</th><th scope="col" class="num">Compliant</th></tr></thead>
<tbody>
${rows}
</tbody></table>`)}</details>
</section>`;
}

// ------------------------------------------------------------------------------------------------ controls

const STATUS_TEXT = { failing: 'Failing', passing: 'Passing', 'not-evaluated': 'Not evaluated' } as const;
const STATUS_CLASS = { failing: 'v-bad', passing: 'v-ok', 'not-evaluated': 'v-na' } as const;
const MAX_LISTED = 50;

function controlsSection(data: ReportData): string {
  const rows = data.controls
    .map((c) => {
      const resources = c.resources
        .map((i) => data.resources[i]!)
        .sort((a, b) => Number(b.current === 'NON_COMPLIANT') - Number(a.current === 'NON_COMPLIANT'));
      const listed = resources
        .slice(0, MAX_LISTED)
        .map(
          (r) =>
            `<li>${verdictBadge(r.current)} <a href="#${resourceAnchor(r.index)}" class="reveal">${resourceLabel(r)}</a> <span class="muted small">${e(r.account)} ${e(r.region)}</span></li>`,
        )
        .join('');
      const more =
        resources.length > MAX_LISTED
          ? `<li class="muted">and ${resources.length - MAX_LISTED} more: see the evidence export.</li>`
          : '';
      const now = `${c.count.nonCompliant} of ${c.count.compliant + c.count.nonCompliant}`;
      const list = resources.length
        ? `<details class="behind"><summary><span class="${c.count.nonCompliant ? 'bad' : ''}">${now}</span></summary><ul class="plain">${listed}${more}</ul></details>`
        : '<span class="muted">none evaluated</span>';
      return (
        `<tr id="${controlAnchor(c.key)}" data-control="${e(c.key)}"><th scope="row" data-sort="${e(c.key)}"><span class="nowrap">${e(c.controlId)}</span><br><span class="muted small nowrap" title="${e(frameworkName(c.framework))} (${e(c.framework)})">${e(frameworkShortName(c.framework))}</span></th>` +
        `<td data-sort="${SEVERITY_ORDER[c.severity]}">${severityBadge(c.severity)}</td>` +
        `<td class="status" data-sort="${c.status}"><span class="verdict ${STATUS_CLASS[c.status]}">${STATUS_TEXT[c.status]}</span></td>` +
        `<td>${c.rules.map((r) => `<a href="#${ruleAnchor(r)}" class="reveal nowrap">${e(r)}</a>`).join('<br>')}</td>` +
        `<td class="resources" data-sort="${c.count.nonCompliant}">${list}</td>${findingCells(c.findings)}` +
        `<td class="nowrap"><button type="button" class="download" data-evidence="${e(c.key)}" data-format="csv" aria-label="Evidence of ${e(c.key)} as CSV">CSV</button> <button type="button" class="download" data-evidence="${e(c.key)}" data-format="json" aria-label="Evidence of ${e(c.key)} as JSON">JSON</button></td></tr>`
      );
    })
    .join('\n');
  return `<section aria-labelledby="controls-heading" id="controls">
<h2 id="controls-heading">Controls</h2>
<p class="muted small">Each CIS AWS Foundations Benchmark and AWS Foundational Security Best Practices control a rule maps to (from its rule.json), with the rules and resources behind it. <strong>Evidence</strong> downloads every evaluation and remediation of those resources, with timestamps, as CSV or JSON for an audit binder (the same files as <code>rebaseline report --format csv --section evidence --control &lt;framework:id&gt;</code>). <button type="button" class="download" data-evidence="*" data-format="csv">All controls (CSV)</button></p>
${tableWrap(`<table id="controls-table" data-sortable>
<thead><tr><th scope="col">Control</th><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Rules</th><th scope="col">Non-compliant now</th>${FINDING_HEAD}<th scope="col">Evidence</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="9" class="empty">No rule with control mappings has been evaluated.</td></tr>'}
</tbody></table>`)}
</section>`;
}

// ------------------------------------------------------------------------------------------------ rules, accounts

function rulesSection(data: ReportData): string {
  const rows = data.byRule
    .map(
      (r) =>
        `<tr><th scope="row"><a href="#${ruleAnchor(r.ruleId)}" class="reveal nowrap">${e(r.ruleId)}</a>${r.title ? `<br><span class="muted small">${e(r.title)}</span>` : ''}</th>` +
        `<td data-sort="${SEVERITY_ORDER[r.severity]}">${severityBadge(r.severity)}</td>` +
        `<td class="small">${r.controls.map((c) => `<span class="nowrap">${e(c.framework)} ${e(c.controlId)}</span>`).join('<br>') || '—'}</td>` +
        `${num(r.compliant)}${num(r.nonCompliant, r.nonCompliant ? 'bad' : '')}${num(r.notApplicable)}${num(r.insufficientData)}${meter(r)}${findingCells(r.findings)}</tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="rules-heading" id="rules">
<h2 id="rules-heading">Compliance by rule</h2>
${tableWrap(`<table id="compliance-by-rule" data-sortable>
<caption>Each resource counted by its latest evaluation; found and fixed in the period.</caption>
<thead><tr><th scope="col">Rule</th><th scope="col">Severity</th><th scope="col">Controls</th><th scope="col" class="num">Compliant</th><th scope="col" class="num">Non-compliant</th><th scope="col" class="num">Not applicable</th><th scope="col" class="num">Insufficient data</th><th scope="col">Compliance</th>${FINDING_HEAD}</tr></thead>
<tbody>
${rows || '<tr><td colspan="11" class="empty">No evaluations recorded.</td></tr>'}
</tbody></table>`)}
</section>`;
}

function accountsSection(data: ReportData): string {
  const rows = data.byAccount
    .map(
      (a) =>
        `<tr><th scope="row">${nowrap(a.account)}</th><td>${a.regions.map(nowrap).join('<br>')}</td>` +
        `${num(a.compliant)}${num(a.nonCompliant, a.nonCompliant ? 'bad' : '')}${num(a.notApplicable)}${meter(a)}${findingCells(a.findings)}` +
        `<td><button type="button" class="show-resources" data-filter="${e(a.account)}">Resources</button></td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="accounts-heading" id="accounts">
<h2 id="accounts-heading">Compliance by account</h2>
${tableWrap(`<table id="compliance-by-account" data-sortable>
<caption>Each rule and resource counted by its latest evaluation; found and fixed in the period.</caption>
<thead><tr><th scope="col">Account</th><th scope="col">Regions</th><th scope="col" class="num">Compliant</th><th scope="col" class="num">Non-compliant</th><th scope="col" class="num">Not applicable</th><th scope="col">Compliance</th>${FINDING_HEAD}<th scope="col">Drill down</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="10" class="empty">No evaluations recorded.</td></tr>'}
</tbody></table>`)}
</section>`;
}

// ------------------------------------------------------------------------------------------------ drill-down

/** Documents often record state as JSON text in an output: shown parsed, so it reads as the structure it is. */
function readable(value: unknown): unknown {
  if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
    try {
      return readable(JSON.parse(value));
    } catch {
      return value;
    }
  }
  if (Array.isArray(value)) return value.map(readable);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v)]));
  return value;
}

function json(value: unknown): string {
  return `<pre class="json">${e(JSON.stringify(readable(value), null, 2))}</pre>`;
}

function executionDetail(x: ExecutionItem): string {
  const steps = x.steps
    .map(
      (s) =>
        `<tr><td class="nowrap">${e(s.name)}</td><td class="nowrap small">${e(s.action)}</td><td>${outcomeBadge(s.status, /^success/i.test(s.status), false)}</td>` +
        `<td class="nowrap small">${s.startedAt ? timeMs(s.startedAt) : '—'}</td><td class="detail">${e(s.failureMessage ?? s.message ?? '')}</td></tr>`,
    )
    .join('');
  const mutating = x.steps.filter(
    (s) =>
      s.action === 'aws:executeAwsApi' &&
      s.inputs &&
      !/^(Describe|Get|List|Head)/.test(String((s.inputs as { Api?: unknown }).Api ?? '')),
  );
  return `<div class="execution">
${tableWrap(`<table class="steps"><caption>Steps of ${e(x.executionId)}</caption><thead><tr><th scope="col">Step</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Started (UTC)</th><th scope="col">Detail</th></tr></thead><tbody>${steps || '<tr><td colspan="5" class="empty">No steps recorded.</td></tr>'}</tbody></table>`)}
${mutating.length ? `<h5>Changes made</h5>${mutating.map((s) => `<p class="small">${e(s.name)}:</p>${json(s.inputs)}`).join('')}` : ''}
${x.plan?.length ? `<h5>Planned changes (dry run)</h5>${json(x.plan)}` : ''}
<h5>Previous state recorded</h5>${x.previousState === null || x.previousState === undefined ? '<p class="muted small">None recorded.</p>' : json(x.previousState)}
<details><summary>Parameters</summary>${json(x.parameters)}</details>
</div>`;
}

/** Consecutive evaluations with the same verdict and annotation, as one line with their count and span. */
function evaluationRuns(
  evaluations: readonly EvaluationItem[],
): { first: EvaluationItem; last: EvaluationItem; count: number }[] {
  const runs: { first: EvaluationItem; last: EvaluationItem; count: number }[] = [];
  for (const ev of evaluations) {
    const run = runs.at(-1);
    if (run && run.last.verdict === ev.verdict && run.last.annotation === ev.annotation) {
      run.last = ev;
      run.count++;
    } else runs.push({ first: ev, last: ev, count: 1 });
  }
  return runs;
}

function timeline(r: ResourceItem, data: ReportData): string {
  const items: { at: string; order: number; html: string }[] = [];
  for (const run of evaluationRuns(r.evaluations)) {
    const repeated =
      run.count > 1 ? ` <span class="muted small">×${run.count}, until ${timeMs(run.last.at)}</span>` : '';
    items.push({
      at: run.first.at,
      order: 0,
      html: `<li class="ev"><span class="when">${timeMs(run.first.at)}</span> ${verdictBadge(run.first.verdict)}${repeated}${run.first.annotation ? `<div class="annotation">${e(run.first.annotation)}</div>` : ''}</li>`,
    });
  }
  for (const i of r.executions) {
    const x = data.executions[i]!;
    const mode = x.dryRun ? 'dry run' : x.trigger;
    items.push({
      at: x.startedAt,
      order: 1,
      html: `<li class="rem"><details><summary><span class="when">${timeMs(x.startedAt)}</span> <strong>Remediation</strong> ${nowrap(x.remediation)} ${outcomeBadge(x.status, x.succeeded, x.dryRun)} <span class="muted small">${e(mode)}, ${x.stepsSucceeded}/${x.stepsTotal} steps, ${e(formatDuration(x.durationMs))}</span></summary>${executionDetail(x)}</details></li>`,
    });
  }
  items.sort((a, b) => Date.parse(a.at) - Date.parse(b.at) || a.order - b.order);
  const episodes = r.episodes
    .map((ep) => {
      if (ep.resolution === 'open')
        return `<li>Non-compliant since ${time(ep.openedAt)}, open for ${e(formatDuration(ep.durationMs))}.</li>`;
      if (ep.resolution === 'not-applicable')
        return `<li>Non-compliant from ${time(ep.openedAt)}; left the rule’s scope at ${time(ep.closedAt)}.</li>`;
      const by =
        ep.resolution === 'out-of-band'
          ? 'out-of-band (no remediation recorded)'
          : `by ${e(ep.remediatedBy ?? 'a remediation')} (${ep.resolution})`;
      return `<li>Non-compliant at ${time(ep.openedAt)}, fixed ${by}, verified COMPLIANT at ${time(ep.closedAt)}: <strong>time to remediate ${e(formatDuration(ep.durationMs))}</strong>.</li>`;
    })
    .join('');
  return `${episodes ? `<ul class="episodes">${episodes}</ul>` : ''}<ol class="timeline">${items.map((i) => i.html).join('')}</ol>`;
}

function drilldownSection(data: ReportData): string {
  const byRule = new Map<string, ResourceItem[]>();
  for (const r of data.resources) {
    const list = byRule.get(r.ruleId);
    if (list) list.push(r);
    else byRule.set(r.ruleId, [r]);
  }
  const rules = data.byRule
    .filter((rule) => byRule.has(rule.ruleId))
    .map((rule) => {
      const resources = byRule.get(rule.ruleId)!;
      const groups = new Map<string, ResourceItem[]>();
      for (const r of resources) {
        const k = `${r.account} ${r.region}`;
        const list = groups.get(k);
        if (list) list.push(r);
        else groups.set(k, [r]);
      }
      const accounts = [...groups]
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, list]) => {
          const [account, region] = k.split(' ');
          const bad = list.filter((r) => r.current === 'NON_COMPLIANT').length;
          const items = list
            .sort(
              (a, b) =>
                Number(b.current === 'NON_COMPLIANT') - Number(a.current === 'NON_COMPLIANT') ||
                (a.resourceId < b.resourceId ? -1 : 1),
            )
            .map((r) => {
              const search = [
                r.ruleId,
                r.account,
                r.region,
                r.resourceType,
                r.resourceId,
                r.resourceName,
                r.annotation,
                r.current,
              ]
                .filter(Boolean)
                .join(' ')
                .toLowerCase();
              return `<details class="drill resource" id="${resourceAnchor(r.index)}" data-search="${e(search)}" data-verdict="${r.current}"><summary>${verdictBadge(r.current)} ${resourceLabel(r)} <span class="muted small">${e(r.resourceType)} · last evaluated ${e(formatTime(r.lastEvaluatedAt))}</span></summary>${timeline(r, data)}</details>`;
            })
            .join('\n');
          return `<details class="drill account" data-account="${e(account!)}"><summary>Account ${nowrap(account!)} · ${nowrap(region!)} <span class="muted small">${plural(list.length, 'resource')}${bad ? `, <span class="bad">${bad} non-compliant</span>` : ''}</span></summary>${items}</details>`;
        })
        .join('\n');
      return `<details class="drill rule" id="${ruleAnchor(rule.ruleId)}" data-rule="${e(rule.ruleId)}"><summary>${severityBadge(rule.severity)} <strong class="nowrap">${e(rule.ruleId)}</strong> <span class="muted small">${rule.nonCompliant ? `<span class="bad">${rule.nonCompliant} non-compliant</span>, ` : ''}${rule.compliant} compliant${rule.title ? ` · ${e(rule.title)}` : ''}</span></summary>${accounts}</details>`;
    })
    .join('\n');
  return `<section aria-labelledby="drill-heading" id="resources">
<h2 id="drill-heading">Rules, accounts and resources</h2>
<p class="muted small">Open a rule, then an account, then a resource: its timeline shows each evaluation and each remediation with its steps, the changes it made and the previous state it recorded.</p>
<div class="filters"><label for="resource-filter">Filter</label> <input id="resource-filter" type="search" placeholder="account, resource, name, annotation…"> <label class="check"><input id="non-compliant-only" type="checkbox"> Non-compliant only</label> <span id="resource-count" class="muted small" aria-live="polite"></span></div>
<div id="drilldown">${rules || '<p class="muted">No resources evaluated.</p>'}</div>
</section>`;
}

// ------------------------------------------------------------------------------------------------ time to remediate

function statsCells(s: DurationStats | null): string {
  if (!s) return '<td class="num" data-sort="0">0</td><td class="num muted" colspan="3">—</td>';
  return (
    `<td class="num" data-sort="${s.count}">${s.count}</td>` +
    `<td class="num" data-sort="${s.medianMs}">${e(formatDuration(s.medianMs))}</td>` +
    `<td class="num" data-sort="${s.p90Ms}">${e(formatDuration(s.p90Ms))}</td>` +
    `<td class="num" data-sort="${s.worstMs}">${e(formatDuration(s.worstMs))}</td>`
  );
}

function ttrRow(r: RuleMttr): string {
  const open = r.open.count ? `${r.open.count} (oldest ${formatDuration(r.open.oldestAgeMs)})` : '0';
  return (
    `<tr><th scope="row">${nowrap(r.ruleId)}</th>${statsCells(r.automatic)}${statsCells(r.manual)}` +
    `<td class="num">${r.outOfBand}</td><td class="num ${r.open.count ? 'bad' : ''}">${e(open)}</td></tr>`
  );
}

function ttrSection(data: ReportData): string {
  const rows = data.timeToRemediate.rules;
  const chart = rows.some((r) => r.automatic || r.manual)
    ? responsiveChart('ttr', (v) => timeToRemediateSvg(rows, v))
    : '<p class="muted">No non-compliance episode has been remediated yet.</p>';
  return `<section aria-labelledby="ttr-heading" id="time-to-remediate-section">
<h2 id="ttr-heading">Time to remediate</h2>
${chart}
${tableWrap(`<table id="time-to-remediate">
<caption>From the first NON_COMPLIANT evaluation of an episode to the next COMPLIANT evaluation. Open episodes are not in the statistics.</caption>
<thead>
<tr><th scope="col" rowspan="2">Rule</th><th scope="colgroup" colspan="4">Automatic</th><th scope="colgroup" colspan="4">Manual</th><th scope="col" rowspan="2" class="num">Out-of-band</th><th scope="col" rowspan="2" class="num">Open</th></tr>
<tr><th scope="col" class="num">Fixes</th><th scope="col" class="num">Median</th><th scope="col" class="num">p90</th><th scope="col" class="num">Worst</th><th scope="col" class="num">Fixes</th><th scope="col" class="num">Median</th><th scope="col" class="num">p90</th><th scope="col" class="num">Worst</th></tr>
</thead>
<tbody>
${rows.length ? rows.map(ttrRow).join('\n') : '<tr><td colspan="11" class="empty">No non-compliance episodes recorded.</td></tr>'}
</tbody>
<tfoot>${ttrRow({ ...data.timeToRemediate.all, ruleId: 'All rules' })}</tfoot>
</table>`)}
</section>`;
}

// ------------------------------------------------------------------------------------------------ open, executions

const resourceCells = (r: {
  resourceId: string;
  resourceName?: string | null;
  resourceType: string;
  account: string;
  region: string;
}) =>
  `<td>${resourceLabel({ resourceId: r.resourceId, resourceName: r.resourceName ?? null })}<br><span class="muted small nowrap">${e(r.resourceType)}</span></td>` +
  `<td>${nowrap(r.account)}</td><td>${nowrap(r.region)}</td>`;

function openSection(data: ReportData): string {
  const rows = data.open
    .map(
      (o) =>
        `<tr>${resourceCells(o)}<td><a href="#${resourceAnchor(o.resource)}" class="reveal nowrap">${e(o.ruleId)}</a></td><td data-sort="${SEVERITY_ORDER[o.severity]}">${severityBadge(o.severity)}</td>` +
        `<td class="nowrap" data-sort="${e(o.openedAt)}">${time(o.openedAt)}</td><td class="num" data-sort="${o.ageMs}">${e(formatDuration(o.ageMs))}</td>` +
        `<td class="annotation">${e(o.annotation ?? '')}</td><td class="num" data-sort="${o.remediationAttempts}">${o.remediationAttempts}${o.lastRemediationStatus ? ` <span class="muted">(last: ${e(o.lastRemediationStatus)})</span>` : ''}</td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="open-heading" id="open">
<h2 id="open-heading">Open non-compliant resources</h2>
<div class="filters"><label for="open-filter">Filter</label> <input id="open-filter" type="search" placeholder="rule, account, resource, annotation…"></div>
${tableWrap(`<table id="open-findings" data-sortable>
<caption>${plural(data.open.length, 'resource')} non-compliant now, oldest first.</caption>
<thead><tr><th scope="col">Resource</th><th scope="col">Account</th><th scope="col">Region</th><th scope="col">Rule</th><th scope="col">Severity</th><th scope="col">Non-compliant since (UTC)</th><th scope="col" class="num">Age</th><th scope="col">Annotation</th><th scope="col" class="num">Attempts</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="9" class="empty">No open non-compliant resources.</td></tr>'}
</tbody></table>`)}
</section>`;
}

function executionsSection(data: ReportData): string {
  const rows = data.executions
    .map(
      (x) =>
        `<tr><td data-sort="${e(x.startedAt)}">${stackedTime(x.startedAt)}</td>${resourceCells({ ...x, resourceName: x.resource === null ? null : data.resources[x.resource]!.resourceName })}` +
        `<td>${nowrap(x.remediation)}<br><span class="muted small">${e(x.trigger)}${x.dryRun ? ', dry run' : ''}</span></td>` +
        `<td class="outcome" data-sort="${e(x.status)}">${outcomeBadge(x.status, x.succeeded, x.dryRun)}<br><span class="muted small nowrap">${x.stepsSucceeded}/${x.stepsTotal} steps, ${e(formatDuration(x.durationMs))}</span>${x.error ? `<br><span class="small">${e(x.error)}</span>` : ''}</td>` +
        `<td>${x.resource === null ? '—' : `<a href="#${resourceAnchor(x.resource)}" class="reveal">Steps, changes, previous state</a>`}</td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="executions-heading" id="executions">
<h2 id="executions-heading">Remediation executions</h2>
${tableWrap(`<table id="remediation-executions" data-sortable>
<caption>${plural(data.executions.length, 'execution')}, newest first. <em>automatic</em>: started by AWS Config or rebaseline’s automatic mode; <em>manual</em>: run by a person (rebaseline remediate).</caption>
<thead><tr><th scope="col">Started (UTC)</th><th scope="col">Resource</th><th scope="col">Account</th><th scope="col">Region</th><th scope="col">Remediation, trigger</th><th scope="col">Outcome</th><th scope="col">What it changed</th></tr></thead>
<tbody>
${rows || '<tr><td colspan="7" class="empty">No remediation executions recorded.</td></tr>'}
</tbody></table>`)}
</section>`;
}

// ------------------------------------------------------------------------------------------------ evidence data

/**
 * What the download buttons save, embedded once as inert JSON (`<` escaped so it cannot end the script): each
 * the pieces each control's CSV and JSON documents are assembled from (see {@link evidenceParts}).
 */
function evidenceData(data: ReportData): string {
  const names: Record<string, { csv: string; json: string }> = {};
  for (const c of data.controls)
    names[c.key] = { csv: evidenceFileName(c, 'csv'), json: evidenceFileName(c, 'json') };
  return JSON.stringify({ names, header: EVIDENCE_HEADER, parts: evidenceParts(data) })
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

// ------------------------------------------------------------------------------------------------ page

const STYLE = `
:root{color-scheme:light dark;--bg:#f6f8fa;--surface:#fff;--text:#1f2328;--muted:#59636e;--border:#d1d9e0;--good:#1a7f37;--bad:#cf222e;--auto:#0969da;--manual:#bc4c00;--grid:#e6eaef;--link:#0969da;
--ok-fg:#116329;--ok-bg:#dafbe1;--bad-fg:#a40e26;--bad-bg:#ffebe9;--na-fg:#424a53;--na-bg:#eaeef2;
--sev-critical-fg:#fff;--sev-critical-bg:#a40e26;--sev-high-fg:#fff;--sev-high-bg:#bc4c00;--sev-medium-fg:#4d2d00;--sev-medium-bg:#fff1c2;--sev-low-fg:#0a3069;--sev-low-bg:#ddf4ff;--sev-unknown-fg:#424a53;--sev-unknown-bg:#eaeef2;
--s1:#0969da;--s2:#bc4c00;--s3:#8250df;--s4:#bf3989;--s5:#0a7b83}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--surface:#151b23;--text:#e6edf3;--muted:#9198a1;--border:#3d444d;--good:#3fb950;--bad:#f85149;--auto:#4493f8;--manual:#f0883e;--grid:#262c36;--link:#4493f8;
--ok-fg:#56d364;--ok-bg:#0f2d1a;--bad-fg:#ff9492;--bad-bg:#3c0d13;--na-fg:#d1d7e0;--na-bg:#2f3742;
--sev-critical-fg:#fff;--sev-critical-bg:#b62324;--sev-high-fg:#ffd8b5;--sev-high-bg:#5c2a0a;--sev-medium-fg:#f2cc60;--sev-medium-bg:#3b2300;--sev-low-fg:#79c0ff;--sev-low-bg:#0c2d6b;--sev-unknown-fg:#d1d7e0;--sev-unknown-bg:#2f3742;
--s1:#4493f8;--s2:#f0883e;--s3:#ab7df8;--s4:#db61a2;--s5:#39c5cf}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--link)}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 24px}
header{padding-top:28px}
h1{font-size:1.75rem;margin:0 0 4px;line-height:1.2}
h2{font-size:1.25rem;margin:0 0 10px}
h3{font-size:1rem;margin:18px 0 8px}
h5{font-size:.85rem;margin:12px 0 4px}
.meta,.muted{color:var(--muted)}
.meta code{font-size:.85em;overflow-wrap:anywhere}
.lead{font-size:1.02rem;max-width:95ch}
section{background:var(--surface);border:1px solid var(--border);border-radius:10px;padding:18px 22px;margin:18px 0;min-width:0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px;margin:0;padding:0}
.card{border:1px solid var(--border);border-radius:8px;padding:10px 12px}
.card dt{color:var(--muted);font-size:.78rem;text-transform:uppercase;letter-spacing:.04em}
.card dd{margin:4px 0 0;font-size:1.55rem;font-weight:600;font-variant-numeric:tabular-nums}
.card dd small{display:block;font-size:.8rem;font-weight:400;color:var(--muted)}
.card.bad dd{color:var(--bad)}.card.good dd{color:var(--good)}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
p.caption{color:var(--muted);font-size:.85rem;margin:4px 0 6px}
.table-wrap{overflow-x:auto;max-width:100%;background:linear-gradient(to right,var(--surface) 30%,transparent),linear-gradient(to left,var(--surface) 30%,transparent) 100% 0,radial-gradient(farthest-side at 0 50%,rgba(0,0,0,.22),transparent),radial-gradient(farthest-side at 100% 50%,rgba(0,0,0,.22),transparent) 100% 0;background-repeat:no-repeat;background-size:40px 100%,40px 100%,14px 100%,14px 100%;background-attachment:local,local,scroll,scroll}
.table-wrap:focus-visible{outline:2px solid var(--link)}
.scroll-cue{font-size:.8rem;color:var(--muted);text-align:right;margin:2px 0}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
caption{text-align:left;color:var(--muted);font-size:.85rem;padding-bottom:8px}
th,td{padding:6px 10px;border-bottom:1px solid var(--border);text-align:left;vertical-align:top}
thead th{font-size:.8rem;color:var(--muted);font-weight:600;white-space:nowrap}
tbody th{font-weight:500}
tfoot th,tfoot td{font-weight:600;border-top:2px solid var(--border)}
td.num,th.num{text-align:right;white-space:nowrap}
.nowrap,time{white-space:nowrap}
.small{font-size:.8rem}
td.annotation{min-width:28ch}td.detail{min-width:24ch}td.resources{min-width:12ch}
.bad,td.bad{color:var(--bad);font-weight:600}
td.empty{color:var(--muted);text-align:center;padding:18px}
td.pct{white-space:nowrap}
.meter{display:inline-block;width:70px;height:8px;border-radius:4px;background:var(--bad-bg);vertical-align:middle;overflow:hidden;margin-right:6px}
.meter span{display:block;height:100%;background:var(--good)}
.sev,.verdict{display:inline-block;padding:1px 8px;border-radius:999px;font-size:.78rem;font-weight:600;white-space:nowrap;line-height:1.5}
.sev-critical{color:var(--sev-critical-fg);background:var(--sev-critical-bg)}.sev-high{color:var(--sev-high-fg);background:var(--sev-high-bg)}.sev-medium{color:var(--sev-medium-fg);background:var(--sev-medium-bg)}.sev-low{color:var(--sev-low-fg);background:var(--sev-low-bg)}.sev-unknown{color:var(--sev-unknown-fg);background:var(--sev-unknown-bg)}
.v-ok{color:var(--ok-fg);background:var(--ok-bg)}.v-bad{color:var(--bad-fg);background:var(--bad-bg)}.v-na{color:var(--na-fg);background:var(--na-bg)}
.id{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;white-space:nowrap}
.name{color:var(--muted);white-space:nowrap}
button{font:inherit;font-size:.85rem;color:var(--text);background:var(--bg);border:1px solid var(--border);border-radius:6px;padding:2px 10px;cursor:pointer}
button:focus-visible,summary:focus-visible,a:focus-visible{outline:2px solid var(--link);outline-offset:2px}
button.sort{all:unset;cursor:pointer;font:inherit;color:inherit;text-align:inherit}
th[aria-sort=ascending] button.sort::after{content:" ▲"/""}th[aria-sort=descending] button.sort::after{content:" ▼"/""}
.chart-box{container-type:inline-size;width:100%}
.chart-variant{display:none}
@container (max-width:499.98px){.chart-s{display:block}}
@container (min-width:500px) and (max-width:729.98px){.chart-m{display:block}}
@container (min-width:730px){.chart-l{display:block}}
.chart{width:100%;height:auto;display:block;overflow:visible}
.chart text{fill:var(--muted);font-size:var(--chart-font,12px);font-family:inherit}
.chart .label,.chart .value{fill:var(--text)}
.chart .value.muted{fill:var(--muted)}
.chart .grid{stroke:var(--grid);stroke-width:1}.chart .axis{stroke:var(--border);stroke-width:1}
.chart .line{fill:none;stroke-width:2.5}
.chart .point{stroke:var(--surface);stroke-width:1.5}
.series-1{--series:var(--s1)}.series-2{--series:var(--s2)}.series-3{--series:var(--s3)}.series-4{--series:var(--s4)}.series-5{--series:var(--s5)}
.chart .series .line{stroke:var(--series)}.chart .series .point{fill:var(--series)}
.chart .bar.automatic{fill:var(--auto)}.chart .bar.manual{fill:var(--manual)}
.legend{display:flex;flex-wrap:wrap;gap:6px 18px;list-style:none;padding:0;margin:8px 0 0;font-size:.85rem}
.swatch-line{width:28px;height:10px;vertical-align:middle;margin-right:6px}.swatch-line line{stroke:var(--series);stroke-width:3}
details{margin-top:8px}summary{cursor:pointer}
details>summary{color:var(--text)}
.filters{display:flex;flex-wrap:wrap;align-items:center;gap:6px 12px;margin-bottom:10px}
input[type=search]{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--border);border-radius:6px;padding:5px 10px;width:min(340px,100%)}
.check{white-space:nowrap}
.drill{border-left:2px solid var(--border);padding-left:10px;margin:6px 0}
.drill>summary{padding:3px 0;line-height:1.7}
.drill.rule{border-left-color:var(--link)}
.drill.account,.drill.resource{margin-left:4px}
.timeline{list-style:none;margin:6px 0 10px;padding:0 0 0 4px}
.timeline>li{padding:5px 0;border-bottom:1px dashed var(--border)}
.timeline .when{font-variant-numeric:tabular-nums;color:var(--muted);font-size:.85rem}
.timeline .annotation{font-size:.88rem;margin:2px 0 0 2px}
.episodes{margin:6px 0;padding-left:18px;font-size:.88rem}
ul.plain{list-style:none;margin:4px 0;padding:0}ul.plain li{margin:2px 0;white-space:nowrap}
details.behind{margin:0}
pre.json{font-size:.8rem;background:var(--bg);border:1px solid var(--border);border-radius:6px;padding:8px;overflow-x:auto;max-width:100%;margin:4px 0}
.execution{margin:6px 0 6px 6px}
footer{color:var(--muted);font-size:.85rem;padding-bottom:40px}
footer p{max-width:95ch}
footer code{overflow-wrap:anywhere}
@media (max-width:600px){header,main,footer{padding:0 10px}header{padding-top:16px}section{padding:14px 12px;border-radius:8px}h1{font-size:1.4rem}.drill{padding-left:6px}.drill.account,.drill.resource{margin-left:0}}
@media print{body{background:#fff}section{break-inside:avoid-page;border-color:#ccc}.scroll-cue,.download,.filters{display:none}details>*{display:block}}
`;

// Sorting, filters, drill-down links, the scroll cue and the evidence downloads. The page is complete without it.
const SCRIPT = `
(function () {
  'use strict';
  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
  each(document.querySelectorAll('table[data-sortable]'), function (table) {
    if (!table.tHead || !table.tBodies[0]) return;
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    headers.forEach(function (th, index) {
      var button = document.createElement('button');
      button.type = 'button';
      button.className = 'sort';
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener('click', function () {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        headers.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var value = function (row) {
          var cell = row.cells[index];
          var raw = cell ? (cell.getAttribute('data-sort') || cell.textContent || '').trim() : '';
          var n = Number(raw);
          return raw !== '' && !isNaN(n) ? n : raw.toLowerCase();
        };
        Array.prototype.slice.call(body.rows)
          .sort(function (a, b) {
            var x = value(a), y = value(b);
            var c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
            return ascending ? c : -c;
          })
          .forEach(function (row) { body.appendChild(row); });
      });
    });
  });

  var openFilter = document.getElementById('open-filter');
  if (openFilter) openFilter.addEventListener('input', function () {
    var q = openFilter.value.trim().toLowerCase();
    each(document.querySelectorAll('#open-findings tbody tr'), function (row) {
      row.hidden = q !== '' && row.textContent.toLowerCase().indexOf(q) === -1;
    });
  });

  var filter = document.getElementById('resource-filter');
  var onlyBad = document.getElementById('non-compliant-only');
  var count = document.getElementById('resource-count');
  var applyFilter = function () {
    var q = filter.value.trim().toLowerCase();
    var bad = onlyBad.checked;
    var shown = 0, total = 0;
    each(document.querySelectorAll('#drilldown details.resource'), function (d) {
      total++;
      var match = (q === '' || d.getAttribute('data-search').indexOf(q) !== -1) && (!bad || d.getAttribute('data-verdict') === 'NON_COMPLIANT');
      d.hidden = !match;
      if (match) shown++;
    });
    each(document.querySelectorAll('#drilldown details.account, #drilldown details.rule'), function (d) {
      var visible = d.querySelectorAll('details.resource:not([hidden])').length;
      d.hidden = visible === 0;
      if (q !== '' || bad) d.open = visible > 0;
    });
    count.textContent = q === '' && !bad ? '' : shown + ' of ' + total + ' resources';
  };
  if (filter && onlyBad) {
    filter.addEventListener('input', applyFilter);
    onlyBad.addEventListener('change', applyFilter);
  }
  each(document.querySelectorAll('button.show-resources'), function (button) {
    button.addEventListener('click', function () {
      filter.value = button.getAttribute('data-filter');
      applyFilter();
      document.getElementById('resources').scrollIntoView();
    });
  });

  var reveal = function (id) {
    var target = id && document.getElementById(id);
    if (!target) return;
    for (var node = target; node; node = node.parentElement) {
      if (node.tagName === 'DETAILS') { node.open = true; node.hidden = false; }
    }
    target.scrollIntoView();
  };
  each(document.querySelectorAll('a.reveal'), function (a) {
    a.addEventListener('click', function () { reveal(a.getAttribute('href').slice(1)); });
  });
  if (location.hash) reveal(decodeURIComponent(location.hash.slice(1)));

  var cues = function () {
    each(document.querySelectorAll('.table-wrap'), function (wrap) {
      var cue = wrap.previousElementSibling;
      if (cue && cue.classList.contains('scroll-cue')) cue.hidden = wrap.scrollWidth <= wrap.clientWidth + 1 || wrap.offsetParent === null;
    });
  };
  cues();
  window.addEventListener('resize', cues);
  document.addEventListener('toggle', cues, true);

  // assembleEvidence (app/history/evidence.ts), line for line: the same document as rebaseline report --control.
  var assemble = function (parts, key) {
    var entry = parts.controls[key];
    return {
      report: parts.report,
      control: entry.control,
      resources: entry.resources.map(function (i) {
        var r = parts.resources[i];
        return Object.assign({}, r, { remediations: r.remediations.map(function (x) { return parts.executions[x]; }) });
      }),
    };
  };
  // assembleEvidenceCsv and csvCell (app/history/evidence.ts), line for line.
  var cell = function (value) {
    if (value === null || value === undefined) return '';
    if (typeof value !== 'string') return String(value);
    var safe = /^[=+\\-@\\t\\r]/.test(value) ? "'" + value : value;
    return /[",\\r\\n]/.test(safe) ? '"' + safe.replace(/"/g, '""') + '"' : safe;
  };
  var line = function (cells) { return cells.map(cell).join(','); };
  var assembleCsv = function (parts, keys) {
    var lines = [line(evidence.header)];
    keys.forEach(function (key) {
      var control = parts.controls[key].control;
      var records = [];
      parts.controls[key].resources.forEach(function (i) {
        var r = parts.resources[i];
        var where = [r.ruleId, r.account, r.region, r.resourceType, r.resourceId, r.resourceName];
        r.evaluations.forEach(function (e) {
          records.push({ at: Date.parse(e.at), order: 0, cells: ['evaluation', e.at, null].concat(where, [e.verdict, e.annotation, null, null, null, null, e.runId]) });
        });
        r.remediations.map(function (n) { return parts.executions[n]; }).forEach(function (x) {
          records.push({ at: Date.parse(x.startedAt), order: 1, cells: ['remediation', x.startedAt, x.endedAt].concat(where, [x.status, x.error, x.remediation, x.trigger, x.dryRun, x.executionId, null]) });
        });
      });
      records.sort(function (a, b) { return a.at - b.at || a.order - b.order; });
      records.forEach(function (r) { lines.push(line([control.framework, control.controlId].concat(r.cells))); });
    });
    return lines.join('\\r\\n') + '\\r\\n';
  };
  var evidence = JSON.parse(document.getElementById('evidence-data').textContent);
  each(document.querySelectorAll('button.download'), function (button) {
    button.addEventListener('click', function () {
      var key = button.getAttribute('data-evidence');
      var json = button.getAttribute('data-format') === 'json';
      var all = key === '*';
      if (!all && !evidence.names[key]) return;
      var text = json
        ? JSON.stringify(assemble(evidence.parts, key), null, 2) + '\\n'
        : assembleCsv(evidence.parts, all ? Object.keys(evidence.parts.controls) : [key]);
      var name = all ? 'evidence-all-controls.csv' : evidence.names[key][json ? 'json' : 'csv'];
      var url = URL.createObjectURL(new Blob([text], { type: json ? 'application/json' : 'text/csv' }));
      var a = document.createElement('a');
      a.href = url;
      a.download = name;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    });
  });
})();
`;

/**
 * The report as one self-contained HTML page (inline CSS, SVG and a few lines of JavaScript; a
 * Content-Security-Policy that forbids any network access).
 *
 * @example
 * writeFileSync('report.html', renderHtmlReport(buildReport(store, { catalog: RULES.map((r) => r.meta) })));
 */
export function renderHtmlReport(data: ReportData): string {
  const scope = `${plural(data.totals.accounts, 'account')}, ${plural(data.totals.regions, 'region')}, ${plural(data.totals.rules, 'rule')}`;
  const sections = [
    summarySection(data),
    trendSection(data),
    controlsSection(data),
    rulesSection(data),
    accountsSection(data),
    drilldownSection(data),
    ttrSection(data),
    openSection(data),
    executionsSection(data),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="rebaseline ${e(data.toolVersion)}">
<title>${e(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${e(data.title)}</h1>
<p class="meta">Period <strong>${data.period.from ? time(data.period.from) : 'from the first record'} → ${time(data.period.to)}</strong> (UTC) · ${e(scope)}. Generated ${time(data.generatedAt)} by rebaseline ${e(data.toolVersion)} from <code>${e(data.database)}</code>.</p>
</header>
<main>
${sections.join('\n')}
${renderIncidentsSection(data.incidents)}
</main>
<footer>
<p><strong>How findings and time to remediate are counted.</strong> A non-compliance episode (a finding) starts at a resource's first NON_COMPLIANT evaluation for a rule and ends at its next COMPLIANT evaluation: the fix verified, not merely attempted; a resource that flaps has one episode per stretch. <em>Found</em> counts episodes that started in the period, <em>fixed</em> those that ended COMPLIANT in it, <em>open now</em> those still open. An episode is fixed <em>automatically</em> when a successful remediation started by AWS Config (or rebaseline's automatic mode) ran during it, <em>manually</em> when a person ran one, and <em>out-of-band</em> (counted as manual in time to remediate) when it became compliant with no remediation recorded. Episodes that ended because the resource left the rule's scope are not timed. The median of an even count is the mean of the two middle values; p90 is the nearest-rank 90th percentile. Compliance now counts each resource by its latest evaluation.</p>
<p>This file needs no network and can be archived as evidence. Data SHA-256 <code>${e(data.digest)}</code>; every evidence export carries the same digest.</p>
</footer>
<script type="application/json" id="evidence-data">${evidenceData(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
