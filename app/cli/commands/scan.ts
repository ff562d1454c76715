import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { IncompleteRunError, UsageError } from '../../../shared/errors';
import type { AnyRule } from '../../../shared/rule';
import {
  SCAN_SOURCES,
  type ScanFinding,
  type ScanResult,
  type ScanSource,
  scanAccount,
  summarise,
} from '../../scan';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_MEMBER_ROLE,
  type MultiScanResult,
  scanAccounts,
} from '../../scan/organization';
import { progressBar } from '../../scan/progress';
import { parseRates, ScanRateLimits } from '../../scan/rate-limit';
import { type ConnectionOptions, connect, withConnectionOptions } from '../connection';
import { jsonOption } from '../io';
import { recordedRun } from '../recorded-run';
import { table } from '../table';

export interface ScanCliOptions extends ConnectionOptions {
  rules?: string;
  params?: string;
  format: 'table' | 'json';
  db?: string;
  source: string;
  org?: boolean;
  accounts?: string;
  excludeAccounts?: string;
  regions?: string;
  roleName?: string;
  externalIds?: string;
  concurrency?: string;
  maxRate?: string;
  aggregator?: string;
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

const findingJson = (f: ScanFinding) => ({
  ruleId: f.ruleId,
  accountId: f.accountId,
  region: f.region,
  complianceResourceType: f.complianceResourceType,
  complianceResourceId: f.complianceResourceId,
  complianceType: f.complianceType,
  annotation: f.annotation,
  ...(f.source ? { source: f.source } : {}),
});

export function scanJson(result: ScanResult) {
  return {
    accountId: result.accountId,
    region: result.region,
    startedAt: result.startedAt.toISOString(),
    endedAt: result.endedAt.toISOString(),
    summary: summarise(result.findings),
    findings: result.findings.map(findingJson),
    failures: result.failures,
  };
}

/** The report of a scan of several accounts or regions: per account-region, then what is NON_COMPLIANT. */
export function multiScanReport(result: MultiScanResult): string {
  const s = summarise(result.findings);
  const byUnit = new Map<string, number>();
  for (const f of result.findings)
    if (f.complianceType === 'NON_COMPLIANT')
      byUnit.set(`${f.accountId}|${f.region}`, (byUnit.get(`${f.accountId}|${f.region}`) ?? 0) + 1);
  const units = table(
    ['Account', 'Region', 'Evaluated', 'NON_COMPLIANT', 'Not evaluated', 'Read from Config'],
    [14, 16, 11, 15, 15, 40],
  );
  for (const r of [...result.regions].sort((a, b) =>
    `${a.accountId}${a.region}` < `${b.accountId}${b.region}` ? -1 : 1,
  ))
    units.push([
      r.accountId,
      r.region,
      String(r.evaluated),
      String(byUnit.get(`${r.accountId}|${r.region}`) ?? 0),
      String(r.failed),
      r.fromConfig.join('\n'),
    ]);
  const reached = result.accounts.filter((a) => !a.error);
  const lines = [
    `Scanned ${reached.length} of ${result.accounts.length} account(s), ${result.regions.length} account-region(s), from account ${result.accountId}.`,
    units.toString(),
  ];
  for (const a of result.accounts) {
    if (a.skipped.length > 0)
      lines.push(`Account ${a.accountId}: ${a.skipped.join(', ')} not enabled in the account; not scanned.`);
    if (a.note) lines.push(`Account ${a.accountId}: ${a.note}.`);
  }
  const open = result.findings.filter((f) => f.complianceType === 'NON_COMPLIANT');
  if (open.length > 0) {
    const t = table(['Account', 'Region', 'Rule', 'Resource', 'Annotation'], [14, 16, 38, 34, 60]);
    for (const f of open)
      t.push([
        f.accountId,
        f.region,
        f.ruleId,
        `${f.complianceResourceId}\n${f.complianceResourceType}`,
        f.annotation ?? '',
      ]);
    lines.push('NON_COMPLIANT:', t.toString());
  }
  const stats = result.stats;
  lines.push(
    `${result.findings.length} evaluations: ${s.NON_COMPLIANT} NON_COMPLIANT, ${s.COMPLIANT} COMPLIANT, ${s.NOT_APPLICABLE} NOT_APPLICABLE (every evaluation: --format json). ${stats.requests} requests, ${stats.throttles} throttled.`,
  );
  for (const f of result.failures)
    lines.push(
      `Not evaluated (${[f.accountId, f.region, f.ruleId === '*' ? 'every rule' : f.ruleId, f.resourceId]
        .filter(Boolean)
        .join(' ')}): ${f.message}`,
    );
  return `${lines.join('\n')}\n`;
}

export function multiScanJson(result: MultiScanResult, source: ScanSource) {
  return {
    accountId: result.accountId,
    source,
    startedAt: result.startedAt.toISOString(),
    endedAt: result.endedAt.toISOString(),
    summary: summarise(result.findings),
    accounts: result.accounts,
    regions: result.regions,
    requests: {
      total: result.stats.requests,
      throttled: result.stats.throttles,
      byService: result.stats.requestsByService,
      throttledByService: result.stats.throttlesByService,
      rateLimitWaitMs: Math.round(result.stats.waitedMs),
    },
    findings: result.findings.map(findingJson),
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

const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
const ROLE_NAME = /^[\w+=,.@-]+(\/[\w+=,.@-]+)*$/;

/** A comma list of account ids. @throws UsageError for an entry that is not 12 digits. */
export function accountList(value: string | undefined, option: string): string[] | undefined {
  if (value === undefined) return undefined;
  const ids = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = ids.find((id) => !ACCOUNT_ID.test(id));
  if (bad !== undefined || ids.length === 0)
    throw new UsageError(
      `${option} takes 12-digit account ids separated by commas, not ${JSON.stringify(bad ?? value)}.`,
    );
  return ids;
}

/** `all` or a comma list of region names. @throws UsageError for an entry that is not a region name. */
export function regionList(value: string | undefined): 'all' | string[] | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === 'all') return 'all';
  const regions = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = regions.find((r) => !REGION.test(r));
  if (bad !== undefined || regions.length === 0)
    throw new UsageError(
      `--regions takes all or region names separated by commas (eu-west-1,us-east-1), not ${JSON.stringify(bad ?? value)}.`,
    );
  return [...new Set(regions)];
}

/** `--external-ids <file>`: a JSON object of account id → external id. @throws UsageError otherwise. */
export function externalIdMap(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const map = jsonOption(value, '--external-ids');
  for (const [account, id] of Object.entries(map))
    if (!ACCOUNT_ID.test(account) || typeof id !== 'string' || !/^[\w+=,.@:/-]{2,1224}$/.test(id))
      throw new UsageError(
        `--external-ids must map 12-digit account ids to external ids (2-1224 characters of letters, digits and +=,.@:/-); ${account} does not.`,
      );
  return map as Record<string, string>;
}

interface ScanPlan {
  multi: boolean;
  source: ScanSource;
  concurrency: number;
}

/** Checks the options of `scan` together. @throws UsageError naming what does not go together. */
export function scanPlan(opts: ScanCliOptions): ScanPlan {
  if (!['table', 'json'].includes(opts.format))
    throw new UsageError(`--format must be table or json, not ${opts.format}.`);
  if (!SCAN_SOURCES.includes(opts.source as ScanSource))
    throw new UsageError(`--source must be ${SCAN_SOURCES.join(', ')}, not ${opts.source}.`);
  for (const [option, given] of [
    ['--accounts', opts.accounts],
    ['--exclude-accounts', opts.excludeAccounts],
    ['--role-name', opts.roleName],
    ['--external-ids', opts.externalIds],
    ['--aggregator', opts.aggregator],
  ] as const)
    if (given !== undefined && !opts.org) throw new UsageError(`${option} needs --org.`);
  if (opts.roleName !== undefined && !ROLE_NAME.test(opts.roleName))
    throw new UsageError(
      `--role-name ${JSON.stringify(opts.roleName)} is not an IAM role name (an optional path/ may precede it).`,
    );
  if (opts.aggregator !== undefined && opts.source === 'live')
    throw new UsageError('--aggregator reads AWS Config: it does not go with --source live.');
  if (opts.aggregator !== undefined && !/^[\w-]{1,256}$/.test(opts.aggregator))
    throw new UsageError(
      `--aggregator ${JSON.stringify(opts.aggregator)} is not a configuration aggregator name.`,
    );
  const concurrency = opts.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(opts.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
    throw new UsageError(`--concurrency must be a whole number from 1 to 64, not ${opts.concurrency}.`);
  const multi = Boolean(opts.org) || opts.regions !== undefined;
  if (!multi && (opts.concurrency !== undefined || opts.maxRate !== undefined))
    throw new UsageError(
      '--concurrency and --max-rate are for a scan of several accounts or regions (--org or --regions).',
    );
  return { multi, source: opts.source as ScanSource, concurrency };
}

export function registerScan(program: Command, rules: readonly AnyRule[]): void {
  withConnectionOptions(
    program
      .command('scan')
      .description(
        'Collect and evaluate the resources of every selected rule: one account and region, several regions (--regions), or every account of the organization (--org).',
      )
      .option('--rules <ids>', 'comma-separated rule ids (default: all)')
      .option(
        '--params <json>',
        'rule parameters per rule id, Config string form: {"rule-id": {"name": "value"}}',
      ),
  )
    .option('--format <format>', 'table or json', 'table')
    .option('--db <file>', 'history database (default $REBASELINE_DB or ~/.rebaseline/history.db)')
    .option(
      '--source <source>',
      'auto: AWS Config’s items where its recorder records the type, the live APIs elsewhere; config: Config’s items only; live: the APIs',
      'auto',
    )
    .option(
      '--org',
      'scan every ACTIVE account of the organization (from the management or a delegated administrator account)',
    )
    .option('--accounts <ids>', 'with --org: only these accounts (comma-separated ids)')
    .option('--exclude-accounts <ids>', 'with --org: not these accounts')
    .option(
      '--regions <regions>',
      'all (each account’s enabled regions) or a comma-separated list (default: --region)',
    )
    .option(
      '--role-name <name>',
      `with --org: the role to assume in each member (default ${DEFAULT_MEMBER_ROLE})`,
    )
    .option(
      '--external-ids <file>',
      'with --org: JSON file of account id → external id, for members whose role needs its own',
    )
    .option('--aggregator <name>', 'with --org: read Config’s items from this configuration aggregator')
    .option('--concurrency <n>', `account-regions scanned at once (default ${DEFAULT_CONCURRENCY})`)
    .option(
      '--max-rate <rates>',
      'requests per second per account and service, e.g. ec2=5,s3=20 (defaults: docs/cli.md)',
    )
    .action(async (opts: ScanCliOptions) => {
      const plan = scanPlan(opts);
      const selected = selectRules(rules, opts.rules);
      const ruleParameters = jsonOption(opts.params, '--params') as Record<string, Record<string, unknown>>;
      if (plan.multi) return scanMany(opts, plan, selected, ruleParameters);
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
            source: plan.source,
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

/** `scan --org` / `scan --regions …`: several accounts or regions at once. */
async function scanMany(
  opts: ScanCliOptions,
  plan: ScanPlan,
  rules: AnyRule[],
  ruleParameters: Record<string, Record<string, unknown>>,
): Promise<void> {
  const accounts = accountList(opts.accounts, '--accounts');
  const excludeAccounts = accountList(opts.excludeAccounts, '--exclude-accounts');
  const regions = regionList(opts.regions);
  const externalIds = externalIdMap(opts.externalIds);
  const limits = new ScanRateLimits(parseRates(opts.maxRate));
  // With --org, --external-id is the member roles' (a --role-arn is then assumed without one).
  const clients = await connect(opts.org ? { ...opts, externalId: undefined } : opts);
  const progress = progressBar(() => limits.stats);
  let result: MultiScanResult;
  try {
    ({ result } = await recordedRun(
      { db: opts.db, kind: 'scan', args: process.argv.slice(2) },
      (journal) =>
        scanAccounts({
          rules,
          ruleParameters,
          clients,
          org: Boolean(opts.org),
          ...(accounts ? { accounts } : {}),
          ...(excludeAccounts ? { excludeAccounts } : {}),
          ...(regions ? { regions } : {}),
          ...(opts.roleName ? { roleName: opts.roleName } : {}),
          ...(opts.org && opts.externalId ? { externalId: opts.externalId } : {}),
          ...(externalIds ? { externalIds } : {}),
          ...(opts.aggregator ? { aggregator: opts.aggregator } : {}),
          concurrency: plan.concurrency,
          limits,
          source: plan.source,
          journal,
          ...(progress ? { onEvent: progress.onEvent } : {}),
        }),
      (r) => ({ endedAt: r.endedAt }),
    ));
  } finally {
    progress?.stop();
  }
  process.stdout.write(
    opts.format === 'json'
      ? `${JSON.stringify(multiScanJson(result, plan.source), null, 2)}\n`
      : multiScanReport(result),
  );
  if (result.failures.length > 0)
    throw new IncompleteRunError(
      'resource(s) could not be evaluated (never reported as a verdict)',
      result.failures,
    );
}
