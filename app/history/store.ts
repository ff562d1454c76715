import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { homedir, hostname, uptime } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import packageJson from '../../package.json';
import type { Evaluation } from '../../shared/engine';
import { HistoryStoreError, RebaselineError } from '../../shared/errors';
import { logger } from '../../shared/logger';
import type { ComplianceType } from '../../shared/rule';
import { INCIDENTS_MIGRATION, IncidentLog } from './incidents';

/** What produced a run: a local scan or remediation, an import of AWS Config's history, or the demo. */
export type RunKind = 'scan' | 'remediate' | 'import' | 'demo';
/** Where a run's data comes from: this machine's own evaluations, or AWS Config's records. */
export type RunSource = 'local' | 'aws-config';
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';
/** `automatic`: Config (or the demo's automatic mode) started the remediation; `manual`: a person did. */
export type RemediationTrigger = 'automatic' | 'manual';

export const VERDICTS: readonly ComplianceType[] = [
  'COMPLIANT',
  'NON_COMPLIANT',
  'NOT_APPLICABLE',
  'INSUFFICIENT_DATA',
];

/** Waiting for another writer's lock before giving up (concurrent scans against one file). */
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/** What a secret is stored as: the history keeps that one was given, never its value. */
export const REDACTED = '[redacted]';

/** Command-line options whose value is a secret (`--external-id` is the shared secret of a role's trust policy). */
const SECRET_OPTIONS = new Set(['--external-id']);

/** Keys whose value is a secret, wherever they appear in what is stored (arguments, document parameters, steps). */
const SECRET_KEY = /^(external[-_]?id|secret[-_]?access[-_]?key|secret|session[-_]?token|password)$/i;

/**
 * A copy of `value` fit to store: the value of a secret option (`--external-id x`, `--external-id=x`) or of a secret
 * key (`ExternalId`, `SecretAccessKey`, `SessionToken`, …, at any depth) replaced by {@link REDACTED}.
 * @example
 * redactSecrets(['scan', '--role-arn', arn, '--external-id', 'x']); // → ['scan', '--role-arn', arn, '--external-id', '[redacted]']
 */
export function redactSecrets<T>(value: T): T {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    value.forEach((item, i) => {
      const previous = value[i - 1];
      if (typeof previous === 'string' && SECRET_OPTIONS.has(previous) && typeof item === 'string')
        out.push(REDACTED);
      else if (
        typeof item === 'string' &&
        SECRET_OPTIONS.has(item.split('=')[0] as string) &&
        item.includes('=')
      )
        out.push(`${item.split('=')[0]}=${REDACTED}`);
      else out.push(redactSecrets(item));
    });
    return out as T;
  }
  if (value && typeof value === 'object' && !(value instanceof Date))
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) ? REDACTED : redactSecrets(v)]),
    ) as T;
  return value;
}

/** `--db`, else `REBASELINE_DB`, else `~/.rebaseline/history.db`. */
export function resolveDbPath(option?: string): string {
  return option || process.env.REBASELINE_DB || join(homedir(), '.rebaseline', 'history.db');
}

/** A date as the store keeps it: ISO 8601 in UTC with milliseconds, so text order is time order. */
export function toIso(value: Date | string | number, field = 'timestamp'): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new HistoryStoreError(`${field} ${JSON.stringify(value)} is not a valid date.`);
  return date.toISOString();
}

