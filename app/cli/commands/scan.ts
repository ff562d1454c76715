import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { IncompleteRunError, UsageError } from '../../../shared/errors';
import type { AnyRule } from '../../../shared/rule';
import { type ScanFinding, type ScanResult, scanAccount, summarise } from '../../scan';
import { type ConnectionOptions, connect, withConnectionOptions } from '../connection';
import { jsonOption } from '../io';
import { recordedRun } from '../recorded-run';
import { table } from '../table';

export interface ScanCliOptions extends ConnectionOptions {
  rules?: string;
  params?: string;
  format: 'table' | 'json';
  db?: string;
}

/** The rules named by `--rules a,b` (all when absent). @throws UsageError for an unknown id. */
export function selectRules(all: readonly AnyRule[], list: string | undefined): AnyRule[] {
  if (!list) return [...all];
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((id) => {
      const rule = all.find((r) => r.meta.id === id);
      if (!rule) throw new UsageError(`Unknown rule ${id}; rules: ${all.map((r) => r.meta.id).join(', ')}.`);
      return rule;
    });
}

export function findingsTable(findings: readonly ScanFinding[]): string {
  const t = table(['Rule', 'Resource', 'Verdict', 'Annotation'], [38, 34, 15, 66]);
  for (const f of findings)
    t.push([
      f.ruleId,
      `${f.complianceResourceId}\n${f.complianceResourceType}`,
      f.complianceType,
      f.annotation ?? '',
    ]);
  return t.toString();
}

export function scanReport(result: ScanResult): string {
  const s = summarise(result.findings);
  const lines = [
    `Account ${result.accountId}, region ${result.region}`,
    findingsTable(result.findings),
    `${result.findings.length} evaluations: ${s.NON_COMPLIANT} NON_COMPLIANT, ${s.COMPLIANT} COMPLIANT, ${s.NOT_APPLICABLE} NOT_APPLICABLE.`,
  ];
  for (const f of result.failures)
    lines.push(`Not evaluated (${f.ruleId}${f.resourceId ? ` ${f.resourceId}` : ''}): ${f.message}`);
  return `${lines.join('\n')}\n`;
}

export function scanJson(result: ScanResult) {
  return {
    accountId: result.accountId,
    region: result.region,
    startedAt: result.startedAt.toISOString(),
    endedAt: result.endedAt.toISOString(),
    summary: summarise(result.findings),
    findings: result.findings.map((f) => ({
      ruleId: f.ruleId,
      accountId: f.accountId,
      region: f.region,
      complianceResourceType: f.complianceResourceType,
      complianceResourceId: f.complianceResourceId,
      complianceType: f.complianceType,
      annotation: f.annotation,
    })),
    failures: result.failures,
  };
}

/** A progress bar on stderr when it is a terminal (never on stdout, which may be JSON). */
export function progressOnStderr(): ((done: number, total: number, ruleId?: string) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new SingleBar({
    stream: process.stderr,
    format: 'scanning {bar} {value}/{total} rules {rule}',
    hideCursor: true,
  });
  let started = false;
  return (done, total, ruleId) => {
    if (!started) {
      bar.start(total, 0, { rule: '' });
      started = true;
    }
    bar.update(done, { rule: ruleId ?? '' });
    if (done >= total) bar.stop();
  };
}

export function registerScan(program: Command, rules: readonly AnyRule[]): void {
  withConnectionOptions(
    program
      .command('scan')
      .description('Collect and evaluate the resources of every selected rule in one account and region.')
      .option('--rules <ids>', 'comma-separated rule ids (default: all)')
      .option(
        '--params <json>',
        'rule parameters per rule id, Config string form: {"rule-id": {"name": "value"}}',
      ),
  )
    .option('--format <format>', 'table or json', 'table')
    .option('--db <file>', 'history database (default $REBASELINE_DB or ~/.rebaseline/history.db)')
    .action(async (opts: ScanCliOptions) => {
      if (!['table', 'json'].includes(opts.format))
        throw new UsageError(`--format must be table or json, not ${opts.format}.`);
      const selected = selectRules(rules, opts.rules);
      const ruleParameters = jsonOption(opts.params, '--params') as Record<string, Record<string, unknown>>;
      const clients = await connect(opts);
      // Each rule's evaluations are in the history as soon as the rule is done; a killed scan is `interrupted`.
      const { result } = await recordedRun(
        { db: opts.db, kind: 'scan', args: process.argv.slice(2) },
        (journal) =>
          scanAccount({
            rules: selected,
            clients,
            ruleParameters,
            onProgress: progressOnStderr(),
            journal,
          }),
        (r) => ({ endedAt: r.endedAt }),
      );
      process.stdout.write(
        opts.format === 'json' ? `${JSON.stringify(scanJson(result), null, 2)}\n` : scanReport(result),
      );
      if (result.failures.length > 0)
        throw new IncompleteRunError(
          'resource(s) could not be evaluated (never reported as a verdict)',
          result.failures,
        );
    });
}
