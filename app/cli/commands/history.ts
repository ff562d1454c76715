import type { Command } from 'commander';
import { UsageError } from '../../../shared/errors';
import type { AnyRule } from '../../../shared/rule';
import { formatDuration, formatTime, parseSince } from '../../history/format';
import { type HistoryStore, isSuccessfulStatus } from '../../history/store';
import { buildTimelines, type Episode, type ResourceTimeline } from '../../history/timeline';
import { readHistory } from '../open-history';

export interface HistoryOptions {
  rule?: string;
  resource?: string;
  account?: string;
  since?: string;
  db?: string;
  format?: string;
}

const RESOLUTION_TEXT: Record<string, string> = {
  automatic: 'by automatic remediation',
  manual: 'by a remediation run by hand',
  'out-of-band': 'out-of-band (no remediation recorded)',
};

function closingNote(episode: Episode | undefined): string {
  if (!episode?.resolution) return '';
  if (episode.resolution === 'not-applicable')
    return `→ left the rule’s scope after ${formatDuration(episode.durationMs)}`;
  return `→ fixed in ${formatDuration(episode.durationMs)} ${RESOLUTION_TEXT[episode.resolution]}`;
}

/**
 * One resource's timeline as lines: NON_COMPLIANT at t1 → remediated by X at t2 → COMPLIANT at t3.
 * @example
 * renderTimeline(timeline, new Date(0)).join('\n');
 */
export function renderTimeline(timeline: ResourceTimeline, since?: Date): string[] {
  const k = timeline.key;
  const lines = [`${k.ruleId}  ${k.resourceType} ${k.resourceId}  (${k.account} ${k.region})`];
  const from = since?.getTime() ?? Number.NEGATIVE_INFINITY;
  for (const event of timeline.events) {
    if (Date.parse(event.kind === 'evaluation' ? event.lastAt : event.at) < from) continue;
    if (event.kind === 'evaluation') {
      const repeated = event.count > 1 ? ` (×${event.count} until ${formatTime(event.lastAt)})` : '';
      const closed = timeline.episodes.find((e) => e.closedAt === event.at);
      const text = event.verdict === 'NON_COMPLIANT' ? (event.annotation ?? '') : closingNote(closed);
      lines.push(`  ${formatTime(event.at)}  ${event.verdict.padEnd(17)} ${text}${repeated}`.trimEnd());
    } else {
      const x = event.execution;
      const steps = x.steps.length
        ? `, ${x.steps.filter((s) => isSuccessfulStatus(s.status)).length}/${x.steps.length} steps`
        : '';
      const mode = x.dryRun ? 'dry run' : x.trigger;
      const error = x.error ? ` — ${x.error}` : '';
      lines.push(
        `  ${formatTime(event.at)}  ${'REMEDIATION'.padEnd(17)} ${x.remediationId ?? x.documentName}: ${x.status} (${mode}${steps})${error}`,
      );
    }
  }
  const open = timeline.episodes.filter((e) => e.open);
  const n = timeline.episodes.length;
  const summary = `  now ${timeline.current} · ${n} non-compliance episode${n === 1 ? '' : 's'}`;
  lines.push(open.length ? `${summary}, open for ${formatDuration(open[0]!.durationMs)}` : summary);
  return lines;
}

/** The timelines the `history` command shows (resources with activity since `since`). */
export function historyTimelines(
  store: HistoryStore,
  options: HistoryOptions,
  now = new Date(),
): ResourceTimeline[] {
  const filter = { ruleId: options.rule, resource: options.resource, account: options.account };
  const since = options.since ? parseSince(options.since, now) : undefined;
  const timelines = buildTimelines(store.evaluations(filter), store.remediations(filter), now);
  if (!since) return timelines;
  return timelines.filter(
    (t) => Date.parse(t.lastEvaluatedAt) >= since.getTime() || t.episodes.some((e) => e.open),
  );
}

/** The distinct values of a column of the evaluations (rule ids, accounts) in a store. */
function recorded(store: HistoryStore, column: 'rule_id' | 'account'): string[] {
  return (
    store.db.prepare(`SELECT DISTINCT ${column} AS v FROM evaluations ORDER BY v`).all() as { v: string }[]
  ).map((r) => r.v);
}

/**
 * Refuses a `--rule` that is neither a rebaseline rule nor recorded in the store (imported Config rules keep their
 * own names), and an `--account` the store has never seen: a typo names what exists instead of "No history".
 * @throws UsageError naming the valid values.
 */
export function checkSelection(
  store: HistoryStore,
  options: Pick<HistoryOptions, 'rule' | 'account'>,
  rules: readonly AnyRule[],
): void {
  if (options.rule) {
    const known = [...new Set([...rules.map((r) => r.meta.id), ...recorded(store, 'rule_id')])].sort();
    if (!known.includes(options.rule))
      throw new UsageError(`Unknown rule ${options.rule}; rules: ${known.join(', ')}.`);
  }
  if (options.account) {
    const accounts = recorded(store, 'account');
    if (!accounts.includes(options.account))
      throw new UsageError(
        `No history for account ${options.account} in ${store.path}; accounts: ${accounts.join(', ') || 'none yet'}.`,
      );
  }
}

export function registerHistory(program: Command, rules: readonly AnyRule[]): void {
  program
    .command('history')
    .description(
      'Compliance timeline per resource: non-compliant, remediated by what, compliant again, how long it took.',
    )
    .option('--rule <rule-id>', 'only this rule')
    .option('--resource <id>', 'only this resource id (or resource type, e.g. AWS::S3::Bucket)')
    .option('--account <account-id>', 'only this account')
    .option('--since <when>', 'only activity since a date (2026-01-31) or an age (7d, 24h)')
    .option('--format <format>', 'text or json', 'text')
    .option('--db <file>', 'history database (default $REBASELINE_DB or ~/.rebaseline/history.db)')
    .action((opts: HistoryOptions) => {
      if (opts.format !== 'text' && opts.format !== 'json')
        throw new UsageError('--format must be text or json.');
      readHistory(opts.db, (store) => {
        checkSelection(store, opts, rules);
        const now = new Date();
        const timelines = historyTimelines(store, opts, now);
        if (opts.format === 'json') {
          process.stdout.write(`${JSON.stringify({ timelines }, null, 2)}\n`);
          return;
        }
        if (timelines.length === 0) {
          process.stdout.write(`No history in ${store.path} for this selection.\n`);
          return;
        }
        const since = opts.since ? parseSince(opts.since, now) : undefined;
        process.stdout.write(`${timelines.map((t) => renderTimeline(t, since).join('\n')).join('\n\n')}\n`);
      });
    });
}
