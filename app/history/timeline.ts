import type { ComplianceType } from '../../shared/rule';
import {
  type EvaluationRow,
  isSuccessfulStatus,
  type RemediationRow,
  type RemediationTrigger,
} from './store';

/** One rule's view of one resource: the unit a timeline, an episode and time-to-remediate are about. */
export interface ResourceKey {
  ruleId: string;
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
}

/**
 * How a non-compliance episode ended:
 * - `automatic` / `manual`: a successful remediation execution with that trigger ran during the episode;
 * - `out-of-band`: the resource became COMPLIANT with no remediation execution recorded (fixed by hand in the
 *   console, by infrastructure as code, …) — counted as manual in time-to-remediate;
 * - `not-applicable`: the resource left the rule's scope (deleted, exempted) — not a remediation, not timed.
 */
export type Resolution = RemediationTrigger | 'out-of-band' | 'not-applicable';

/** One stretch of NON_COMPLIANT: from the first NON_COMPLIANT evaluation to the next COMPLIANT one (or now). */
export interface Episode {
  key: ResourceKey;
  /** First NON_COMPLIANT evaluation of the episode (t1). */
  openedAt: string;
  /** The latest annotation seen during the episode (what is wrong now). */
  annotation: string | null;
  /** NON_COMPLIANT evaluations in the episode. */
  evaluations: number;
  /** Applied (not dry-run) executions that started during the episode, successful or not. */
  remediations: RemediationRow[];
  /** The last successful applied execution of the episode: what fixed it (t2). */
  fixedBy: RemediationRow | null;
  /** First COMPLIANT (or NOT_APPLICABLE) evaluation after the episode opened (t3); null while open. */
  closedAt: string | null;
  resolution: Resolution | null;
  /** closedAt − openedAt for a closed episode; now − openedAt (its age) for an open one. */
  durationMs: number;
  open: boolean;
}

export type TimelineEvent =
  | {
      kind: 'evaluation';
      at: string;
      verdict: ComplianceType;
      annotation: string | null;
      /** Consecutive evaluations with the same verdict are one event; this is how many, up to `lastAt`. */
      count: number;
      lastAt: string;
    }
  | { kind: 'remediation'; at: string; execution: RemediationRow };

export interface ResourceTimeline {
  key: ResourceKey;
  events: TimelineEvent[];
  episodes: Episode[];
  /** The latest verdict (INSUFFICIENT_DATA included). */
  current: ComplianceType;
  lastEvaluatedAt: string;
}

const KEY_FIELDS = ['ruleId', 'account', 'region', 'resourceType', 'resourceId'] as const;

/** A string identity for a {@link ResourceKey} (for maps and sorting). */
export function keyString(key: ResourceKey): string {
  return KEY_FIELDS.map((f) => key[f]).join('\u0000');
}

function keyOf(row: ResourceKey): ResourceKey {
  return {
    ruleId: row.ruleId,
    account: row.account,
    region: row.region,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
  };
}