// ---------------------------------------------------------------------------------------------------------
// Schema. Migrations are append-only: a file at version N has run exactly migrations 1..N, so an applied
// migration is never edited (the test suite checks migration 1 against a frozen copy).
// ---------------------------------------------------------------------------------------------------------

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'base tables: runs, evaluations, remediation executions',
    sql: `
CREATE TABLE schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('scan', 'remediate', 'import', 'demo')),
  account TEXT,
  region TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  status TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
  tool_version TEXT NOT NULL,
  args TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  rule_id TEXT NOT NULL,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  verdict TEXT NOT NULL CHECK (verdict IN ('COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE', 'INSUFFICIENT_DATA')),
  annotation TEXT,
  evaluated_at TEXT NOT NULL
);
CREATE INDEX evaluations_by_resource
  ON evaluations (rule_id, account, region, resource_type, resource_id, evaluated_at);
CREATE TABLE remediation_executions (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  execution_id TEXT NOT NULL,
  remediation_id TEXT,
  document_name TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  account TEXT NOT NULL,
  region TEXT NOT NULL,
  resource_type TEXT NOT NULL,
  resource_id TEXT NOT NULL,
  parameters TEXT NOT NULL DEFAULT '{}',
  dry_run INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
  status TEXT NOT NULL,
  steps TEXT NOT NULL DEFAULT '[]',
  outputs TEXT,
  plan TEXT,
  previous_state TEXT,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  error TEXT
);
`,
  },
  {
    version: 2,
    name: 'run source, remediation trigger, idempotent imports, report indexes',
    sql: `
ALTER TABLE runs ADD COLUMN source TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'aws-config'));
ALTER TABLE runs ADD COLUMN summary TEXT;
ALTER TABLE remediation_executions
  ADD COLUMN trigger TEXT NOT NULL DEFAULT 'manual' CHECK (trigger IN ('automatic', 'manual'));
ALTER TABLE evaluations ADD COLUMN external_id TEXT;
ALTER TABLE remediation_executions ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX evaluations_by_external_id ON evaluations (external_id);
CREATE UNIQUE INDEX remediation_executions_by_external_id ON remediation_executions (external_id);
CREATE INDEX evaluations_by_time ON evaluations (evaluated_at);
CREATE INDEX remediation_executions_by_resource
  ON remediation_executions (rule_id, account, region, resource_type, resource_id, started_at);
CREATE INDEX runs_by_start ON runs (started_at);
`,
  },
  {
    version: 3,
    name: 'run owner (to detect interrupted runs), remediation outcome per resource',
    sql: `
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN host TEXT;
ALTER TABLE remediation_executions ADD COLUMN outcome TEXT;
ALTER TABLE remediation_executions ADD COLUMN message TEXT;
UPDATE runs SET status = 'interrupted',
  summary = json_object('interrupted', 'Left running by a rebaseline that did not record its process.')
  WHERE status = 'running';
`,
  },
  {
    version: 4,
    name: 'resource names (a security group name next to its id) for reports',
    sql: `
ALTER TABLE evaluations ADD COLUMN resource_name TEXT;
`,
  },
  { version: 5, ...INCIDENTS_MIGRATION },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/**
 * Brings a database to `target` (default: the latest version), one migration at a time, inside one
 * `BEGIN IMMEDIATE` transaction so that two processes opening a fresh file cannot both migrate it.
 *
 * @returns the schema version after migrating.
 * @example
 * const db = new Database('history.db');
 * migrate(db); // → 2
 */
export function migrate(db: Database.Database, target = SCHEMA_VERSION): number {
  const apply = db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > SCHEMA_VERSION)
      throw new HistoryStoreError(
        `The history database is at schema version ${current}, newer than this rebaseline (${SCHEMA_VERSION}); upgrade rebaseline.`,
      );
    for (const migration of MIGRATIONS) {
      if (migration.version <= current || migration.version > target) continue;
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
      db.pragma(`user_version = ${migration.version}`);
    }
    return db.pragma('user_version', { simple: true }) as number;
  });
  return apply.immediate();
}

// ---------------------------------------------------------------------------------------------------------
// Inputs: what scan / remediate / demo / the importer hand to the store.
// ---------------------------------------------------------------------------------------------------------

export interface BeginRunInput {
  kind: RunKind;
  /** Default `local`. */
  source?: RunSource;
  account?: string;
  region?: string;
  /** The command line or options of the run, kept as JSON for the evidence trail. */
  args?: readonly string[] | Record<string, unknown>;
  /** Default now. */
  startedAt?: Date | string;
  /** Default this package's version. */
  toolVersion?: string;
}

/** One evaluation as the store records it. */
export interface EvaluationInput {
  ruleId: string;
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
  /** A name for people when the id is not one (a security group's name). */
  resourceName?: string;
  verdict: ComplianceType;
  annotation?: string;
  evaluatedAt: Date | string;
  /** A stable identity for imported records: a second import of the same record is skipped, not duplicated. */
  externalId?: string;
}

/** One step of an automation execution (the shape of the local runner's `AutomationExecution.steps`). */
export interface AutomationStepInput {
  name: string;
  action: string;
  status: string;
  attempts?: number;
  startedAt?: Date | string;
  endedAt?: Date | string;
  inputs?: unknown;
  outputs?: unknown;
  failureMessage?: string;
  /** Dry run: why the step did not run (`planned`, `would-verify`, …). */
  skipReason?: string;
  /** What happened, for people (the branch taken, the planned call). */
  message?: string;
}

/**
 * The result of an SSM Automation execution, as the local runner (`app/ssm`) returns it and as
 * `StartAutomationExecution` + `GetAutomationExecution` describe it. Mirrors the runner's `AutomationExecution`
 * so that its result can be passed as is.
 */
export interface AutomationExecutionInput {
  executionId: string;
  documentName: string;
  /** SSM's vocabulary: `Success`, `Failed`, `TimedOut`, `Cancelled`, `InProgress`, `Pending`, … */
  status: string;
  dryRun: boolean;
  parameters: Record<string, unknown>;
  steps: readonly AutomationStepInput[];
  outputs?: Record<string, unknown>;
  /** Dry run: the mutating calls that would have been made. */
  plan?: readonly unknown[];
  failureMessage?: string;
  startedAt: Date | string;
  endedAt?: Date | string;
}

