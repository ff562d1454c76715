import { DescribeRegionsCommand } from '@aws-sdk/client-ec2';
import { paginateListAccounts } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { callerIdentity } from '../../shared/aws/assume-role';
import { AwsClients } from '../../shared/aws/clients';
import { EC2 } from '../../shared/aws/services/ec2';
import { Organizations } from '../../shared/aws/services/organizations';
import { STS } from '../../shared/aws/services/sts';
import { awsErrorName, RebaselineError, UsageError } from '../../shared/errors';
import { type AnyRule, ruleScope } from '../../shared/rule';
import {
  type RegionTarget,
  type RuleRun,
  readerFor,
  runRule,
  type ScanFailure,
  type ScanFinding,
  type ScanJournal,
  type ScanSource,
  type SelectedRule,
  withParameters,
} from '../scan';
import { AggregatorInventory, ConfigInventory, type Inventory } from './inventory';
import { type CallStats, DEFAULT_RATES, ScanRateLimits } from './rate-limit';

/** The organisation or an account could not be reached at all (exit status 1: the run did not complete). */
export class OrganizationScanError extends RebaselineError {
  readonly exitCode = 1;
}

/** The role `conformance-packs/member-roles.yaml` creates in every member account. */
export const DEFAULT_MEMBER_ROLE = 'rebaseline-execution';
/** Account-regions scanned at once (each reads its resources a few at a time: see the rules' collectors). */
export const DEFAULT_CONCURRENCY = 8;
/** Assumed-role sessions last this long and are renewed this much before they end. */
const SESSION_SECONDS = 3600;
const RENEW_BEFORE_MS = 5 * 60_000;

/** An account of the organisation, as ListAccounts gives it. */
export interface OrganizationAccount {
  accountId: string;
  name?: string;
  /** `State` (or, in older answers, `Status`): ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, … */
  state: string;
}

/**
 * Every account of the organisation, all pages of `ListAccounts` (from the management account or a delegated
 * administrator).
 * @throws OrganizationScanError when the organisation cannot be listed (not in one, not allowed).
 */
export async function organizationAccounts(clients: AwsClients): Promise<OrganizationAccount[]> {
  const out: OrganizationAccount[] = [];
  try {
    for await (const page of paginateListAccounts({ client: clients.get(Organizations) }, {}))
      for (const a of page.Accounts ?? [])
        if (a.Id)
          out.push({
            accountId: a.Id,
            ...(a.Name ? { name: a.Name } : {}),
            state: a.State ?? a.Status ?? 'UNKNOWN',
          });
  } catch (cause) {
    const name = awsErrorName(cause) ?? 'error';
    const hint =
      name === 'AWSOrganizationsNotInUseException'
        ? 'this account is not in an organization'
        : name === 'AccessDeniedException'
          ? 'run it from the management account or a delegated administrator, with organizations:ListAccounts'
          : ((cause as Error)?.message ?? name);
    throw new OrganizationScanError(`Could not list the organization's accounts (${name}): ${hint}.`, {
      cause,
    });
  }
  return out;
}

/**
 * The accounts to scan: the ACTIVE ones, only those of `accounts` when given, none of `exclude`.
 * @throws UsageError naming an account of `accounts` that is not an active account of the organisation.
 * @example
 * chooseAccounts(all, { accounts: ['111122223333'] }); // → [{ accountId: '111122223333', … }]
 */
export function chooseAccounts(
  all: readonly OrganizationAccount[],
  filter: { accounts?: readonly string[]; exclude?: readonly string[] },
): OrganizationAccount[] {
  const byId = new Map(all.map((a) => [a.accountId, a]));
  for (const id of filter.accounts ?? []) {
    const account = byId.get(id);
    if (!account) throw new UsageError(`--accounts: ${id} is not an account of the organization.`);
    if (account.state !== 'ACTIVE')
      throw new UsageError(`--accounts: ${id} is ${account.state}, not ACTIVE; it cannot be scanned.`);
  }
  const wanted = filter.accounts ? new Set(filter.accounts) : undefined;
  const excluded = new Set(filter.exclude ?? []);
  return all.filter(
    (a) => a.state === 'ACTIVE' && (!wanted || wanted.has(a.accountId)) && !excluded.has(a.accountId),
  );
}

