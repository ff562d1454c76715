import type { Command } from 'commander';
import { UsageError } from '../../../shared/errors';
import type { AnyRule } from '../../../shared/rule';
import { type DemoResult, demoTotals, runDemo } from '../../demo/run-demo';
import { formatDuration } from '../../history/format';
import type { RemediationEntry } from '../../remediate';
import { table } from '../table';

interface DemoCliOptions {
  format: 'table' | 'json';
  outDir?: string;
  db?: string;
}

/** Every resource of the demo with its verdict before and after, and the time it took to fix. */
export function demoRows(result: DemoResult) {
  return result.accounts.flatMap((account) => {
    const after = new Map(
      (account.remediation.after?.findings ?? []).map((f) => [`${f.ruleId}|${f.complianceResourceId}`, f]),
    );
    const records = new Map(account.remediation.records.map((r) => [`${r.ruleId}|${r.resourceId}`, r]));
    return account.before.findings.map((f) => {
      const key = `${f.ruleId}|${f.complianceResourceId}`;
      const record = records.get(key);
      return {
        accountId: account.accountId,
        ruleId: f.ruleId,
        resourceType: f.complianceResourceType,
        resourceId: f.complianceResourceId,
        before: f.complianceType,
        beforeAnnotation: f.annotation,
        after: after.get(key)?.complianceType ?? 'NOT_FOUND',
        remediation: record?.remediationId,
        outcome: record?.outcome,
        timeToRemediateMs: record?.timeToRemediateMs,
      };
    });
  });
}

function demoTable(result: DemoResult): string {
  const t = table(
    ['Account', 'Rule', 'Resource', 'Before', 'After', 'Time to remediate'],
    [14, 38, 34, 15, 15, 19],
  );
  for (const r of demoRows(result))
    t.push([
      r.accountId,
      r.ruleId,
      r.resourceId,
      r.before,
      r.after,
      r.timeToRemediateMs === undefined ? '' : formatDuration(r.timeToRemediateMs),
    ]);
  return t.toString();
}

export function registerDemo(
  program: Command,
  rules: readonly AnyRule[],
  remediations: readonly RemediationEntry[],
) {
  program
    .command('demo')
    .description(
      'Start a local AWS emulator, make two accounts insecure, scan, remediate through the SSM documents, re-scan, report.',
    )
    .option('--format <format>', 'table or json', 'table')
    .option('--out-dir <dir>', 'where the report and the demo history go', 'rebaseline-demo')
    .option('--db <file>', 'history database (default: a fresh file in --out-dir)')
    .action(async (opts: DemoCliOptions) => {
      if (!['table', 'json'].includes(opts.format))
        throw new UsageError(`--format must be table or json, not ${opts.format}.`);
      const log = opts.format === 'table' ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
      const result = await runDemo({ rules, remediations, outDir: opts.outDir, db: opts.db, log });
      const totals = demoTotals(result);
      if (opts.format === 'json') {
        process.stdout.write(
          `${JSON.stringify(
            {
              before: totals.before,
              after: totals.after,
              accounts: result.accounts.map((a) => a.accountId),
              resources: demoRows(result),
              notes: result.notes,
              historyDb: result.historyDb,
              emulatorPid: result.emulatorPid,
              report: result.reportPath,
              durationMs: result.durationMs,
            },
            null,
            2,
          )}\n`,
        );
        return;
      }
      const lines = [
        demoTable(result),
        `Before: ${totals.before.NON_COMPLIANT} NON_COMPLIANT, ${totals.before.COMPLIANT} COMPLIANT.  After: ${totals.after.NON_COMPLIANT} NON_COMPLIANT, ${totals.after.COMPLIANT} COMPLIANT.`,
        ...result.notes.map((n) => `Note: ${n}`),
        `History: ${result.historyDb} (rebaseline history --db ${result.historyDb})`,
        `Report: ${result.reportPath}`,
        `Done in ${formatDuration(result.durationMs)}; the emulator is stopped.`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
