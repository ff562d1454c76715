import type { Episode, ResourceTimeline } from './timeline';

/** Summary of a set of durations (milliseconds). */
export interface DurationStats {
  count: number;
  medianMs: number;
  /** Nearest-rank 90th percentile: the smallest duration that at least 90% of the durations do not exceed. */
  p90Ms: number;
  worstMs: number;
}

/** Time to remediate for one rule (or all rules), split by who fixed the resource. */
export interface RuleMttr {
  ruleId: string;
  /** Closed episodes fixed by a remediation Config (or rebaseline's automatic mode) started. */
  automatic: DurationStats | null;
  /** Closed episodes fixed by a person: a remediation run on demand, or an out-of-band fix. */
  manual: DurationStats | null;
  /** How many of the manual episodes had no remediation execution at all (fixed outside rebaseline/Config). */
  outOfBand: number;
  /** Episodes that ended because the resource left scope (deleted, exempted): not timed. */
  notApplicable: number;
  /** Still NON_COMPLIANT: not in the statistics, reported with the oldest one's age. */
  open: { count: number; oldestAgeMs: number | null };
}

/**
 * Nearest-rank percentile of ascending values (`p` in 0..100).
 * @example
 * percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90); // 9
 */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile of no values');
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/**
 * Median (mean of the two middle values for an even count), p90 and worst of some durations.
 * @example
 * summarize([60_000, 120_000, 600_000]); // { count: 3, medianMs: 120000, p90Ms: 600000, worstMs: 600000 }
 */
export function summarize(durations: readonly number[]): DurationStats | null {
  if (durations.length === 0) return null;
  const sorted = [...durations].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { count: sorted.length, medianMs, p90Ms: percentile(sorted, 90), worstMs: sorted.at(-1)! };
}

/** Who fixed a closed episode, for time-to-remediate: automatic, manual (on demand or out-of-band), or untimed. */
export function remediationClass(episode: Episode): 'automatic' | 'manual' | null {
  switch (episode.resolution) {
    case 'automatic':
      return 'automatic';
    case 'manual':
    case 'out-of-band':
      return 'manual';
    default:
      return null;
  }
}

function mttrOf(ruleId: string, episodes: readonly Episode[]): RuleMttr {
  const automatic: number[] = [];
  const manual: number[] = [];
  let outOfBand = 0;
  let notApplicable = 0;
  const openAges: number[] = [];
  for (const episode of episodes) {
    if (episode.open) {
      openAges.push(episode.durationMs);
      continue;
    }
    if (episode.resolution === 'out-of-band') outOfBand++;
    if (episode.resolution === 'not-applicable') notApplicable++;
    const cls = remediationClass(episode);
    if (cls === 'automatic') automatic.push(episode.durationMs);
    else if (cls === 'manual') manual.push(episode.durationMs);
  }
  return {
    ruleId,
    automatic: summarize(automatic),
    manual: summarize(manual),
    outOfBand,
    notApplicable,
    open: { count: openAges.length, oldestAgeMs: openAges.length ? Math.max(...openAges) : null },
  };
}

/**
 * Time to remediate per rule: for every closed non-compliance episode, from its first NON_COMPLIANT evaluation
 * to the first COMPLIANT evaluation after it (the fix verified, not merely attempted). Each episode of a
 * flapping resource counts once; open episodes are counted apart with their age, never in the statistics.
 *
 * @param options.since only episodes that closed at or after `since` (open ones always count).
 * @returns one entry per rule (sorted by rule id), and `all` across rules.
 * @example
 * const { rules, all } = mttrByRule(buildTimelines(store.evaluations(), store.remediations()));
 * all.automatic?.medianMs;
 */
export function mttrByRule(
  timelines: readonly ResourceTimeline[],
  options: { since?: Date } = {},
): { rules: RuleMttr[]; all: RuleMttr } {
  const since = options.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const byRule = new Map<string, Episode[]>();
  const all: Episode[] = [];
  for (const timeline of timelines) {
    const list = byRule.get(timeline.key.ruleId) ?? [];
    byRule.set(timeline.key.ruleId, list);
    for (const episode of timeline.episodes) {
      if (!episode.open && Date.parse(episode.closedAt!) < since) continue;
      list.push(episode);
      all.push(episode);
    }
  }
  return {
    rules: [...byRule.keys()].sort().map((ruleId) => mttrOf(ruleId, byRule.get(ruleId)!)),
    all: mttrOf('all rules', all),
  };
}