/** An automation execution plus what it remediated, who started it and what it changed. */
export interface RemediationInput extends AutomationExecutionInput {
  /** The `remediations/<id>` folder, when the document is one of rebaseline's. */
  remediationId?: string;
  ruleId: string;
  resourceType: string;
  resourceId: string;
  /** Default: the run's account / region. */
  account?: string;
  region?: string;
  trigger: RemediationTrigger;
  /** What the remediation removed or changed, so a person can restore it. */
  previousState?: unknown;
  /** See {@link EvaluationInput.externalId}; a re-import updates the record (status, steps, end time). */
  externalId?: string;
  /** What became of the resource (`remediated`, `failed`, `planned`, …: `RemediationOutcome`), for local runs. */
  outcome?: string;
  /** Why, for people (`Verified COMPLIANT: …`, the error). */
  message?: string;
}

/** A remediation about to start: recorded before anything changes, so a crash leaves evidence of what was under way. */
export interface RemediationStartInput {
  remediationId?: string;
  documentName: string;
  ruleId: string;
  resourceType: string;
  resourceId: string;
  account?: string;
  region?: string;
  parameters: Record<string, unknown>;
  dryRun: boolean;
  trigger: RemediationTrigger;
  /** The local runner's execution id (SSM's is known only once it has started). */
  executionId?: string;
  startedAt?: Date | string;
}

// ---------------------------------------------------------------------------------------------------------
// Rows: what the queries return.
// ---------------------------------------------------------------------------------------------------------

export interface RunRow {
  id: number;
  kind: RunKind;
  source: RunSource;
  account: string | null;
  region: string | null;
  startedAt: string;
  endedAt: string | null;
  status: RunStatus;
  toolVersion: string;
  args: unknown;
  summary: unknown;
  /** The process that wrote the run, and its host (null for runs written before schema version 3). */
  pid: number | null;
  host: string | null;
}

export interface EvaluationRow {
  id: number;
  runId: number;
  ruleId: string;
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
  resourceName: string | null;
  verdict: ComplianceType;
  annotation: string | null;
  evaluatedAt: string;
  externalId: string | null;
}

export interface StepRow {
  name: string;
  action: string;
  status: string;
  attempts: number | null;
  startedAt: string | null;
  endedAt: string | null;
  inputs?: unknown;
  outputs?: unknown;
  failureMessage: string | null;
  skipReason?: string;
  message?: string;
}

export interface RemediationRow {
  id: number;
  runId: number;
  executionId: string;
  remediationId: string | null;
  documentName: string;
  ruleId: string;
  account: string;
  region: string;
  resourceType: string;
  resourceId: string;
  parameters: Record<string, unknown>;
  dryRun: boolean;
  trigger: RemediationTrigger;
  status: string;
  steps: StepRow[];
  outputs: Record<string, unknown> | null;
  plan: unknown[] | null;
  previousState: unknown;
  startedAt: string;
  endedAt: string | null;
  error: string | null;
  outcome: string | null;
  message: string | null;
}

/** Narrows history queries; every field is optional. */
export interface HistoryFilter {
  ruleId?: string;
  /** Matches the resource id exactly, or the resource type when it contains `::`. */
  resource?: string;
  account?: string;
  /** Only records at or after this time. */
  since?: Date;
  /** Only records strictly before this time. */
  until?: Date;
}

/** True for an SSM (or Config) status that means the execution did what it was meant to. */
export function isSuccessfulStatus(status: string): boolean {
  return /^(success|succeeded)$/i.test(status);
}

interface RawRun {
  id: number;
  kind: RunKind;
  source: RunSource;
  account: string | null;
  region: string | null;
  started_at: string;
  ended_at: string | null;
  status: RunStatus;
  tool_version: string;
  args: string;
  summary: string | null;
  pid: number | null;
  host: string | null;
}

interface RawEvaluation {
  id: number;
  run_id: number;
  rule_id: string;
  account: string;
  region: string;
  resource_type: string;
  resource_id: string;
  resource_name: string | null;
  verdict: ComplianceType;
  annotation: string | null;
  evaluated_at: string;
  external_id: string | null;
}

interface RawRemediation {
  id: number;
  run_id: number;
  execution_id: string;
  remediation_id: string | null;
  document_name: string;
  rule_id: string;
  account: string;
  region: string;
  resource_type: string;
  resource_id: string;
  parameters: string;
  dry_run: number;
  trigger: RemediationTrigger;
  status: string;
  steps: string;
  outputs: string | null;
  plan: string | null;
  previous_state: string | null;
  started_at: string;
  ended_at: string | null;
  error: string | null;
  outcome: string | null;
  message: string | null;
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));
const optionalIso = (value: Date | string | undefined, field: string): string | null =>
  value === undefined ? null : toIso(value, field);