/**
 * The regions enabled for the account of `clients` (`ec2:DescribeRegions`: those not needing opt-in, and opt-in
 * regions the account opted in to).
 * @example
 * await enabledRegions(memberClients); // → ['eu-west-1', 'us-east-1', …]
 */
export async function enabledRegions(clients: AwsClients): Promise<string[]> {
  const out = await clients.get(EC2).send(new DescribeRegionsCommand({ AllRegions: false }));
  return (out.Regions ?? [])
    .filter((r) => r.RegionName && r.OptInStatus !== 'not-opted-in')
    .map((r) => r.RegionName as string)
    .sort();
}

/**
 * Credentials of a role assumed from `base` (`sts:AssumeRole`, one-hour sessions), renewed shortly before they end;
 * every client of the account shares them, so an account costs one AssumeRole an hour whatever is read.
 * @example
 * const credentials = assumedRoleCredentials(base, 'arn:aws:iam::111122223333:role/rebaseline-execution', 'x');
 */
export function assumedRoleCredentials(
  base: AwsClients,
  roleArn: string,
  externalId?: string,
): AwsCredentialIdentityProvider {
  let current: Promise<AwsCredentialIdentity> | undefined;
  const fetch = async (): Promise<AwsCredentialIdentity> => {
    const out = await base.get(STS).send(
      new AssumeRoleCommand({
        RoleArn: roleArn,
        RoleSessionName: 'rebaseline-scan',
        DurationSeconds: SESSION_SECONDS,
        ...(externalId ? { ExternalId: externalId } : {}),
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey)
      throw new OrganizationScanError(`AssumeRole into ${roleArn} returned no credentials.`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  };
  return async () => {
    const held = current ? await current.catch(() => undefined) : undefined;
    if (!held || (held.expiration && held.expiration.getTime() - Date.now() < RENEW_BEFORE_MS)) {
      current = fetch();
      // A failed AssumeRole is not kept: the next call (the account retried at the end) asks again.
      current.catch(() => {
        current = undefined;
      });
    }
    return current as Promise<AwsCredentialIdentity>;
  };
}

/** What a scan of several accounts or regions reports as it goes (the progress bar listens). */
export type ScanEvent =
  | { type: 'accounts'; accounts: number }
  | { type: 'account-ready'; accountId: string; regions: string[]; skipped: string[] }
  | { type: 'account-failed'; accountId: string; message: string; final: boolean }
  | {
      type: 'region-done';
      accountId: string;
      region: string;
      evaluated: number;
      failed: number;
      retry: boolean;
    }
  | { type: 'retrying'; accountRegions: number; accounts: number };

export interface MultiScanOptions {
  rules: readonly AnyRule[];
  /** Per rule id, parameters in Config's string form. */
  ruleParameters?: Record<string, Record<string, unknown>>;
  /** The caller's clients (its account, the home region). */
  clients: AwsClients;
  /** List the organisation's accounts (`--org`); otherwise the caller's account alone. */
  org: boolean;
  accounts?: readonly string[];
  excludeAccounts?: readonly string[];
  /** `all` (the enabled regions of each account) or a list; default: the clients' region. */
  regions?: 'all' | readonly string[];
  /** The member role's name (a path may precede it: `audit/rebaseline-execution`). */
  roleName?: string;
  /** `sts:ExternalId` for every member; `externalIds` per account overrides it. */
  externalId?: string;
  externalIds?: Readonly<Record<string, string>>;
  concurrency?: number;
  /** The per-service, per-account rate limits (default: {@link DEFAULT_RATES}); pass one to watch its counts. */
  limits?: ScanRateLimits;
  source?: ScanSource;
  /** Read Config's items from this configuration aggregator (in the caller's account and region). */
  aggregator?: string;
  journal?: ScanJournal;
  onEvent?: (event: ScanEvent) => void;
  now?: () => Date;
}

/** One account-region: what was scanned there and how it ended. */
export interface RegionOutcome {
  accountId: string;
  region: string;
  evaluated: number;
  failed: number;
  /** Rules read from Config's items here. */
  fromConfig: string[];
}

/** One account: the regions scanned and skipped, or why it could not be scanned. */
export interface AccountOutcome {
  accountId: string;
  name?: string;
  regions: string[];
  /** Regions asked for but not enabled in the account. */
  skipped: string[];
  /** Where the global rules were evaluated. */
  homeRegion?: string;
  /** Something the scan of this account had to work around. */
  note?: string;
  error?: string;
}

export interface MultiScanResult {
  /** The account the scan ran from. */
  accountId: string;
  startedAt: Date;
  endedAt: Date;
  accounts: AccountOutcome[];
  regions: RegionOutcome[];
  findings: ScanFinding[];
  failures: ScanFailure[];
  stats: CallStats;
}

/** An account once reached: its clients (assumed role or the caller's own) and its regions. */
interface AccountSession {
  accountId: string;
  partition: string;
  clients: AwsClients;
  regions: string[];
  skipped: string[];
  homeRegion: string;
  note?: string;
}

interface Task {
  accountId: string;
  run: () => Promise<void>;
}

/**
 * A pool of `concurrency` workers over tasks grouped by account; each free worker takes the next task of the account
 * with the fewest tasks running, so the load (and the rate limits) spread over the accounts instead of falling on
 * one account at a time. Tasks may add tasks.
 */
class AccountPool {
  private readonly pending = new Map<string, Task[]>();
  private readonly running = new Map<string, number>();
  private active = 0;
  private idle?: () => void;
  private failure?: unknown;

  constructor(private readonly concurrency: number) {}

  add(task: Task): void {
    const list = this.pending.get(task.accountId) ?? [];
    list.push(task);
    this.pending.set(task.accountId, list);
    this.pump();
  }

  /** Resolves when every task (and every task they added) is done. */
  drained(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.idle = () => (this.failure ? reject(this.failure) : resolve());
      this.pump();
    });
  }

  private next(): Task | undefined {
    let best: string | undefined;
    for (const [accountId, tasks] of this.pending)
      if (
        tasks.length > 0 &&
        (best === undefined || (this.running.get(accountId) ?? 0) < (this.running.get(best) ?? 0))
      )
        best = accountId;
    if (best === undefined) return undefined;
    const tasks = this.pending.get(best) as Task[];
    const task = tasks.shift();
    if (tasks.length === 0) this.pending.delete(best);
    return task;
  }

  private pump(): void {
    while (this.active < this.concurrency) {
      const task = this.next();
      if (!task) break;
      this.active++;
      this.running.set(task.accountId, (this.running.get(task.accountId) ?? 0) + 1);
      task
        .run()
        .catch((error) => {
          // Tasks report their own failures; one that throws is a bug: stop the scan with it.
          this.failure ??= error;
        })
        .finally(() => {
          this.active--;
          this.running.set(task.accountId, (this.running.get(task.accountId) ?? 1) - 1);
          this.pump();
        });
    }
    if (this.active === 0 && this.pending.size === 0) this.idle?.();
  }
}

const resourceKey = (f: { ruleId: string; resourceType?: string; resourceId?: string }) =>
  `${f.ruleId}|${f.resourceType ?? ''}|${f.resourceId ?? ''}`;
const findingKey = (f: ScanFinding) =>
  resourceKey({
    ruleId: f.ruleId,
    resourceType: f.complianceResourceType,
    resourceId: f.complianceResourceId,
  });

/**
 * Scans several accounts and regions at once: the organisation's ACTIVE accounts (`org`), each reached through the
 * member role (`sts:AssumeRole`; the caller's own account with its own credentials), each in its enabled regions (or
 * those asked for), `concurrency` account-regions at a time, every client of an account behind a per-service token
 * bucket ({@link ScanRateLimits}) on top of the SDK's adaptive retries. Global rules (`scope: "global"` in
 * rule.json) are evaluated once per account, in its home region (the caller's region when the account has it).
 * Evaluations are journaled as each rule is done; an account that cannot be reached, or a rule that left resources
 * unevaluated in a region, is retried once after everything else, and what still fails is reported (never a
 * verdict), without stopping the rest.
 * @throws OrganizationScanError when the organisation cannot be listed; UsageError for an account not in it.
 * @example
 * const result = await scanAccounts({ rules: RULES, clients, org: true, regions: 'all', source: 'auto' });
 */
export async function scanAccounts(options: MultiScanOptions): Promise<MultiScanResult> {
  const now = options.now ?? (() => new Date());
  const selected = withParameters(options.rules, options.ruleParameters);
  const startedAt = now();
  const limits = options.limits ?? new ScanRateLimits(DEFAULT_RATES);
  const base = options.clients;
  // Who is calling (its account is the first bucket key): counted and rate-limited like every other request.
  const caller = await callerIdentity(
    new AwsClients({ ...base.options, endpoint: base.endpoint, configure: limits.configureFor('caller') }),
  );
  const callerClients = new AwsClients({
    ...base.options,
    endpoint: base.endpoint,
    configure: limits.configureFor(caller.accountId),
  });
  const chosen = options.org
    ? chooseAccounts(await organizationAccounts(callerClients), {
        accounts: options.accounts,
        exclude: options.excludeAccounts,
      })
    : [{ accountId: caller.accountId, state: 'ACTIVE' }];
  options.onEvent?.({ type: 'accounts', accounts: chosen.length });
  options.journal?.started?.({ accountId: caller.accountId, startedAt });
  const source = options.source ?? 'live';
  const aggregator = options.aggregator
    ? new AggregatorInventory(callerClients, options.aggregator)
    : undefined;
  const homeRegion = base.region;
  const regional = selected.filter(({ rule }) => ruleScope(rule.meta) === 'regional');
  const global = selected.filter(({ rule }) => ruleScope(rule.meta) === 'global');

  const accounts = new Map<string, AccountOutcome>(
    chosen.map((a) => [
      a.accountId,
      { accountId: a.accountId, ...(a.name ? { name: a.name } : {}), regions: [], skipped: [] },
    ]),
  );
  const regions = new Map<string, RegionOutcome>();
  const findings: ScanFinding[] = [];
  const failures: ScanFailure[] = [];
  /** Rules that left something unevaluated in an account-region, to run again at the end. */
  const toRetry: { session: AccountSession; region: string; rules: SelectedRule[] }[] = [];
  const failedAccounts: string[] = [];

  const connect = async (accountId: string): Promise<AccountSession> => {
    const own = accountId === caller.accountId;
    const roleName = options.roleName ?? DEFAULT_MEMBER_ROLE;
    const externalId = options.externalIds?.[accountId] ?? options.externalId;
    const clients = own
      ? callerClients
      : new AwsClients({
          ...base.options,
          endpoint: base.endpoint,
          profile: undefined,
          credentials: assumedRoleCredentials(
            callerClients,
            `arn:${caller.partition}:iam::${accountId}:role/${roleName}`,
            externalId,
          ),
          configure: limits.configureFor(accountId),
        });
    // For a member, the role first: an account whose role cannot be assumed cannot be scanned at all.
    if (!own) await (clients.options.credentials as AwsCredentialIdentityProvider)();
    let enabled: string[] | undefined;
    let note: string | undefined;
    try {
      enabled = await enabledRegions(clients);
    } catch (error) {
      if (options.regions === 'all') throw error;
      note = `its enabled regions could not be listed (${describe(error)}); the regions asked for were scanned as given`;
    }
    const asked = options.regions === 'all' ? (enabled as string[]) : [...(options.regions ?? [homeRegion])];
    const scanned = enabled ? asked.filter((r) => enabled.includes(r)) : asked;
    const skipped = asked.filter((r) => !scanned.includes(r));
    const home = scanned.includes(homeRegion) ? homeRegion : (scanned[0] ?? homeRegion);
    return {
      accountId,
      partition: caller.partition,
      clients,
      regions: scanned,
      skipped,
      homeRegion: home,
      ...(note ? { note } : {}),
    };
  };

  const scanRegion = async (
    session: AccountSession,
    region: string,
    rules: SelectedRule[],
  ): Promise<RuleRun[]> => {
    const clients = region === session.clients.region ? session.clients : session.clients.inRegion(region);
    const own = source === 'live' ? undefined : new ConfigInventory(clients);
    const inventory: Inventory | undefined =
      own && aggregator ? aggregator.forAccount(session.accountId, region, own) : own;
    const target: RegionTarget = {
      clients,
      accountId: session.accountId,
      partition: session.partition,
      region,
      source,
      ...(inventory ? { inventory } : {}),
    };
    const reader = readerFor(target, rules);
    const runs: RuleRun[] = [];
    for (const rule of rules) runs.push(await runRule(rule, target, reader, now()));
    return runs;
  };

  const recordRegion = (session: AccountSession, region: string, runs: RuleRun[], firstTry: boolean) => {
    const outcome = regions.get(`${session.accountId}|${region}`) ?? {
      accountId: session.accountId,
      region,
      evaluated: 0,
      failed: 0,
      fromConfig: [],
    };
    regions.set(`${session.accountId}|${region}`, outcome);
    const retry = runs.filter((r) => r.failures.length > 0);
    for (const run of runs) {
      findings.push(...run.findings);
      outcome.evaluated += run.findings.length;
      if (run.source === 'config' && !outcome.fromConfig.includes(run.ruleId))
        outcome.fromConfig.push(run.ruleId);
      // Evaluations are recorded now; failures wait for the retry, which may still evaluate those resources.
      options.journal?.evaluated?.(run.findings, []);
    }
    if (firstTry && retry.length > 0) {
      const rules = selected.filter(({ rule }) => retry.some((r) => r.ruleId === rule.meta.id));
      toRetry.push({ session, region, rules });
    } else
      for (const run of retry) {
        failures.push(...run.failures);
        outcome.failed += run.failures.length;
        options.journal?.evaluated?.([], run.failures);
      }
    options.onEvent?.({
      type: 'region-done',
      accountId: session.accountId,
      region,
      evaluated: runs.reduce((n, r) => n + r.findings.length, 0),
      failed: runs.reduce((n, r) => n + r.failures.length, 0),
      retry: firstTry && retry.length > 0,
    });
  };

  const scheduleAccount = (pool: AccountPool, accountId: string, final: boolean) =>
    pool.add({
      accountId,
      run: async () => {
        let session: AccountSession;
        try {
          session = await connect(accountId);
        } catch (error) {
          const message = `Could not reach account ${accountId}: ${describe(error)}`;
          options.onEvent?.({ type: 'account-failed', accountId, message, final });
          if (!final) failedAccounts.push(accountId);
          else {
            const failure: ScanFailure = { ruleId: '*', accountId, message };
            failures.push(failure);
            (accounts.get(accountId) as AccountOutcome).error = message;
            options.journal?.evaluated?.([], [failure]);
          }
          return;
        }
        const outcome = accounts.get(accountId) as AccountOutcome;
        Object.assign(outcome, {
          regions: session.regions,
          skipped: session.skipped,
          homeRegion: session.homeRegion,
          ...(session.note ? { note: session.note } : {}),
        });
        delete outcome.error;
        options.onEvent?.({
          type: 'account-ready',
          accountId,
          regions: session.regions,
          skipped: session.skipped,
        });
        // The home region first: the global rules run there.
        for (const region of [session.homeRegion, ...session.regions.filter((r) => r !== session.homeRegion)])
          if (session.regions.includes(region))
            pool.add({
              accountId,
              run: async () => {
                const rules = region === session.homeRegion ? [...global, ...regional] : regional;
                recordRegion(session, region, await scanRegion(session, region, rules), !final);
              },
            });
      },
    });

  const pool = new AccountPool(Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY));
  for (const { accountId } of chosen) scheduleAccount(pool, accountId, false);
  await pool.drained();

  // The retry: accounts that could not be reached, and rules that left resources unevaluated, once more.
  if (toRetry.length > 0 || failedAccounts.length > 0) {
    options.onEvent?.({ type: 'retrying', accountRegions: toRetry.length, accounts: failedAccounts.length });
    const again = new AccountPool(Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY));
    for (const accountId of failedAccounts) scheduleAccount(again, accountId, true);
    for (const { session, region, rules } of toRetry.splice(0))
      again.add({
        accountId: session.accountId,
        run: async () => {
          const done = new Set(
            findings.filter((f) => f.accountId === session.accountId && f.region === region).map(findingKey),
          );
          const runs = (await scanRegion(session, region, rules)).map((run): RuleRun => {
            const fresh = run.findings.filter((f) => !done.has(findingKey(f)));
            const evaluated = new Set([...done, ...fresh.map(findingKey)]);
            // What the retry could not evaluate either; a failure of the whole rule stands unless the retry decided it.
            const failed = run.failures.filter((f) => !f.resourceId || !evaluated.has(resourceKey(f)));
            return { ...run, findings: fresh, failures: failed };
          });
          recordRegion(session, region, runs, false);
        },
      });
    await again.drained();
  }

  return {
    accountId: caller.accountId,
    startedAt,
    endedAt: now(),
    accounts: [...accounts.values()],
    regions: [...regions.values()],
    findings,
    failures,
    stats: limits.stats,
  };
}

function describe(error: unknown): string {
  const name = awsErrorName(error);
  const message = ((error as Error)?.message ?? String(error)).replace(/\.$/, '');
  return `${name && name !== message && name !== 'Error' ? `${name}: ` : ''}${message}.`;
}
