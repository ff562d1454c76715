import { formatDuration, formatTime } from './format';
import type { IncidentRow } from './incidents';
import type { HistoryStore } from './store';

/** One incident response (or release) as the report shows it. */
export interface IncidentItem {
  id: number;
  kind: 'response' | 'release';
  findingId: string;
  findingType: string;
  severity: number;
  account: string | null;
  region: string | null;
  resource: string;
  status: string;
  applied: boolean;
  actor: string;
  playbooks: string[];
  /** detected → response started → contained → notified (null where it did not happen). */
  timeline: {
    detectedAt: string | null;
    startedAt: string;
    containedAt: string | null;
    notifiedAt: string | null;
    endedAt: string | null;
  };
  /** From detection (the finding's creation) to containment; null when not contained. */
  timeToContainMs: number | null;
  /** From the start of the response to containment (rebaseline's own part). */
  responseMs: number | null;
  steps: number;
  failedSteps: number;
}

/** The Incidents section's data. */
export interface IncidentsSection {
  items: IncidentItem[];
  contained: number;
  medianTimeToContainMs: number | null;
  medianResponseMs: number | null;
}

const diff = (from: string | null, to: string | null) =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : null;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function itemOf(row: IncidentRow): IncidentItem {
  const detectedAt = row.detectedAt ?? row.startedAt;
  return {
    id: row.id,
    kind: row.kind,
    findingId: row.findingId,
    findingType: row.findingType,
    severity: row.severity,
    account: row.account ?? null,
    region: row.region ?? null,
    resource: row.resource,
    status: row.status,
    applied: row.applied,
    actor: row.actor,
    playbooks: [...new Set(row.steps.map((s) => s.playbook))],
    timeline: {
      detectedAt: row.detectedAt,
      startedAt: row.startedAt,
      containedAt: row.containedAt,
      notifiedAt: row.notifiedAt,
      endedAt: row.endedAt,
    },
    timeToContainMs: diff(detectedAt, row.containedAt),
    responseMs: diff(row.startedAt, row.containedAt),
    steps: row.steps.length,
    failedSteps: row.steps.filter((s) => s.outcome.startsWith('failed')).length,
  };
}

/**
 * The incident responses recorded since `since`, newest first, with time to contain: from the finding's detection
 * to the end of the last containment playbook, and rebaseline's own part (from the start of the response).
 * @example
 * const section = buildIncidentsSection(store, { since: parseSince('30d') });
 */
export function buildIncidentsSection(store: HistoryStore, options: { since?: Date } = {}): IncidentsSection {
  const items = store
    .incidents()
    .list(options.since ? { since: options.since } : {})
    .map(itemOf)
    .reverse();
  const contained = items.filter((i) => i.timeToContainMs !== null);
  return {
    items,
    contained: contained.length,
    medianTimeToContainMs: median(contained.map((i) => i.timeToContainMs as number)),
    medianResponseMs: median(contained.map((i) => i.responseMs as number)),
  };
}

const e = (value: unknown) =>
  String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');

const BADGE: Record<string, string> = {
  contained: 'good',
  released: 'good',
  notified: 'neutral',
  planned: 'neutral',
  failed: 'bad',
};

function timeline(item: IncidentItem): string {
  const t = item.timeline;
  const stages: [string, string | null][] = [
    ['detected', t.detectedAt],
    ['response started', t.startedAt],
    [
      item.kind === 'release' ? 'released' : 'contained',
      t.containedAt ?? (item.kind === 'release' && item.status === 'released' ? t.endedAt : null),
    ],
    ['notified', t.notifiedAt],
  ];
  let previous: string | null = null;
  const steps = stages.map(([label, at]) => {
    const delta =
      previous && at ? ` <span class="muted small">+${e(formatDuration(diff(previous, at)))}</span>` : '';
    if (at) previous = at;
    return `<li class="${at ? 'done' : 'missing'}"><span class="small">${e(label)}</span><br><span class="nowrap">${e(formatTime(at))}</span>${delta}</li>`;
  });
  return `<ol class="incident-timeline" aria-label="Timeline of incident ${item.id}">${steps.join('')}</ol>`;
}

/**
 * The Incidents section of the HTML report: one row per response with its timeline (detected → contained → notified)
 * and its time to contain. Empty string when nothing was ever recorded (stores that never responded).
 */
export function renderIncidentsSection(section: IncidentsSection | undefined): string {
  if (!section || section.items.length === 0) return '';
  const rows = section.items
    .map(
      (i) =>
        `<tr><td class="nowrap" data-sort="${e(i.timeline.startedAt)}">${e(formatTime(i.timeline.startedAt))}</td>` +
        `<td><code>${e(i.resource)}</code><br><span class="muted small">${e(i.account ?? '')} ${e(i.region ?? '')}</span></td>` +
        `<td>${e(i.findingType)}<br><span class="muted small">${i.kind === 'release' ? 'release' : `severity ${e(i.severity)} · ${e(i.findingId)}`}</span></td>` +
        `<td>${e(i.playbooks.join(', '))}<br><span class="muted small">${i.applied ? 'applied' : 'dry run'} by ${e(i.actor)}</span></td>` +
        `<td><span class="verdict ${BADGE[i.status] ?? 'v-na'}">${e(i.status)}</span>${i.failedSteps ? `<br><span class="small">${i.failedSteps} failed step(s)</span>` : ''}</td>` +
        `<td>${timeline(i)}</td>` +
        `<td class="num" data-sort="${i.timeToContainMs ?? -1}">${e(formatDuration(i.timeToContainMs))}<br><span class="muted small">response ${e(formatDuration(i.responseMs))}</span></td></tr>`,
    )
    .join('\n');
  return `<section aria-labelledby="incidents-heading">
<h2 id="incidents-heading">Incidents</h2>
<style>.incident-timeline{display:flex;gap:14px;list-style:none;margin:0;padding:0}.incident-timeline li{border-top:3px solid var(--good);padding-top:4px;min-width:11ch}.incident-timeline li.missing{border-top-color:var(--border);color:var(--muted)}</style>
<p class="muted">${section.contained} contained · median time to contain ${e(formatDuration(section.medianTimeToContainMs))} from detection, ${e(formatDuration(section.medianResponseMs))} from the start of the response.</p>
<div class="table-wrap"><table id="incidents" data-sortable>
<caption>${section.items.length} response(s) and release(s), newest first. Time to contain runs from the finding's detection to the end of the last containment playbook.</caption>
<thead><tr><th scope="col">Started (UTC)</th><th scope="col">Resource</th><th scope="col">Finding</th><th scope="col">Playbooks</th><th scope="col">Outcome</th><th scope="col">Timeline</th><th scope="col" class="num">Time to contain</th></tr></thead>
<tbody>
${rows}
</tbody>
</table></div>
</section>`;
}