function stepRow(step: AutomationStepInput, index: number): StepRow {
  return {
    name: step.name,
    action: step.action,
    status: step.status,
    attempts: step.attempts ?? null,
    startedAt: optionalIso(step.startedAt, `steps[${index}].startedAt`),
    endedAt: optionalIso(step.endedAt, `steps[${index}].endedAt`),
    ...(step.inputs === undefined ? {} : { inputs: step.inputs }),
    ...(step.outputs === undefined ? {} : { outputs: step.outputs }),
    failureMessage: step.failureMessage ?? null,
    ...(step.skipReason ? { skipReason: step.skipReason } : {}),
    ...(step.message ? { message: step.message } : {}),
  };
}

/**
 * Converts the engine's evaluations (what `scan` and the Lambdas produce) to store rows.
 *
 * @example
 * store.recordEvaluations(runId, evaluationRows(rule.meta.id, scope.accountId, scope.region, outcome.evaluations));
 */
export function evaluationRows(
  ruleId: string,
  account: string,
  region: string,
  evaluations: readonly Evaluation[],
): EvaluationInput[] {
  return evaluations.map((e) => ({
    ruleId,
    account,
    region,
    resourceType: e.complianceResourceType,
    resourceId: e.complianceResourceId,
    ...(e.resourceName ? { resourceName: e.resourceName } : {}),
    verdict: e.complianceType,
    ...(e.annotation ? { annotation: e.annotation } : {}),
    evaluatedAt: e.orderingTimestamp,
  }));
}

/**
 * The compliance history: runs, evaluations and remediation executions in one SQLite file (WAL, so readers
 * never block the writer and concurrent runs queue on a busy timeout). Every write is one transaction:
 * a crash loses at most the batch being written, never what was committed, and never leaves half a batch.
 *
 * @example
 * const store = HistoryStore.open(); // ~/.rebaseline/history.db, or REBASELINE_DB
 * const runId = store.beginRun({ kind: 'scan', account: '123456789012', region: 'eu-west-1', args: argv });
 * store.recordEvaluations(runId, rows);
 * store.endRun(runId, 'succeeded');
 * store.close();
 */
export class HistoryStore {
  private constructor(
    readonly db: Database.Database,
    readonly path: string,
  ) {}

  /**
   * Opens (creating the file and its folder if needed) and migrates the store.
   * @param path default {@link resolveDbPath}(); `:memory:` for a throwaway store.
   */
  static open(path = resolveDbPath(), options: { busyTimeoutMs?: number } = {}): HistoryStore {
    const timeout = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    let db: Database.Database | undefined;
    try {
      if (path !== ':memory:') ownerOnlyFile(path);
      db = new Database(path, { timeout });
      // The busy timeout comes first: switching to WAL takes a lock another process may hold.
      db.pragma(`busy_timeout = ${timeout}`);
      db.pragma('journal_mode = WAL');
      // FULL: a committed run survives power loss too, not only a killed process; the cost is one fsync per batch.
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      migrate(db);
      const store = new HistoryStore(db, path);
      store.markInterruptedRuns();
      return store;
    } catch (cause) {
      db?.close();
      if (cause instanceof RebaselineError) throw cause;
      throw new HistoryStoreError(`Cannot open the history database ${path}: ${(cause as Error).message}.`, {
        cause,
      });
    }
  }

