import type { Command } from 'commander';
import { UsageError } from '../../../shared/errors';
import type { AnyRule } from '../../../shared/rule';
import { type DemoResult, demoTotals, runDemo, seedEmulator } from '../../demo/run-demo';
import { formatDuration } from '../../history/format';
import type { RemediationEntry } from '../../remediate';
import type { PlaybookEntry } from '../../respond';
import { displayPath } from '../open-history';
import { table } from '../table';
import { incidentDemo } from './incident-demo';
import { catalogOf } from './report';

interface DemoCliOptions {
  format: 'table' | 'json';
  outDir: string;
  db?: string;
  seed?: boolean;
  endpointUrl?: string;
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
        resourceName: f.resourceName,
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

/** The commands to paste after the demo, with its real paths (relative to here when they are under it). */
export function demoNextSteps(result: DemoResult): string[] {
  const db = displayPath(result.historyDb);
  return [
    `npx rebaseline history --db ${db} --rule ec2-security-group-no-public-ingress`,
    `npx rebaseline report --db ${db} --format csv --section evidence --control cis-aws-foundations-3.0:5.2`,
  ];
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
      r.resourceName ? `${r.resourceId}\n${r.resourceName}` : r.resourceId,
      r.before,
      r.after,
      r.timeToRemediateMs === undefined ? '' : formatDuration(r.timeToRemediateMs),
    ]);
  return t.toString();
}

function recordedRootKeyLines(result: DemoResult): string[] {
  return result.recordedRootKeys.evaluations.map(
    (e) =>
      `Root access keys on a recorded credential report (${result.recordedRootKeys.command}): ${e.complianceType} — ${e.annotation ?? ''}`,
  );
}

export function registerDemo(
  program: Command,
  rules: readonly AnyRule[],
  remediations: readonly RemediationEntry[],
  playbooks: readonly PlaybookEntry[] = [],
) {
  program
    .command('demo')
    .description(
      'Start a local AWS emulator, make two accounts insecure, scan, remediate through the SSM documents, re-scan, report.',
    )
    .option(
      '--format <format>',
      'table or json (pipe JSON with: npm run --silent demo -- --format json | jq)',
      'table',
    )
    .option('--out-dir <dir>', 'where the report and the demo history go', 'rebaseline-demo')
    .option('--db <file>', 'history database (default: a fresh file in --out-dir)')
    .option(
      '--seed',
      'only make the accounts of an emulator you started insecure (with --endpoint-url), then scan and remediate it yourself',
    )
    .option('--endpoint-url <url>', 'the emulator to seed with --seed, e.g. http://127.0.0.1:5000')
    .option('--incident', 'the incident-response act instead: a finding answered by isolate + block + notify')
    .action(async (opts: DemoCliOptions & { incident?: boolean }) => {
      if (!['table', 'json'].includes(opts.format))
        throw new UsageError(`--format must be table or json, not ${opts.format}.`);
      if (opts.incident) return incidentDemo(playbooks, opts);
      if (Boolean(opts.seed) !== Boolean(opts.endpointUrl))
        throw new UsageError(
          '--seed and --endpoint-url go together: start moto_server, then rebaseline demo --seed --endpoint-url <its url>.',
        );
      if (opts.seed && opts.endpointUrl) {
        const seeded = await seedEmulator(opts.endpointUrl, (line) => process.stderr.write(`${line}\n`));
        const u = opts.endpointUrl;
        // The log bucket enable-vpc-flow-logs sends the first account's flow logs to (a stage parameter when deployed).
        const bucket = `--stage-params '${JSON.stringify({ flowLogBucketName: seeded[0]?.insecure.flowLogBucket })}'`;
        process.stdout.write(
          [
            `Seeded ${seeded.map((s) => s.accountId).join(' and ')} on ${u} (the second through AssumeRole). Now, with any keys (the emulator accepts them):`,
            '  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1',
            `  npx rebaseline scan --endpoint-url ${u}`,
            `  npx rebaseline remediate --endpoint-url ${u} ${bucket}   # dry run: the exact calls`,
            `  npx rebaseline remediate --endpoint-url ${u} ${bucket} --apply --max-changes 1`,
            `  npx rebaseline scan --endpoint-url ${u} --role-arn arn:aws:iam::${seeded[1]?.accountId}:role/rebaseline-execution`,
            '',
          ].join('\n'),
        );
        return;
      }
      const log = opts.format === 'table' ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
      const result = await runDemo({
        rules,
        remediations,
        outDir: opts.outDir,
        db: opts.db,
        catalog: catalogOf(rules),
        log,
      });
      const totals = demoTotals(result);
      if (opts.format === 'json') {
        process.stdout.write(
          `${JSON.stringify(
            {
              before: totals.before,
              after: totals.after,
              accounts: result.accounts.map((a) => a.accountId),
              resources: demoRows(result),
              recordedRootKeys: result.recordedRootKeys,
              notes: result.notes,
              historyDb: result.historyDb,
              next: demoNextSteps(result),
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
        ...recordedRootKeyLines(result),
        `History: ${displayPath(result.historyDb)}. Look at it (paste as is):`,
        ...demoNextSteps(result).map((c) => `  ${c}`),
        `Report: ${displayPath(result.reportPath)}`,
        `Done in ${formatDuration(result.durationMs)}; the emulator is stopped.`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
