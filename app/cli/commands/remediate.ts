import type { Command } from 'commander';
import { IncompleteRunError, type UnfinishedResource, UsageError } from '../../../shared/errors';
import type { AnyRule } from '../../../shared/rule';
import { formatDuration } from '../../history/format';
import {
  DEFAULT_MAX_CHANGES,
  type RemediateResult,
  type RemediationEntry,
  type RemediationRecord,
  remediateAccount,
} from '../../remediate';
import { summarise } from '../../scan';
import { type ConnectionOptions, connect, withConnectionOptions } from '../connection';
import { jsonOption } from '../io';
import { recordedRun, stoppedError } from '../recorded-run';
import { table } from '../table';
import { selectRules } from './scan';

export interface RemediateCliOptions extends ConnectionOptions {
  rules?: string;
  resource?: string;
  params?: string;
  stageParams?: string;
  dryRun?: boolean;
  apply?: boolean;
  maxChanges: string;
  viaSsm?: boolean;
  documentPrefix: string;
  lambdaPrefix: string;
  automationRoleArn?: string;
  format: 'table' | 'json';
  db?: string;
}

export function recordsTable(records: readonly RemediationRecord[]): string {
  const t = table(['Rule', 'Resource', 'Outcome', 'Time to remediate', 'Detail'], [38, 30, 18, 19, 60]);
  for (const r of records) {
    const plan = r.outcome === 'planned' ? (r.execution?.plan ?? []) : [];
    // A table cell cuts long JSON: the planned calls are printed in full below the table.
    const detail = plan.length
      ? `${plan.map((c) => `${c.service}:${c.api}`).join(', ')} (exact inputs below)`
      : r.message;
    t.push([r.ruleId, r.resourceId, r.outcome, formatDuration(r.timeToRemediateMs), detail]);
  }
  return t.toString();
}

/**
 * Every call a dry run would make, one per line with its complete inputs (never cut), under the resource it is
 * for: what a person approves before adding --apply.
 */
export function plannedCalls(records: readonly RemediationRecord[]): string[] {
  const planned = records.filter((r) => r.outcome === 'planned' && r.execution?.plan.length);
  if (planned.length === 0) return [];
  return [
    'Planned changes, exact inputs (nothing was changed):',
    ...planned.flatMap((r) => [
      `  ${r.resourceId} (${r.ruleId}, ${r.remediationId}):`,
      ...(r.execution?.plan ?? []).map(
        (c) => `    ${c.step}: ${c.service}:${c.api} ${JSON.stringify(c.inputs)}`,
      ),
    ]),
  ];
}

export function remediateReport(result: RemediateResult): string {
  const before = summarise(result.before.findings);
  const lines = [
    `Account ${result.before.accountId}, region ${result.before.region}: ${result.dryRun ? 'DRY-RUN (nothing is changed; add --apply to change)' : 'APPLY'}`,
    recordsTable(result.records),
    ...plannedCalls(result.records),
    `Before: ${before.NON_COMPLIANT} NON_COMPLIANT, ${before.COMPLIANT} COMPLIANT.`,
  ];
  if (result.after) {
    const after = summarise(result.after.findings);
    lines.push(`After:  ${after.NON_COMPLIANT} NON_COMPLIANT, ${after.COMPLIANT} COMPLIANT.`);
  }
  if (result.limitReached) {
    const left = result.records.filter((r) => r.outcome === 'skipped-limit').length;
    lines.push(
      `Blast-radius limit reached: ${left} non-compliant resource(s) were not changed. Re-run, or raise --max-changes.`,
    );
  }
  if (result.interrupted)
    lines.push(
      'Interrupted: the resources after the last one listed were not touched. Re-run to complete them.',
    );
  const failed = result.records.filter((r) => r.outcome === 'failed').length;
  if (failed > 0)
    lines.push(
      `${failed} remediation(s) failed; each is recorded with its steps. Re-run to complete the rest once the cause is fixed.`,
    );
  for (const f of [...result.before.failures, ...(result.after?.failures ?? [])])
    lines.push(`Not evaluated (${f.ruleId}${f.resourceId ? ` ${f.resourceId}` : ''}): ${f.message}`);
  return `${lines.join('\n')}\n`;
}

export function remediateJson(result: RemediateResult) {
  return {
    accountId: result.before.accountId,
    region: result.before.region,
    dryRun: result.dryRun,
    limitReached: result.limitReached,
    interrupted: Boolean(result.interrupted),
    before: summarise(result.before.findings),
    after: result.after ? summarise(result.after.findings) : undefined,
    remediations: result.records.map((r) => ({
      ruleId: r.ruleId,
      remediationId: r.remediationId,
      resourceType: r.resourceType,
      resourceId: r.resourceId,
      outcome: r.outcome,
      message: r.message,
      timeToRemediateMs: r.timeToRemediateMs,
      executionId: r.execution?.executionId,
      plan: r.execution?.plan,
      outputs: r.execution?.outputs,
    })),
    failures: unfinishedOf(result),
  };
}