  /**
   * Opens an existing store to read it. Never creates a file, so a mistyped `--db` is an error naming the path, not
   * an empty history; the connection is read-only. A store at an older schema version is migrated first (as any
   * writer would); a file that is not a rebaseline history (an empty file, another SQLite database) is refused.
   * @throws HistoryStoreError when the file is missing, unreadable, or not a rebaseline history database.
   * @example
   * const store = HistoryStore.openExisting('rebaseline-demo/history.db'); // read-only
   */
  static openExisting(path = resolveDbPath(), options: { busyTimeoutMs?: number } = {}): HistoryStore {
    if (path === ':memory:') return HistoryStore.open(path, options);
    if (!existsSync(path)) throw new HistoryStoreError(`There is no history database at ${path}.`);
    const timeout = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
    let db: Database.Database | undefined;
    try {
      db = new Database(path, { readonly: true, fileMustExist: true, timeout });
      db.pragma(`busy_timeout = ${timeout}`);
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version === 0)
        throw new HistoryStoreError(`${path} is not a rebaseline history database (it has no schema).`);
      if (version > SCHEMA_VERSION)
        throw new HistoryStoreError(
          `The history database ${path} is at schema version ${version}, newer than this rebaseline (${SCHEMA_VERSION}); upgrade rebaseline.`,
        );
      if (version < SCHEMA_VERSION) {
        db.close();
        return HistoryStore.open(path, options);
      }
      return new HistoryStore(db, path);
    } catch (cause) {
      db?.close();
      if (cause instanceof RebaselineError) throw cause;
      throw new HistoryStoreError(`Cannot read the history database ${path}: ${(cause as Error).message}.`, {
        cause,
      });
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /** The incident responses (`rebaseline respond`, `release`, the demo's second act): see `incidents.ts`. */
  incidents(): IncidentLog {
    return new IncidentLog(this.db, this.path);
  }

  /** `PRAGMA integrity_check`: `['ok']` for a sound file. */
  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  /**
   * Starts a run; its id is what every record of the run refers to.
   * @example
   * const runId = store.beginRun({ kind: 'remediate', account, region, args: process.argv.slice(2) });
   */
  beginRun(input: BeginRunInput): number {
    return this.write('begin the run', () => {
      const result = this.db
        .prepare(
          `INSERT INTO runs (kind, source, account, region, started_at, status, tool_version, args, pid, host)
           VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
        )
        .run(
          input.kind,
          input.source ?? 'local',
          input.account ?? null,
          input.region ?? null,
          toIso(input.startedAt ?? new Date(), 'startedAt'),
          input.toolVersion ?? packageJson.version,
          JSON.stringify(redactSecrets(input.args ?? [])),
          process.pid,
          hostname(),
        );
      return Number(result.lastInsertRowid);
    });
  }

  /**
   * Ends a run with its outcome and an optional summary (counts, warnings) kept as JSON.
   * @example
   * store.endRun(runId, 'succeeded', { evaluated: 13, nonCompliant: 9 });
   */
  endRun(runId: number, status: Exclude<RunStatus, 'running'>, summary?: unknown, endedAt?: Date): void {
    this.write('end the run', () => {
      const result = this.db
        .prepare('UPDATE runs SET status = ?, ended_at = ?, summary = ? WHERE id = ?')
        .run(status, toIso(endedAt ?? new Date(), 'endedAt'), json(summary), runId);
      if (result.changes === 0) throw new HistoryStoreError(`No run ${runId} in ${this.path}.`);
    });
  }

  /**
   * Marks `interrupted` every run left `running` by a process of this host that no longer exists (killed, crashed,
   * or the machine restarted), with its end time the time of its last record. Runs of live processes (a scan still
   * going) and of other hosts are left alone. {@link HistoryStore.open} calls it, so a killed run is never
   * `running` for long; the remediations it left in progress are marked `Cancelled` (their change is unverified).
   * @returns the ids of the runs marked.
   */
  markInterruptedRuns(): number[] {
    const bootedAt = Date.now() - uptime() * 1000;
    const here = hostname();
    const running = this.db
      .prepare(`SELECT id, pid, host, started_at FROM runs WHERE status = 'running'`)
      .all() as { id: number; pid: number | null; host: string | null; started_at: string }[];
    const dead = running.filter(
      (r) =>
        r.host === here && r.pid !== null && (Date.parse(r.started_at) < bootedAt || !processExists(r.pid)),
    );
    if (dead.length === 0) return [];
    return this.write('mark interrupted runs', () => {
      const lastRecord = this.db.prepare(
        `SELECT max(t) AS last FROM (
           SELECT started_at AS t FROM runs WHERE id = @id
           UNION ALL SELECT max(evaluated_at) FROM evaluations WHERE run_id = @id
           UNION ALL SELECT max(coalesce(ended_at, started_at)) FROM remediation_executions WHERE run_id = @id)`,
      );
      const end = this.db.prepare(
        `UPDATE runs SET status = 'interrupted', ended_at = ?, summary = json_patch(coalesce(summary, '{}'), ?)
         WHERE id = ? AND status = 'running'`,
      );
      const cancel = this.db.prepare(
        `UPDATE remediation_executions SET status = 'Cancelled', outcome = 'interrupted', error = ?
         WHERE run_id = ? AND status = 'InProgress'`,
      );
      for (const r of dead) {
        const { last } = lastRecord.get({ id: r.id }) as { last: string };
        end.run(
          last,
          JSON.stringify({
            interrupted: `Process ${r.pid} on ${r.host} ended without finishing the run (killed, crashed or restarted).`,
          }),
          r.id,
        );
        cancel.run(
          'Interrupted while in progress: the change may or may not have been applied; the next scan shows the resource.',
          r.id,
        );
      }
      return dead.map((r) => r.id);
    });
  }

  /**
   * Ends a run `interrupted` (a signal stopped it), and its remediations still in progress `Cancelled`.
   * @example
   * process.once('SIGTERM', () => store.interruptRun(runId, 'SIGTERM'));
   */
  interruptRun(runId: number, reason: string): void {
    this.write('mark the run interrupted', () => {
      this.db
        .prepare(
          `UPDATE remediation_executions SET status = 'Cancelled', outcome = 'interrupted', error = ?
           WHERE run_id = ? AND status = 'InProgress'`,
        )
        .run(
          `Interrupted while in progress (${reason}): the change may or may not have been applied.`,
          runId,
        );
      const result = this.db
        .prepare(
          `UPDATE runs SET status = 'interrupted', ended_at = ?, summary = json_patch(coalesce(summary, '{}'), ?)
           WHERE id = ?`,
        )
        .run(new Date().toISOString(), JSON.stringify({ interrupted: reason }), runId);
      if (result.changes === 0) throw new HistoryStoreError(`No run ${runId} in ${this.path}.`);
    });
  }

  /**
   * Runs `fn` inside a run: begun before, ended `succeeded` after, or `failed` (and rethrown) if it throws.
   * @example
   * await store.withRun({ kind: 'scan', region }, async (runId) => { … store.recordEvaluations(runId, rows); });
   */
  async withRun<T>(input: BeginRunInput, fn: (runId: number) => Promise<T>): Promise<T> {
    const runId = this.beginRun(input);
    try {
      const result = await fn(runId);
      this.endRun(runId, 'succeeded');
      return result;
    } catch (error) {
      this.endRun(runId, 'failed', { error: (error as Error)?.message ?? String(error) });
      throw error;
    }
  }

  /**
   * Records a batch of evaluations in one transaction: all of them, or (on any error) none.
   * Rows with an `externalId` already in the store are skipped.
   * @returns how many rows were inserted and how many skipped as already recorded.
   * @example
   * store.recordEvaluations(runId, [{ ruleId, account, region, resourceType, resourceId,
   *   verdict: 'NON_COMPLIANT', annotation: 'tcp 22 is open to 0.0.0.0/0.', evaluatedAt: new Date() }]);
   */
  recordEvaluations(runId: number, rows: readonly EvaluationInput[]): { inserted: number; skipped: number } {
    return this.write('record evaluations', () => {
      const insert = this.db.prepare(
        `INSERT INTO evaluations
           (run_id, rule_id, account, region, resource_type, resource_id, resource_name, verdict, annotation,
            evaluated_at, external_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (external_id) DO NOTHING`,
      );
      let inserted = 0;
      rows.forEach((row, i) => {
        if (!VERDICTS.includes(row.verdict))
          throw new HistoryStoreError(
            `evaluations[${i}].verdict ${JSON.stringify(row.verdict)} is not a verdict.`,
          );
        inserted += insert.run(
          runId,
          row.ruleId,
          row.account,
          row.region,
          row.resourceType,
          row.resourceId,
          row.resourceName ?? null,
          row.verdict,
          row.annotation ?? null,
          toIso(row.evaluatedAt, `evaluations[${i}].evaluatedAt`),
          row.externalId ?? null,
        ).changes;
      });
      return { inserted, skipped: rows.length - inserted };
    });
  }

  /**
   * Records one remediation execution (the runner's result plus what it remediated).
   * @returns the row id.
   * @example
   * const execution = await runAutomation(document, options);
   * store.recordRemediation(runId, { ...execution, remediationId: 'revoke-public-ingress',
   *   ruleId: 'ec2-security-group-no-public-ingress', resourceType: 'AWS::EC2::SecurityGroup',
   *   resourceId: 'sg-0123', trigger: 'manual', previousState: execution.outputs?.PreviousState });
   */
  recordRemediation(runId: number, execution: RemediationInput): number {
    return this.recordRemediations(runId, [execution]).ids[0]!;
  }

  /**
   * Records remediation executions in one transaction. An execution whose `externalId` is already stored
   * is updated (an import that saw it in progress, then finished).
   */
  recordRemediations(
    runId: number,
    executions: readonly RemediationInput[],
  ): { ids: number[]; inserted: number; updated: number } {
    return this.write('record remediation executions', () => {
      const run = this.db.prepare('SELECT account, region FROM runs WHERE id = ?').get(runId) as
        | { account: string | null; region: string | null }
        | undefined;
      if (!run) throw new HistoryStoreError(`No run ${runId} in ${this.path}.`);
      const exists = this.db.prepare('SELECT id FROM remediation_executions WHERE external_id = ?');
      const upsert = this.db.prepare(
        `INSERT INTO remediation_executions
           (run_id, execution_id, remediation_id, document_name, rule_id, account, region, resource_type, resource_id,
            parameters, dry_run, trigger, status, steps, outputs, plan, previous_state, started_at, ended_at, error,
            external_id, outcome, message)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (external_id) DO UPDATE SET
           status = excluded.status, steps = excluded.steps, outputs = excluded.outputs,
           ended_at = excluded.ended_at, error = excluded.error
         RETURNING id`,
      );
      const ids: number[] = [];
      let updated = 0;
      executions.forEach((e, i) => {
        const account = e.account ?? run.account;
        const region = e.region ?? run.region;
        if (!account || !region)
          throw new HistoryStoreError(
            `remediations[${i}] (${e.resourceId}) has no account/region and neither has run ${runId}.`,
          );
        if (e.externalId && exists.get(e.externalId)) updated++;
        const row = upsert.get(
          runId,
          e.executionId,
          e.remediationId ?? null,
          e.documentName,
          e.ruleId,
          account,
          region,
          e.resourceType,
          e.resourceId,
          JSON.stringify(redactSecrets(e.parameters ?? {})),
          e.dryRun ? 1 : 0,
          e.trigger,
          e.status,
          JSON.stringify(redactSecrets(e.steps.map(stepRow))),
          json(redactSecrets(e.outputs)),
          json(redactSecrets(e.plan)),
          json(redactSecrets(e.previousState)),
          toIso(e.startedAt, `remediations[${i}].startedAt`),
          optionalIso(e.endedAt, `remediations[${i}].endedAt`),
          e.failureMessage ?? null,
          e.externalId ?? null,
          e.outcome ?? null,
          e.message ?? null,
        ) as { id: number };
        ids.push(row.id);
      });
      return { ids, inserted: executions.length - updated, updated };
    });
  }

  /**
   * Records a remediation before it starts (status `InProgress`): if the process dies during the change, the history
   * still says which resource was being changed, and the next open marks it `Cancelled`.
   * @returns the row id, for {@link HistoryStore.finishRemediation}.
   * @example
   * const row = store.startRemediation(runId, { documentName, ruleId, resourceType, resourceId, parameters,
   *   dryRun: false, trigger: 'manual', executionId });
   */
  startRemediation(runId: number, start: RemediationStartInput): number {
    return this.write('record a remediation start', () => {
      const run = this.db.prepare('SELECT account, region FROM runs WHERE id = ?').get(runId) as
        | { account: string | null; region: string | null }
        | undefined;
      if (!run) throw new HistoryStoreError(`No run ${runId} in ${this.path}.`);
      const account = start.account ?? run.account;
      const region = start.region ?? run.region;
      if (!account || !region)
        throw new HistoryStoreError(
          `The remediation of ${start.resourceId} has no account/region and neither has run ${runId}.`,
        );
      const row = this.db
        .prepare(
          `INSERT INTO remediation_executions
             (run_id, execution_id, remediation_id, document_name, rule_id, account, region, resource_type,
              resource_id, parameters, dry_run, trigger, status, started_at, outcome)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'InProgress', ?, 'in-progress')
           RETURNING id`,
        )
        .get(
          runId,
          start.executionId ?? '',
          start.remediationId ?? null,
          start.documentName,
          start.ruleId,
          account,
          region,
          start.resourceType,
          start.resourceId,
          JSON.stringify(redactSecrets(start.parameters)),
          start.dryRun ? 1 : 0,
          start.trigger,
          toIso(start.startedAt ?? new Date(), 'startedAt'),
        ) as { id: number };
      return row.id;
    });
  }

  /**
   * Completes a remediation recorded by {@link HistoryStore.startRemediation}: the execution (when one ran), what
   * became of the resource and why.
   * @example
   * store.finishRemediation(row, { execution, outcome: 'remediated', message: 'Verified COMPLIANT.' });
   */
  finishRemediation(
    id: number,
    finish: {
      execution?: AutomationExecutionInput;
      previousState?: unknown;
      outcome: string;
      message: string;
      endedAt?: Date | string;
    },
  ): void {
    this.write('record a remediation outcome', () => {
      const e = finish.execution;
      const ended = e?.endedAt ?? finish.endedAt ?? new Date();
      const result = e
        ? this.db
            .prepare(
              `UPDATE remediation_executions SET execution_id = ?, document_name = ?, parameters = ?, dry_run = ?,
                 status = ?, steps = ?, outputs = ?, plan = ?, previous_state = ?, ended_at = ?, error = ?,
                 outcome = ?, message = ?
               WHERE id = ?`,
            )
            .run(
              e.executionId,
              e.documentName,
              ...executionColumns({ ...e, previousState: finish.previousState }),
              toIso(ended, 'endedAt'),
              e.failureMessage ?? (finish.outcome === 'failed' ? finish.message : null),
              finish.outcome,
              finish.message,
              id,
            )
        : this.db
            .prepare(
              `UPDATE remediation_executions SET status = 'Failed', ended_at = ?, error = ?, outcome = ?, message = ?
               WHERE id = ?`,
            )
            .run(toIso(ended, 'endedAt'), finish.message, finish.outcome, finish.message, id);
      if (result.changes === 0) throw new HistoryStoreError(`No remediation ${id} in ${this.path}.`);
    });
  }

  /** Runs, newest first. */
  runs(filter: { since?: Date; kind?: RunKind } = {}): RunRow[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.since) {
      where.push('started_at >= ?');
      params.push(toIso(filter.since));
    }
    if (filter.kind) {
      where.push('kind = ?');
      params.push(filter.kind);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY started_at DESC, id DESC`,
      )
      .all(...params) as RawRun[];
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      source: r.source,
      account: r.account,
      region: r.region,
      startedAt: r.started_at,
      endedAt: r.ended_at,
      status: r.status,
      toolVersion: r.tool_version,
      args: parse(r.args),
      summary: parse(r.summary),
      pid: r.pid,
      host: r.host,
    }));
  }

