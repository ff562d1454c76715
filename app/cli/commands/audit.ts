import type { Command } from 'commander';
import type { AnyRule } from '../../../shared/rule';
import { type AuditImportResult, importConfigHistory } from '../../history/audit-import';
import { parseSince } from '../../history/format';
import { type ConnectionOptions, connect, withConnectionOptions } from '../connection';
import { withHistory } from '../open-history';

export interface AuditImportCommandOptions extends ConnectionOptions {
  since?: string;
  aggregator?: string;
  rules?: string;
  db?: string;
}

/** What an import did, in a few lines. */
export function describeImport(result: AuditImportResult, path: string): string {
  const lines = [
    `Imported from AWS Config into ${path} (run ${result.runId}):`,
    `  rules: ${result.rules}`,
    `  evaluations: ${result.evaluations.inserted} new, ${result.evaluations.skipped} already recorded`,
    `  compliance history items read: ${result.complianceHistoryItems}`,
    `  remediation executions: ${result.remediations.inserted} new, ${result.remediations.updated} updated`,
    ...result.warnings.map((w) => `  note: ${w}`),
  ];
  return `${lines.join('\n')}\n`;
}

export function registerAudit(program: Command, rules: readonly AnyRule[]): void {
  const audit = program.command('audit').description('Work with AWS Config’s own compliance records.');
  withConnectionOptions(
    audit
      .command('import')
      .description(
        'Import AWS Config compliance history and remediation executions into the history store (safe to repeat).',
      )
      .option('--since <when>', 'history since a date (2026-01-31) or an age (90d)')
      .option('--aggregator <name>', 'read an organization through this configuration aggregator')
      .option('--rules <names>', 'only these Config rules (names or rebaseline rule ids, comma-separated)'),
  )
    .option('--db <file>', 'history database (default $REBASELINE_DB or ~/.rebaseline/history.db)')
    .action(async (opts: AuditImportCommandOptions) => {
      const since = opts.since ? parseSince(opts.since) : undefined;
      const aws = await connect(opts);
      // The external id is a shared secret of the role's trust policy: the run's record says one was given, not which.
      const args = {
        command: 'audit import',
        ...opts,
        ...(opts.externalId ? { externalId: '(given)' } : {}),
      };
      await withHistory(opts.db, async (store) => {
        const result = await importConfigHistory(store, aws, {
          since,
          aggregator: opts.aggregator,
          rules: opts.rules
            ?.split(',')
            .map((r) => r.trim())
            .filter(Boolean),
          knownRuleIds: rules.map((r) => r.meta.id),
          args,
          onProgress: (message) => process.stderr.write(`${message}\n`),
        });
        process.stdout.write(describeImport(result, store.path));
      });
    });
}
