import { formatDuration, formatTime } from './format';
import type { DurationStats, RuleMttr } from './mttr';
import type { AccountTrend } from './report-data';

// Charts are SVG computed here (so the numbers in them are the numbers in the tables), styled by the page's CSS
// variables (so they follow light and dark mode), with a <title> on every mark for pointer and screen reader.
//
// An SVG scales its text with its width, so one drawing cannot keep text readable from a 390 px phone to a desktop.
// Each chart is drawn at three widths and the page shows the one that fits its container (CSS container queries):
// the text is drawn at 12–13 px and shown between 0.83× and 1.5×, never below 10 px.

/** The widths each chart is drawn at, and the container widths (CSS px) each one is shown from. */
export const CHART_VARIANTS = [
  { name: 's', width: 360, minContainer: 0, font: 13 },
  { name: 'm', width: 600, minContainer: 500, font: 12 },
  { name: 'l', width: 880, minContainer: 730, font: 12 },
] as const;
export type ChartVariant = (typeof CHART_VARIANTS)[number];

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
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The three drawings of a chart in one box; the page shows the one that fits (see {@link CHART_VARIANTS}). */
export function responsiveChart(name: string, draw: (variant: ChartVariant) => string): string {
  return `<div class="chart-box" data-chart-box="${e(name)}">${CHART_VARIANTS.map(
    (v) => `<div class="chart-variant chart-${v.name}">${draw(v)}</div>`,
  ).join('')}</div>`;
}

/** A y-axis maximum and tick step with at most five integer ticks. */
export function niceScale(max: number): { top: number; step: number } {
  if (max <= 0) return { top: 1, step: 1 };
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(1, [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude);
  return { top: Math.ceil(max / step) * step, step };
}

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TICK_STEPS = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  30 * DAY,
  91 * DAY,
  365 * DAY,
];

/** How many characters a tick label has at a step: `09:00:00.500`, `09:00:05`, `03-02 09:05`, `2026-03-02`. */
const labelChars = (step: number) => (step < SECOND ? 12 : step < MINUTE ? 8 : step < DAY ? 11 : 10);

/**
 * Time-axis ticks at round UTC instants (every 500 ms, 5 min, 1 d, …), as many as fit `width` pixels with labels
 * of `font` px and a gap between them, each labelled at the precision of the step (milliseconds, seconds, minutes
 * or days), with the date when the span crosses midnight, so no two labels read the same.
 * @example
 * timeTicks(Date.parse('2026-03-02T09:00:00Z'), Date.parse('2026-03-05T09:00:00Z'), 600, 12);
 * // [{ at: …03T00:00Z, label: '2026-03-03' }, { at: …04T00:00Z, label: '2026-03-04' }, { at: …05T00:00Z, label: '2026-03-05' }]
 */
export function timeTicks(
  t0: number,
  t1: number,
  width: number,
  font: number,
): { at: number; label: string }[] {
  const span = Math.max(t1 - t0, 1);
  const fits = (s: number) => Math.max(2, Math.floor(width / (labelChars(s) * font * 0.62 + 20)));
  const step = TICK_STEPS.find((s) => span / s <= fits(s) - 1) ?? 365 * DAY;
  const maxTicks = fits(step);
  const ticks: { at: number; label: string }[] = [];
  const multiDay = new Date(t0).toISOString().slice(0, 10) !== new Date(t1).toISOString().slice(0, 10);
  for (let at = Math.ceil(t0 / step) * step; at <= t1 && ticks.length < maxTicks + 1; at += step) {
    const iso = new Date(at).toISOString();
    const day = iso.slice(0, 10);
    let label: string;
    if (step >= DAY) label = day;
    else {
      const time = step < SECOND ? iso.slice(11, 23) : step < MINUTE ? iso.slice(11, 19) : iso.slice(11, 16);
      label = multiDay && step >= MINUTE ? `${day.slice(5)} ${time}` : time;
    }
    ticks.push({ at, label });
  }
  // A span shorter than the step has no round instant inside: label where it starts, to the millisecond.
  if (ticks.length === 0) ticks.push({ at: t0, label: new Date(t0).toISOString().slice(11, 23) });
  return ticks;
}

