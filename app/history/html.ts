import { formatDuration, formatTime } from './format';
import type { DurationStats, RuleMttr } from './mttr';
import type { ComplianceCount, ReportData, TrendPoint } from './report-data';

// The report is one file that works opened from disk, offline, for years: no network, no CDN, no canvas. Charts
// are SVG computed here (so the numbers in them are the numbers in the tables), styled by the page's CSS
// variables (so they follow light and dark mode), with a <title> on every mark for pointer and screen reader.

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const e = escapeHtml;
const round = (n: number) => Math.round(n * 10) / 10;
const pct = (c: ComplianceCount) =>
  c.percentCompliant === null ? '—' : `${Math.round(c.percentCompliant)}%`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A y-axis maximum and tick step with at most five integer ticks. */
function niceScale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 1, step: 1 };
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude);
  return { top: Math.ceil(max / step) * step, step };
}

function timeLabel(iso: string, spanMs: number): string {
  if (spanMs < 86_400_000) return `${iso.slice(11, 19)}Z`;
  if (spanMs < 30 * 86_400_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}Z`;
  return iso.slice(0, 10);
}

/**
 * The compliance trend as an SVG line chart: resources NON_COMPLIANT and COMPLIANT over time, as step lines
 * (a resource keeps its verdict until it is evaluated again), one titled point per sample.
 */
export function trendChartSvg(points: readonly TrendPoint[]): string {
  const W = 880;
  const H = 280;
  const m = { l: 48, r: 20, t: 16, b: 40 };
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const span = t1 - t0;
  const x = (t: number) => round(m.l + (span === 0 ? iw / 2 : ((t - t0) / span) * iw));
  const { top, step } = niceScale(Math.max(...points.map((p) => Math.max(p.compliant, p.nonCompliant))));
  const y = (v: number) => round(m.t + ih - (v / top) * ih);
  const grid: string[] = [];
  for (let v = 0; v <= top; v += step)
    grid.push(
      `<line class="grid" x1="${m.l}" x2="${W - m.r}" y1="${y(v)}" y2="${y(v)}"/>` +
        `<text class="tick" x="${m.l - 8}" y="${y(v) + 4}" text-anchor="end">${v}</text>`,
    );
  // Time labels left to right, skipping any that would overlap the previous one; the last point is always labelled.
  const minGap = 120;
  const labelled: number[] = [];
  points.forEach((_, i) => {
    const prev = labelled.at(-1);
    if (prev === undefined || x(times[i]!) - x(times[prev]!) >= minGap) labelled.push(i);
    else if (i === points.length - 1 && labelled.length > 1) labelled[labelled.length - 1] = i;
  });
  const labels = labelled.map((i) => {
    const anchor =
      points.length === 1 ? 'middle' : i === 0 ? 'start' : i === points.length - 1 ? 'end' : 'middle';
    return `<text class="tick" x="${x(times[i]!)}" y="${H - m.b + 20}" text-anchor="${anchor}">${e(timeLabel(points[i]!.at, span))}</text>`;
  });
  const series = (name: 'nonCompliant' | 'compliant', cls: string, label: string) => {
    const d = points
      .map((p, i) => (i === 0 ? `M${x(times[i]!)} ${y(p[name])}` : `H${x(times[i]!)} V${y(p[name])}`))
      .join(' ');
    const dots = points
      .map(
        (p, i) =>
          `<circle class="point ${cls}" cx="${x(times[i]!)}" cy="${y(p[name])}" r="4" data-at="${e(p.at)}" data-value="${p[name]}">` +
          `<title>${e(formatTime(p.at))}: ${p[name]} ${label}</title></circle>`,
      )
      .join('');
    return `<path class="line ${cls}" d="${d}"/>${dots}`;
  };
  const last = points.at(-1)!;
  return [
    `<svg id="trend-chart" class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="trend-title trend-desc" xmlns="http://www.w3.org/2000/svg">`,
    '<title id="trend-title">Resources by latest verdict over time</title>',
    `<desc id="trend-desc">${points.length} samples from ${e(formatTime(points[0]!.at))} to ${e(formatTime(last.at))}. ` +
      `Latest: ${last.nonCompliant} non-compliant, ${last.compliant} compliant.</desc>`,
    ...grid,
    `<line class="axis" x1="${m.l}" x2="${W - m.r}" y1="${y(0)}" y2="${y(0)}"/>`,
    ...labels,
    series('compliant', 'compliant', 'compliant'),
    series('nonCompliant', 'non-compliant', 'non-compliant'),
    '</svg>',
  ].join('\n');
}

/** Median time to remediate per rule as horizontal bars, automatic and manual side by side. */
export function timeToRemediateChartSvg(rules: readonly RuleMttr[]): string {
  const rows = rules.filter((r) => r.automatic || r.manual);
  const W = 880;
  const labelW = 270;
  const valueW = 150;
  const bar = 14;
  const gap = 4;
  const group = 2 * bar + gap + 18;
  const top = 28;
  const H = top + rows.length * group + 8;
  const iw = W - labelW - valueW;
  const max = Math.max(...rows.flatMap((r) => [r.automatic?.medianMs ?? 0, r.manual?.medianMs ?? 0]), 1);
  const width = (v: number) => round(Math.max(2, (v / max) * iw));
  const barOf = (rule: string, kind: 'automatic' | 'manual', s: DurationStats | null, yPos: number) => {
    if (!s)
      return `<text class="value muted" x="${labelW}" y="${yPos + bar - 3}">${kind}: no remediated episodes</text>`;
    const text = `${formatDuration(s.medianMs)} (${plural(s.count, 'episode')})`;
    return (
      `<rect class="bar ${kind}" x="${labelW}" y="${yPos}" width="${width(s.medianMs)}" height="${bar}" rx="2" data-rule="${e(rule)}" data-kind="${kind}" data-median-ms="${s.medianMs}">` +
      `<title>${e(rule)}, ${kind}: median ${e(formatDuration(s.medianMs))}, p90 ${e(formatDuration(s.p90Ms))}, worst ${e(formatDuration(s.worstMs))} over ${plural(s.count, 'episode')}</title></rect>` +
      `<text class="value" x="${labelW + width(s.medianMs) + 6}" y="${yPos + bar - 3}">${e(text)}</text>`
    );
  };
  const body = rows.map((r, i) => {
    const y0 = top + i * group;
    const name = r.ruleId.length > 38 ? `${r.ruleId.slice(0, 37)}…` : r.ruleId;
    return (
      `<g class="rule"><text class="label" x="${labelW - 10}" y="${y0 + bar + gap / 2 + 4}" text-anchor="end"><title>${e(r.ruleId)}</title>${e(name)}</text>` +
      barOf(r.ruleId, 'automatic', r.automatic, y0) +
      barOf(r.ruleId, 'manual', r.manual, y0 + bar + gap) +
      '</g>'
    );
  });
  return [
    `<svg id="ttr-chart" class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="ttr-title ttr-desc" xmlns="http://www.w3.org/2000/svg">`,
    '<title id="ttr-title">Median time to remediate per rule, automatic and manual</title>',
    `<desc id="ttr-desc">${rows.length} rules with remediated episodes. Bars are median times from the first NON_COMPLIANT evaluation to the next COMPLIANT one.</desc>`,
    `<g class="legend"><rect class="bar automatic" x="${labelW}" y="4" width="12" height="12" rx="2"/><text class="value" x="${labelW + 18}" y="14">Automatic</text>` +
      `<rect class="bar manual" x="${labelW + 110}" y="4" width="12" height="12" rx="2"/><text class="value" x="${labelW + 128}" y="14">Manual (on demand or out-of-band)</text></g>`,
    ...body,
    '</svg>',
  ].join('\n');
}

function countRow(name: string, c: ComplianceCount, nameCell = 'th'): string {
  const width = c.percentCompliant === null ? 0 : Math.round(c.percentCompliant);
  return (
    `<tr><${nameCell} scope="row">${e(name)}</${nameCell}>` +
    `<td class="num" data-sort="${c.compliant}">${c.compliant}</td>` +
    `<td class="num ${c.nonCompliant ? 'bad' : ''}" data-sort="${c.nonCompliant}">${c.nonCompliant}</td>` +
    `<td class="num" data-sort="${c.notApplicable}">${c.notApplicable}</td>` +
    `<td class="num" data-sort="${c.insufficientData}">${c.insufficientData}</td>` +
    `<td class="pct" data-sort="${c.percentCompliant ?? -1}"><span class="meter" aria-hidden="true"><span style="width:${width}%"></span></span> ${pct(c)}</td></tr>`
  );
}

function complianceTable(
  id: string,
  caption: string,
  first: string,
  rows: { name: string; count: ComplianceCount }[],
) {
  const body = rows.length
    ? rows.map((r) => countRow(r.name, r.count)).join('\n')
    : '<tr><td colspan="6" class="empty">No evaluations recorded.</td></tr>';
  return `<table id="${id}" data-sortable>
<caption>${e(caption)}</caption>
<thead><tr><th scope="col">${e(first)}</th><th scope="col" class="num">Compliant</th><th scope="col" class="num">Non-compliant</th><th scope="col" class="num">Not applicable</th><th scope="col" class="num">Insufficient data</th><th scope="col">Compliance</th></tr></thead>
<tbody>
${body}
</tbody>
</table>`;
}

function statsCells(s: DurationStats | null): string {
  if (!s) return '<td class="num" data-sort="0">0</td><td class="num muted" colspan="3">—</td>';
  return (
    `<td class="num" data-sort="${s.count}">${s.count}</td>` +
    `<td class="num" data-sort="${s.medianMs}">${e(formatDuration(s.medianMs))}</td>` +
    `<td class="num" data-sort="${s.p90Ms}">${e(formatDuration(s.p90Ms))}</td>` +
    `<td class="num" data-sort="${s.worstMs}">${e(formatDuration(s.worstMs))}</td>`
  );
}

function ttrRow(r: RuleMttr, cell: 'th' | 'td' = 'th'): string {
  const open = r.open.count ? `${r.open.count} (oldest ${formatDuration(r.open.oldestAgeMs)})` : '0';
  return (
    `<tr><${cell} scope="row">${e(r.ruleId)}</${cell}>${statsCells(r.automatic)}${statsCells(r.manual)}` +
    `<td class="num">${r.outOfBand}</td><td class="num ${r.open.count ? 'bad' : ''}">${e(open)}</td></tr>`
  );
}

function outcomeBadge(status: string, succeeded: boolean, dryRun: boolean): string {
  const cls = succeeded ? 'good' : /fail|timedout|cancel/i.test(status) ? 'bad' : 'neutral';
  const text = dryRun && succeeded ? `${status} (planned)` : status;
  return `<span class="badge ${cls}">${e(text)}</span>`;
}

const STYLE = `
:root{color-scheme:light dark;--bg:#f6f8fa;--surface:#fff;--text:#1f2328;--muted:#59636e;--border:#d1d9e0;--good:#1a7f37;--bad:#cf222e;--neutral:#6e7781;--auto:#0969da;--manual:#bc4c00;--grid:#e6eaef;--good-bg:#dafbe1;--bad-bg:#ffebe9;--neutral-bg:#eff2f5}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--surface:#151b23;--text:#e6edf3;--muted:#9198a1;--border:#3d444d;--good:#3fb950;--bad:#f85149;--neutral:#9198a1;--auto:#4493f8;--manual:#f0883e;--grid:#262c36;--good-bg:#12261e;--bad-bg:#2d1214;--neutral-bg:#212830}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header,main,footer{max-width:1120px;margin:0 auto;padding:0 24px}
header{padding-top:32px}
h1{font-size:1.75rem;margin:0 0 4px}
h2{font-size:1.2rem;margin:0 0 12px}
.meta,.muted{color:var(--muted)}
.meta code{font-size:.85em}
section{background:var(--surface);border:1px solid var(--border);border-radius:10px;padding:20px 24px;margin:20px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px;margin:0;padding:0}
.card{border:1px solid var(--border);border-radius:8px;padding:12px 14px}
.card dt{color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.04em}
.card dd{margin:4px 0 0;font-size:1.6rem;font-weight:600;font-variant-numeric:tabular-nums}
.card dd small{display:block;font-size:.8rem;font-weight:400;color:var(--muted)}
.card.bad dd{color:var(--bad)}.card.good dd{color:var(--good)}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
caption{text-align:left;color:var(--muted);font-size:.85rem;padding-bottom:8px}
th,td{padding:7px 10px;border-bottom:1px solid var(--border);text-align:left;vertical-align:top}
thead th{font-size:.8rem;color:var(--muted);font-weight:600;white-space:nowrap}
tbody th{font-weight:500}
tfoot th,tfoot td{font-weight:600;border-top:2px solid var(--border)}
td.num,th.num{text-align:right}
td.num,.nowrap{white-space:nowrap}
.small{font-size:.8rem}
td.rule{min-width:18ch}td.annotation{min-width:30ch}td.outcome{min-width:16ch}
td.bad{color:var(--bad);font-weight:600}
td.empty{color:var(--muted);text-align:center;padding:18px}
td.pct{white-space:nowrap}
.meter{display:inline-block;width:90px;height:8px;border-radius:4px;background:var(--bad-bg);vertical-align:middle;overflow:hidden;margin-right:6px}
.meter span{display:block;height:100%;background:var(--good)}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:.8rem;font-weight:600;white-space:nowrap}
.badge.good{color:var(--good);background:var(--good-bg)}.badge.bad{color:var(--bad);background:var(--bad-bg)}.badge.neutral{color:var(--neutral);background:var(--neutral-bg)}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.85em;word-break:break-all}
button.sort{all:unset;cursor:pointer;font:inherit;color:inherit;text-align:inherit}
button.sort:focus-visible{outline:2px solid var(--auto);outline-offset:2px}
th[aria-sort=ascending] button.sort::after{content:" ▲"}th[aria-sort=descending] button.sort::after{content:" ▼"}
.chart{width:100%;height:auto;display:block}
.chart .grid{stroke:var(--grid);stroke-width:1}
.chart .axis{stroke:var(--border);stroke-width:1}
.chart text{fill:var(--muted);font-size:12px;font-family:inherit}
.chart .label{fill:var(--text);font-size:13px}
.chart .value{fill:var(--text);font-size:12px}
.chart .value.muted{fill:var(--muted)}
.chart .line{fill:none;stroke-width:2.5}
.chart .line.compliant{stroke:var(--good)}.chart .line.non-compliant{stroke:var(--bad)}
.chart .point{stroke:var(--surface);stroke-width:1.5}
.chart .point.compliant{fill:var(--good)}.chart .point.non-compliant{fill:var(--bad)}
.chart .bar.automatic{fill:var(--auto)}.chart .bar.manual{fill:var(--manual)}
.legend{display:flex;gap:18px;list-style:none;padding:0;margin:8px 0 0;font-size:.85rem;color:var(--muted)}
.legend .swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:6px;vertical-align:-1px}
.swatch.non-compliant{background:var(--bad)}.swatch.compliant{background:var(--good)}
details{margin-top:12px}summary{cursor:pointer;color:var(--muted)}
input[type=search]{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--border);border-radius:6px;padding:6px 10px;width:min(360px,100%);margin-bottom:10px}
footer{color:var(--muted);font-size:.85rem;padding-bottom:40px}
footer p{max-width:80ch}
@media print{body{background:#fff}section{break-inside:avoid;border-color:#ccc}}
`;

// Sortable tables and the open-findings filter; the page is complete without it.
const SCRIPT = `
(function () {
  'use strict';
  document.querySelectorAll('table[data-sortable]').forEach(function (table) {
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
          var raw = cell ? (cell.getAttribute('data-sort') || cell.textContent || '') : '';
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
  var filter = document.getElementById('open-filter');
  if (filter) {
    filter.addEventListener('input', function () {
      var q = filter.value.trim().toLowerCase();
      document.querySelectorAll('#open-findings tbody tr').forEach(function (row) {
        row.hidden = q !== '' && row.textContent.toLowerCase().indexOf(q) === -1;
      });
    });
  }
})();
`;

/**
 * The report as one self-contained HTML page (inline CSS, SVG and a few lines of JavaScript; a
 * Content-Security-Policy that forbids any network access).
 *
 * @example
 * writeFileSync('report.html', renderHtmlReport(buildReport(store)));
 */
export function renderHtmlReport(data: ReportData): string {
  const all = data.timeToRemediate.all;
  const t = data.totals;
  const oldest = all.open.oldestAgeMs;
  const card = (label: string, value: string, note: string, cls = '') =>
    `<div class="card ${cls}"><dt>${e(label)}</dt><dd>${e(value)}<small>${e(note)}</small></dd></div>`;
  const cards = [
    card('Resources', String(t.total), `${plural(t.rules, 'rule')}, ${plural(t.accounts, 'account')}`),
    card(
      'Non-compliant now',
      String(t.nonCompliant),
      `${t.compliant} compliant`,
      t.nonCompliant ? 'bad' : 'good',
    ),
    card('Compliance', pct(t), 'compliant ÷ evaluated', t.percentCompliant === 100 ? 'good' : ''),
    card(
      'Automatic fix, median',
      formatDuration(all.automatic?.medianMs),
      all.automatic
        ? `p90 ${formatDuration(all.automatic.p90Ms)}, ${plural(all.automatic.count, 'episode')}`
        : 'no episodes',
    ),
    card(
      'Manual fix, median',
      formatDuration(all.manual?.medianMs),
      all.manual
        ? `p90 ${formatDuration(all.manual.p90Ms)}, ${plural(all.manual.count, 'episode')}`
        : 'no episodes',
    ),
    card(
      'Open episodes',
      String(all.open.count),
      oldest === null ? 'none open' : `oldest ${formatDuration(oldest)}`,
      all.open.count ? 'bad' : 'good',
    ),
  ].join('\n');

  const trend = data.trend.length
    ? `${trendChartSvg(data.trend)}
<ul class="legend" aria-hidden="true"><li><span class="swatch non-compliant"></span>Non-compliant</li><li><span class="swatch compliant"></span>Compliant</li></ul>
<details><summary>Trend data</summary><div class="table-wrap"><table id="trend-data">
<caption>Resources by latest verdict at each sample time.</caption>
<thead><tr><th scope="col">Time (UTC)</th><th scope="col" class="num">Non-compliant</th><th scope="col" class="num">Compliant</th></tr></thead>
<tbody>
${data.trend.map((p) => `<tr><td>${e(formatTime(p.at))}</td><td class="num">${p.nonCompliant}</td><td class="num">${p.compliant}</td></tr>`).join('\n')}
</tbody></table></div></details>`
    : '<p class="muted">No evaluations recorded yet: run <code>rebaseline scan</code> or <code>rebaseline audit import</code>.</p>';

  const ttrRows = data.timeToRemediate.rules;
  const ttrChart = ttrRows.some((r) => r.automatic || r.manual)
    ? timeToRemediateChartSvg(ttrRows)
    : '<p class="muted">No non-compliance episode has been remediated yet.</p>';

  const resourceCell = (r: { resourceType: string; resourceId: string; account: string; region: string }) =>
    `<td><span class="mono">${e(r.resourceId)}</span><br><span class="muted small">${e(r.resourceType)} · ${e(r.account)} ${e(r.region)}</span></td>`;
  const openRows = data.open.length
    ? data.open
        .map(
          (o) =>
            `<tr>${resourceCell(o)}<td class="rule">${e(o.ruleId)}</td>` +
            `<td class="nowrap" data-sort="${e(o.openedAt)}">${e(formatTime(o.openedAt))}</td><td class="num" data-sort="${o.ageMs}">${e(formatDuration(o.ageMs))}</td>` +
            `<td class="annotation">${e(o.annotation ?? '')}</td><td class="num" data-sort="${o.remediationAttempts}">${o.remediationAttempts}${o.lastRemediationStatus ? ` <span class="muted">(last: ${e(o.lastRemediationStatus)})</span>` : ''}</td></tr>`,
        )
        .join('\n')
    : '<tr><td colspan="6" class="empty">No open non-compliant resources.</td></tr>';

  const executionRows = data.executions.length
    ? data.executions
        .map(
          (x) =>
            `<tr><td class="nowrap" data-sort="${e(x.startedAt)}">${e(formatTime(x.startedAt))}</td>${resourceCell(x)}` +
            `<td><span class="nowrap">${e(x.remediation)}</span><br><span class="muted small">${e(x.ruleId)}</span></td>` +
            `<td>${e(x.trigger)}${x.dryRun ? '<br><span class="muted small">dry run</span>' : ''}</td>` +
            `<td class="outcome" data-sort="${e(x.status)}">${outcomeBadge(x.status, x.succeeded, x.dryRun)}${x.error ? `<br><span class="small">${e(x.error)}</span>` : ''}</td>` +
            `<td class="num" data-sort="${x.stepsSucceeded}">${x.stepsSucceeded}/${x.stepsTotal}</td><td class="num" data-sort="${x.durationMs ?? -1}">${e(formatDuration(x.durationMs))}</td></tr>`,
        )
        .join('\n')
    : '<tr><td colspan="7" class="empty">No remediation executions recorded.</td></tr>';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="rebaseline">
<title>${e(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${e(data.title)}</h1>
<p class="meta">Generated ${e(formatTime(data.generatedAt))} from <code>${e(data.database)}</code>${data.since ? ` · episodes and executions since ${e(formatTime(data.since))}` : ''}.</p>
</header>
<main>
<section aria-labelledby="summary-heading">
<h2 id="summary-heading">Summary</h2>
<dl class="cards">
${cards}
</dl>
</section>
<section aria-labelledby="trend-heading">
<h2 id="trend-heading">Compliance over time</h2>
${trend}
</section>
<section aria-labelledby="rules-heading">
<h2 id="rules-heading">Compliance by rule</h2>
<div class="table-wrap">${complianceTable(
    'compliance-by-rule',
    'Each resource counted by its latest evaluation.',
    'Rule',
    data.byRule.map((r) => ({ name: r.ruleId, count: r })),
  )}</div>
</section>
<section aria-labelledby="accounts-heading">
<h2 id="accounts-heading">Compliance by account</h2>
<div class="table-wrap">${complianceTable(
    'compliance-by-account',
    'Each rule and resource counted by its latest evaluation.',
    'Account',
    data.byAccount.map((r) => ({ name: r.account, count: r })),
  )}</div>
</section>
<section aria-labelledby="ttr-heading">
<h2 id="ttr-heading">Time to remediate</h2>
${ttrChart}
<div class="table-wrap"><table id="time-to-remediate">
<caption>From the first NON_COMPLIANT evaluation of an episode to the next COMPLIANT evaluation. Open episodes are not in the statistics.</caption>
<thead>
<tr><th scope="col" rowspan="2">Rule</th><th scope="colgroup" colspan="4">Automatic</th><th scope="colgroup" colspan="4">Manual</th><th scope="col" rowspan="2" class="num">Out-of-band</th><th scope="col" rowspan="2" class="num">Open</th></tr>
<tr><th scope="col" class="num">Episodes</th><th scope="col" class="num">Median</th><th scope="col" class="num">p90</th><th scope="col" class="num">Worst</th><th scope="col" class="num">Episodes</th><th scope="col" class="num">Median</th><th scope="col" class="num">p90</th><th scope="col" class="num">Worst</th></tr>
</thead>
<tbody>
${ttrRows.length ? ttrRows.map((r) => ttrRow(r)).join('\n') : '<tr><td colspan="11" class="empty">No non-compliance episodes recorded.</td></tr>'}
</tbody>
<tfoot>${ttrRow({ ...all, ruleId: 'All rules' })}</tfoot>
</table></div>
</section>
<section aria-labelledby="open-heading">
<h2 id="open-heading">Open non-compliant resources</h2>
<label for="open-filter" class="muted">Filter</label><br>
<input id="open-filter" type="search" placeholder="rule, account, resource, annotation…">
<div class="table-wrap"><table id="open-findings" data-sortable>
<caption>${plural(data.open.length, 'resource')} non-compliant now, oldest first.</caption>
<thead><tr><th scope="col">Resource</th><th scope="col">Rule</th><th scope="col">Non-compliant since (UTC)</th><th scope="col" class="num">Age</th><th scope="col">Annotation</th><th scope="col" class="num">Attempts</th></tr></thead>
<tbody>
${openRows}
</tbody>
</table></div>
</section>
<section aria-labelledby="executions-heading">
<h2 id="executions-heading">Remediation executions</h2>
<div class="table-wrap"><table id="remediation-executions" data-sortable>
<caption>${plural(data.executions.length, 'execution')}, newest first.</caption>
<thead><tr><th scope="col">Started (UTC)</th><th scope="col">Resource</th><th scope="col">Remediation</th><th scope="col">Trigger</th><th scope="col">Outcome</th><th scope="col" class="num">Steps</th><th scope="col" class="num">Duration</th></tr></thead>
<tbody>
${executionRows}
</tbody>
</table></div>
</section>
</main>
<footer>
<p><strong>How time to remediate is computed.</strong> A non-compliance episode starts at a resource's first NON_COMPLIANT evaluation for a rule and ends at its next COMPLIANT evaluation (the fix verified, not merely attempted); a resource that flaps has one episode per stretch. An episode is <em>automatic</em> when a successful remediation started automatically ran during it, <em>manual</em> when a person ran one, and <em>out-of-band</em> (counted as manual) when it became compliant without any recorded remediation. Episodes that are still open are listed with their age and kept out of the statistics; episodes that ended because the resource left the rule's scope are not timed. The median of an even count is the mean of the two middle values; p90 is the nearest-rank 90th percentile.</p>
<p>rebaseline · this file needs no network and can be archived as evidence.</p>
</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