function groupBy<T extends ResourceKey>(rows: readonly T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const k = keyString(row);
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

const ms = (iso: string) => Date.parse(iso);

/**
 * Splits one resource's evaluations into non-compliance episodes. A resource that flaps has one episode per
 * NON_COMPLIANT stretch; INSUFFICIENT_DATA neither opens nor closes one.
 */
function episodesOf(
  key: ResourceKey,
  evaluations: readonly EvaluationRow[],
  executions: readonly RemediationRow[],
  now: Date,
): Episode[] {
  const episodes: Episode[] = [];
  let current: Episode | undefined;
  for (const e of evaluations) {
    if (e.verdict === 'NON_COMPLIANT') {
      if (!current) {
        current = {
          key,
          openedAt: e.evaluatedAt,
          annotation: e.annotation,
          evaluations: 0,
          remediations: [],
          fixedBy: null,
          closedAt: null,
          resolution: null,
          durationMs: 0,
          open: true,
        };
        episodes.push(current);
      }
      current.evaluations++;
      if (e.annotation) current.annotation = e.annotation;
    } else if (current && (e.verdict === 'COMPLIANT' || e.verdict === 'NOT_APPLICABLE')) {
      current.closedAt = e.evaluatedAt;
      current.open = false;
      current.resolution = e.verdict === 'NOT_APPLICABLE' ? 'not-applicable' : 'out-of-band';
      current = undefined;
    }
  }
  const applied = executions.filter((x) => !x.dryRun);
  for (const episode of episodes) {
    const start = ms(episode.openedAt);
    const end = episode.closedAt ? ms(episode.closedAt) : Number.POSITIVE_INFINITY;
    episode.remediations = applied.filter((x) => ms(x.startedAt) >= start && ms(x.startedAt) <= end);
    episode.fixedBy = episode.remediations.filter((x) => isSuccessfulStatus(x.status)).at(-1) ?? null;
    if (episode.resolution === 'out-of-band' && episode.fixedBy) episode.resolution = episode.fixedBy.trigger;
    episode.durationMs = (episode.closedAt ? ms(episode.closedAt) : now.getTime()) - start;
  }
  return episodes;
}

function eventsOf(
  evaluations: readonly EvaluationRow[],
  executions: readonly RemediationRow[],
): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  let last: Extract<TimelineEvent, { kind: 'evaluation' }> | undefined;
  const merged = [
    ...evaluations.map((e) => ({ at: e.evaluatedAt, order: 0, e })),
    ...executions.map((x) => ({ at: x.startedAt, order: 1, x })),
  ].sort((a, b) => ms(a.at) - ms(b.at) || a.order - b.order);
  for (const item of merged) {
    if ('x' in item) {
      events.push({ kind: 'remediation', at: item.at, execution: item.x });
      last = undefined;
    } else if (last && last.verdict === item.e.verdict) {
      last.count++;
      last.lastAt = item.e.evaluatedAt;
      if (item.e.annotation) last.annotation = item.e.annotation;
    } else {
      last = {
        kind: 'evaluation',
        at: item.e.evaluatedAt,
        verdict: item.e.verdict,
        annotation: item.e.annotation,
        count: 1,
        lastAt: item.e.evaluatedAt,
      };
      events.push(last);
    }
  }
  return events;
}

/**
 * Builds one timeline per (rule, account, region, resource): its evaluations and remediation executions in
 * time order, and its non-compliance episodes (NON_COMPLIANT at t1 → remediated by X at t2 → COMPLIANT at t3).
 * Resources with remediation executions but no evaluation are left out (there is nothing to time).
 *
 * @param evaluations any order; typically `store.evaluations(filter)`.
 * @param remediations any order; typically `store.remediations(filter)`.
 * @param now the end of open episodes (their age).
 * @example
 * const timelines = buildTimelines(store.evaluations(), store.remediations(), new Date());
 * timelines[0].episodes[0].resolution; // 'automatic' | 'manual' | 'out-of-band' | 'not-applicable' | null (open)
 */
export function buildTimelines(
  evaluations: readonly EvaluationRow[],
  remediations: readonly RemediationRow[],
  now: Date = new Date(),
): ResourceTimeline[] {
  const byTime =
    <T>(at: (t: T) => string) =>
    (a: T, b: T) =>
      ms(at(a)) - ms(at(b));
  const evaluationGroups = groupBy(evaluations);
  const remediationGroups = groupBy(remediations);
  const timelines: ResourceTimeline[] = [];
  for (const [k, group] of evaluationGroups) {
    const evals = [...group].sort((a, b) => byTime<EvaluationRow>((e) => e.evaluatedAt)(a, b) || a.id - b.id);
    const execs = [...(remediationGroups.get(k) ?? [])].sort(
      (a, b) => byTime<RemediationRow>((x) => x.startedAt)(a, b) || a.id - b.id,
    );
    const key = keyOf(evals[0]!);
    const latest = evals.at(-1)!;
    timelines.push({
      key,
      events: eventsOf(evals, execs),
      episodes: episodesOf(key, evals, execs, now),
      current: latest.verdict,
      lastEvaluatedAt: latest.evaluatedAt,
    });
  }
  return timelines.sort((a, b) => (keyString(a.key) < keyString(b.key) ? -1 : 1));
}