  /** Evaluations in time order (oldest first). */
  evaluations(filter: HistoryFilter = {}): EvaluationRow[] {
    const { where, params } = whereOf(filter, 'evaluated_at');
    const rows = this.db
      .prepare(`SELECT * FROM evaluations ${where} ORDER BY evaluated_at, id`)
      .all(...params) as RawEvaluation[];
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      ruleId: r.rule_id,
      account: r.account,
      region: r.region,
      resourceType: r.resource_type,
      resourceId: r.resource_id,
      resourceName: r.resource_name,
      verdict: r.verdict,
      annotation: r.annotation,
      evaluatedAt: r.evaluated_at,
      externalId: r.external_id,
    }));
  }

  /** Remediation executions in time order (oldest first). */
  remediations(filter: HistoryFilter = {}): RemediationRow[] {
    const { where, params } = whereOf(filter, 'started_at');
    const rows = this.db
      .prepare(`SELECT * FROM remediation_executions ${where} ORDER BY started_at, id`)
      .all(...params) as RawRemediation[];
    return rows.map((r) => ({
      id: r.id,
      runId: r.run_id,
      executionId: r.execution_id,
      remediationId: r.remediation_id,
      documentName: r.document_name,
      ruleId: r.rule_id,
      account: r.account,
      region: r.region,
      resourceType: r.resource_type,
      resourceId: r.resource_id,
      parameters: parse(r.parameters) as Record<string, unknown>,
      dryRun: r.dry_run === 1,
      trigger: r.trigger,
      status: r.status,
      steps: parse(r.steps) as StepRow[],
      outputs: parse(r.outputs) as Record<string, unknown> | null,
      plan: parse(r.plan) as unknown[] | null,
      previousState: parse(r.previous_state),
      startedAt: r.started_at,
      endedAt: r.ended_at,
      error: r.error,
      outcome: r.outcome,
      message: r.message,
    }));
  }

  /** One write transaction (`BEGIN IMMEDIATE`: the write lock is taken up front, so busy waits apply). */
  private write<T>(what: string, fn: () => T): T {
    try {
      return this.db.transaction(fn).immediate();
    } catch (cause) {
      if (cause instanceof RebaselineError) throw cause;
      throw new HistoryStoreError(`Could not ${what} in ${this.path}: ${(cause as Error).message}.`, {
        cause,
      });
    }
  }
}