/** Colour classes of account lines (see the page's CSS), with a dash pattern each so colour is not the only cue. */
export const SERIES = [
  { cls: 'series-1', dash: '' },
  { cls: 'series-2', dash: '7 4' },
  { cls: 'series-3', dash: '2 3' },
  { cls: 'series-4', dash: '10 3 2 3' },
  { cls: 'series-5', dash: '4 4' },
] as const;

export const seriesOf = (i: number) => SERIES[i % SERIES.length]!;

/**
 * Non-compliant resources per account over time, one step line per account that starts when the account was first
 * evaluated (a newly scanned account adds a line; nothing drops to zero and jumps back). One titled point per sample.
 */
export function accountTrendSvg(trends: readonly AccountTrend[], v: ChartVariant): string {
  const W = v.width;
  const H = v.name === 's' ? 240 : 280;
  const m = { l: 44, r: 16, t: 16, b: 40 };
  const iw = W - m.l - m.r;
  const ih = H - m.t - m.b;
  const times = trends.flatMap((t) => t.points.map((p) => Date.parse(p.at)));
  let t0 = Math.min(...times);
  let t1 = Math.max(...times);
  if (t1 === t0) {
    t0 -= 500;
    t1 += 500;
  }
  const x = (t: number) => round(m.l + ((t - t0) / (t1 - t0)) * iw);
  const { top, step } = niceScale(Math.max(...trends.flatMap((t) => t.points.map((p) => p.nonCompliant))));
  const y = (n: number) => round(m.t + ih - (n / top) * ih);
  const out: string[] = [];
  for (let n = 0; n <= top; n += step)
    out.push(
      `<line class="grid" x1="${m.l}" x2="${W - m.r}" y1="${y(n)}" y2="${y(n)}"/>` +
        `<text class="tick" x="${m.l - 8}" y="${y(n) + 4}" text-anchor="end">${n}</text>`,
    );
  out.push(`<line class="axis" x1="${m.l}" x2="${W - m.r}" y1="${y(0)}" y2="${y(0)}"/>`);
  for (const tick of timeTicks(t0, t1, iw, v.font)) {
    const labelWidth = tick.label.length * v.font * 0.62;
    const tx = x(tick.at);
    const anchor = tx - labelWidth / 2 < 0 ? 'start' : tx + labelWidth / 2 > W ? 'end' : 'middle';
    out.push(
      `<line class="grid" x1="${tx}" x2="${tx}" y1="${y(0)}" y2="${y(0) + 5}"/>` +
        `<text class="tick" x="${tx}" y="${H - m.b + 20}" text-anchor="${anchor}">${e(tick.label)}</text>`,
    );
  }
  trends.forEach((trend, i) => {
    const s = seriesOf(i);
    const pts = trend.points.map((p) => ({ ...p, tx: x(Date.parse(p.at)), ty: y(p.nonCompliant) }));
    const d = pts.map((p, j) => (j === 0 ? `M${p.tx} ${p.ty}` : `H${p.tx} V${p.ty}`)).join(' ');
    out.push(
      `<g class="series ${s.cls}" data-account="${e(trend.account)}">` +
        `<path class="line" d="${d}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>` +
        pts
          .map(
            (p, j) =>
              `<circle class="point${j === 0 ? ' first-seen' : ''}" cx="${p.tx}" cy="${p.ty}" r="${j === 0 ? 5 : 3.5}" data-at="${e(p.at)}" data-value="${p.nonCompliant}">` +
              `<title>${e(trend.account)} ${j === 0 ? '(first evaluated) ' : ''}${e(formatTime(p.at, { ms: true }))}: ${p.nonCompliant} non-compliant, ${p.compliant} compliant</title></circle>`,
          )
          .join('') +
        '</g>',
    );
  });
  const last = trends.map((t) => `${t.account}: ${t.points.at(-1)!.nonCompliant}`).join(', ');
  return [
    `<svg class="chart" data-chart="trend" data-variant="${v.name}" viewBox="0 0 ${W} ${H}" style="--chart-font:${v.font}px" role="img" aria-label="Non-compliant resources per account over time. Latest: ${e(last)}." xmlns="http://www.w3.org/2000/svg">`,
    ...out,
    '</svg>',
  ].join('\n');
}