export function registerRemediate(
  program: Command,
  rules: readonly AnyRule[],
  remediations: readonly RemediationEntry[],
): void {
  withConnectionOptions(
    program
      .command('remediate')
      .description('Remediate NON_COMPLIANT resources with their SSM documents; plans only unless --apply.')
      .option('--rules <ids>', 'comma-separated rule ids (default: all)')
      .option('--resource <id>', 'only this resource')
      .option(
        '--params <json>',
        'rule parameters per rule id, Config string form: {"rule-id": {"name": "value"}}',
      )
      .option(
        '--stage-params <json>',
        'values of the stage parameters the documents take from the deployment: {"flowLogBucketName": "my-logs"}',
      )
      .option('--dry-run', 'plan only: print the exact API calls, change nothing (the default)')
      .option('--apply', 'change the resources')
      .option(
        '--max-changes <n>',
        'blast-radius limit: change at most this many resources',
        String(DEFAULT_MAX_CHANGES),
      )
      .option(
        '--via-ssm',
        'start the deployed documents in SSM Automation (real AWS) instead of the local runner',
      )
      .option('--document-prefix <prefix>', 'deployed document name prefix for --via-ssm', 'rebaseline-')
      .option('--lambda-prefix <prefix>', 'deployed remediation Lambda name prefix', 'rebaseline-')
      .option('--automation-role-arn <arn>', 'value of the documents’ AutomationAssumeRole parameter'),
  )
    .option('--format <format>', 'table or json', 'table')
    .option('--db <file>', 'history database (default $REBASELINE_DB or ~/.rebaseline/history.db)')
    .action(async (opts: RemediateCliOptions) => {
      if (opts.apply && opts.dryRun) throw new UsageError('Give either --dry-run or --apply, not both.');
      if (!['table', 'json'].includes(opts.format))
        throw new UsageError(`--format must be table or json, not ${opts.format}.`);
      const maxChanges = Number(opts.maxChanges);
      if (!/^\d+$/.test(opts.maxChanges))
        throw new UsageError(`--max-changes must be a whole number, not ${opts.maxChanges}.`);
      const ruleParameters = jsonOption(opts.params, '--params') as Record<string, Record<string, unknown>>;
      const stageParameters = jsonOption(opts.stageParams, '--stage-params') as Record<string, string>;
      const selected = selectRules(rules, opts.rules);
      const clients = await connect(opts);
      // Each remediation is in the history before it starts and as soon as its outcome is known.
      const { result, stoppedBy } = await recordedRun(
        { db: opts.db, kind: 'remediate', trigger: 'manual', args: process.argv.slice(2) },
        (journal, signal) =>
          remediateAccount({
            rules: selected,
            remediations,
            clients,
            ruleParameters,
            stageParameters,
            apply: Boolean(opts.apply),
            maxChanges,
            resourceId: opts.resource,
            assumeRoleArn: opts.automationRoleArn,
            lambdaPrefix: opts.lambdaPrefix,
            ...(opts.viaSsm ? { viaSsm: { documentPrefix: opts.documentPrefix } } : {}),
            journal,
            signal,
          }),
        (r) => ({
          dryRun: r.dryRun,
          limitReached: r.limitReached,
          ...(r.after ? { endedAt: r.after.endedAt } : {}),
        }),
      );
      process.stdout.write(
        opts.format === 'json'
          ? `${JSON.stringify(remediateJson(result), null, 2)}\n`
          : remediateReport(result),
      );
      if (stoppedBy) throw stoppedError(stoppedBy);
      const unfinished = unfinishedOf(result);
      if (unfinished.length > 0)
        throw new IncompleteRunError('resource(s) were not evaluated or not remediated', unfinished);
    });
}

/** Every resource the run did not finish: not evaluated before or after, or whose remediation failed. */
export function unfinishedOf(result: RemediateResult): UnfinishedResource[] {
  return [
    ...result.before.failures.map((f) => ({ ...f, message: `Not evaluated: ${f.message}` })),
    ...result.records
      .filter((r) => r.outcome === 'failed')
      .map((r) => ({
        ruleId: r.ruleId,
        resourceType: r.resourceType,
        resourceId: r.resourceId,
        message: `Not remediated: ${r.message}`,
      })),
    ...(result.after?.failures ?? []).map((f) => ({ ...f, message: `Not re-evaluated: ${f.message}` })),
  ];
}