function whereOf(filter: HistoryFilter, timeColumn: string): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (filter.ruleId) {
    clauses.push('rule_id = ?');
    params.push(filter.ruleId);
  }
  if (filter.resource) {
    clauses.push(filter.resource.includes('::') ? 'resource_type = ?' : 'resource_id = ?');
    params.push(filter.resource);
  }
  if (filter.account) {
    clauses.push('account = ?');
    params.push(filter.account);
  }
  if (filter.since) {
    clauses.push(`${timeColumn} >= ?`);
    params.push(toIso(filter.since, 'since'));
  }
  if (filter.until) {
    clauses.push(`${timeColumn} < ?`);
    params.push(toIso(filter.until, 'until'));
  }
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/**
 * The columns of an execution that may hold what a document was given or returned, secrets redacted, in this order:
 * parameters, dry_run, status, steps, outputs, plan, previous_state.
 */
function executionColumns(
  e: Omit<AutomationExecutionInput, 'executionId' | 'documentName' | 'startedAt'> & {
    previousState?: unknown;
  },
): [string, number, string, string, string | null, string | null, string | null] {
  return [
    JSON.stringify(redactSecrets(e.parameters ?? {})),
    e.dryRun ? 1 : 0,
    e.status,
    JSON.stringify(redactSecrets(e.steps.map(stepRow))),
    json(redactSecrets(e.outputs)),
    json(redactSecrets(e.plan)),
    json(redactSecrets(e.previousState)),
  ];
}

/** True when a process with this id exists on this host (EPERM: it exists, owned by someone else). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates the history file readable and writable by its owner only (0600), before SQLite opens it: SQLite gives its
 * -wal and -shm files the mode of the database file. A file (or -wal/-shm) created more openly by an earlier
 * version is tightened, with a warning. Its folder, when created, is 0700.
 */
function ownerOnlyFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (!existsSync(file)) continue;
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) === 0) continue;
    chmodSync(file, mode & 0o700);
    logger.warn(
      { file, was: mode.toString(8), now: (mode & 0o700).toString(8) },
      'history file was readable by others; made owner-only',
    );
  }
}