/** Median time to remediate per rule as horizontal bars, automatic and manual side by side. */
export function timeToRemediateSvg(rules: readonly RuleMttr[], v: ChartVariant): string {
  const rows = rules.filter((r) => r.automatic || r.manual);
  const W = v.width;
  // Below the widest drawing the rule name goes above its bars, so the bars keep their length.
  const narrow = v.name !== 'l';
  const labelW = narrow ? 0 : 280;
  const valueW = 170;
  const bar = 14;
  const gap = 4;
  const labelH = narrow ? v.font + 8 : 0;
  const group = labelH + 2 * bar + gap + 16;
  const top = 30;
  const H = top + rows.length * group + 4;
  const iw = W - labelW - valueW;
  const max = Math.max(...rows.flatMap((r) => [r.automatic?.medianMs ?? 0, r.manual?.medianMs ?? 0]), 1);
  const width = (ms: number) => round(Math.max(2, (ms / max) * iw));
  const barOf = (rule: string, kind: 'automatic' | 'manual', s: DurationStats | null, yPos: number) => {
    if (!s) return `<text class="value muted" x="${labelW}" y="${yPos + bar - 3}">${kind}: none</text>`;
    const text = `${formatDuration(s.medianMs)} (${plural(s.count, 'episode')})`;
    return (
      `<rect class="bar ${kind}" x="${labelW}" y="${yPos}" width="${width(s.medianMs)}" height="${bar}" rx="2" data-rule="${e(rule)}" data-kind="${kind}" data-median-ms="${s.medianMs}">` +
      `<title>${e(rule)}, ${kind}: median ${e(formatDuration(s.medianMs))}, p90 ${e(formatDuration(s.p90Ms))}, worst ${e(formatDuration(s.worstMs))} over ${plural(s.count, 'episode')}</title></rect>` +
      `<text class="value" x="${labelW + width(s.medianMs) + 6}" y="${yPos + bar - 3}">${e(text)}</text>`
    );
  };
  const body = rows.map((r, i) => {
    const y0 = top + i * group;
    const maxChars = Math.floor(((narrow ? W : labelW) - 12) / (v.font * 0.6));
    const name = r.ruleId.length > maxChars ? `${r.ruleId.slice(0, maxChars - 1)}…` : r.ruleId;
    const label = narrow
      ? `<text class="label" x="0" y="${y0 + v.font}"><title>${e(r.ruleId)}</title>${e(name)}</text>`
      : `<text class="label" x="${labelW - 10}" y="${y0 + bar + gap / 2 + 4}" text-anchor="end"><title>${e(r.ruleId)}</title>${e(name)}</text>`;
    return (
      `<g class="rule">${label}` +
      barOf(r.ruleId, 'automatic', r.automatic, y0 + labelH) +
      barOf(r.ruleId, 'manual', r.manual, y0 + labelH + bar + gap) +
      '</g>'
    );
  });
  return [
    `<svg class="chart" data-chart="ttr" data-variant="${v.name}" viewBox="0 0 ${W} ${H}" style="--chart-font:${v.font}px" role="img" aria-label="Median time to remediate per rule, automatic and manual: ${rows.length} rules with remediated episodes." xmlns="http://www.w3.org/2000/svg">`,
    `<g class="legend"><rect class="bar automatic" x="${labelW}" y="4" width="12" height="12" rx="2"/><text class="value" x="${labelW + 18}" y="15">Automatic</text>` +
      `<rect class="bar manual" x="${labelW + 104}" y="4" width="12" height="12" rx="2"/><text class="value" x="${labelW + 122}" y="15">Manual</text></g>`,
    ...body,
    '</svg>',
  ].join('\n');
}
