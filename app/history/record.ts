import { HistoryStoreError } from '../../shared/errors';
import type {
  PendingRemediation,
  RemediateResult,
  RemediationJournal,
  RemediationRecord,
} from '../remediate';
import type { ScanFailure, ScanFinding, ScanResult } from '../scan';
import type { EvaluationInput, HistoryStore, RemediationTrigger, RunKind, RunStatus } from './store';

/** The store's row for a scan finding. */
export function evaluationInput(f: ScanFinding): EvaluationInput {
  return {
    ruleId: f.ruleId,
    account: f.accountId,
    region: f.region,
    resourceType: f.complianceResourceType,
    resourceId: f.complianceResourceId,
    ...(f.resourceName ? { resourceName: f.resourceName } : {}),
    verdict: f.complianceType,
    ...(f.annotation ? { annotation: f.annotation } : {}),
    evaluatedAt: f.orderingTimestamp,
  };
}

/** What a remediation recorded so a person can restore it: every document output named `…Previous…`. */
export function previousStateOf(record: RemediationRecord): Record<string, unknown> | undefined {
  const outputs = record.execution?.outputs ?? {};
  const previous = Object.entries(outputs).filter(([key]) => /previous/i.test(key));
  return previous.length > 0 ? Object.fromEntries(previous) : undefined;
}

const resourceKey = (r: { ruleId: string; resourceType: string; resourceId: string }) =>
  `${r.ruleId}|${r.resourceType}|${r.resourceId}`;

export interface RecorderOptions {
  kind: Extract<RunKind, 'scan' | 'remediate' | 'demo'>;
  /** Who started the remediations (default `manual`). */
  trigger?: RemediationTrigger;
  /** The command line or options of the run (secrets are redacted by the store). */
  args?: readonly string[] | Record<string, unknown>;
}

/**
 * Writes a scan or remediate run to the history as it happens: the run when the account is known, each rule's
 * evaluations when the rule is done, each remediation before it starts and again when its outcome is known (with
 * the live re-evaluation that verified it). Pass it as the `journal` of `scanAccount`/`remediateAccount`, then call
 * {@link RunRecorder.finish} (or {@link RunRecorder.interrupt} from a signal handler). A run killed before either is
 * marked `interrupted` by the next {@link HistoryStore.open}.
 *
 * @example
 * const recorder = new RunRecorder(store, { kind: 'remediate', args: process.argv.slice(2) });
 * const result = await remediateAccount({ …, journal: recorder });
 * recorder.finish();
 */
export class RunRecorder implements RemediationJournal {
  private id: number | undefined;
  private readonly rows = new Map<string, number>();
  private readonly failures: ScanFailure[] = [];
  private readonly outcomes: Record<string, number> = {};
  private evaluationCount = 0;

  constructor(
    private readonly store: HistoryStore,
    private readonly options: RecorderOptions,
  ) {}

  /** The run's id once it has started. */
  get runId(): number | undefined {
    return this.id;
  }

  /** The run begins; `region` is absent for a run over several regions (each evaluation has its own). */
  started(run: { accountId: string; region?: string; startedAt: Date }): void {
    if (this.id !== undefined) return;
    this.id = this.store.beginRun({
      kind: this.options.kind,
      account: run.accountId,
      region: run.region,
      args: this.options.args ?? [],
      startedAt: run.startedAt,
    });
  }

  evaluated(findings: readonly ScanFinding[], failures: readonly ScanFailure[]): void {
    const runId = this.requireRun();
    if (findings.length > 0) this.store.recordEvaluations(runId, findings.map(evaluationInput));
    this.evaluationCount += findings.length;
    this.failures.push(...failures);
  }

  remediationStarting(pending: PendingRemediation): void {
    const runId = this.requireRun();
    const f = pending.finding;
    const id = this.store.startRemediation(runId, {
      remediationId: pending.remediationId,
      documentName: pending.documentName,
      ruleId: f.ruleId,
      resourceType: f.complianceResourceType,
      resourceId: f.complianceResourceId,
      account: f.accountId,
      region: f.region,
      parameters: pending.parameters,
      dryRun: pending.dryRun,
      trigger: this.options.trigger ?? 'manual',
      ...(pending.executionId ? { executionId: pending.executionId } : {}),
      startedAt: pending.startedAt,
    });
    this.rows.set(
      resourceKey({ ...f, resourceType: f.complianceResourceType, resourceId: f.complianceResourceId }),
      id,
    );
  }

  remediationFinished(record: RemediationRecord): void {
    const runId = this.requireRun();
    this.outcomes[record.outcome] = (this.outcomes[record.outcome] ?? 0) + 1;
    const key = resourceKey(record);
    const row = this.rows.get(key);
    if (row !== undefined) {
      this.rows.delete(key);
      this.store.finishRemediation(row, {
        ...(record.execution ? { execution: record.execution } : {}),
        previousState: previousStateOf(record),
        outcome: record.outcome,
        message: record.message,
      });
    } else if (record.execution) {
      this.store.recordRemediation(runId, {
        ...record.execution,
        remediationId: record.remediationId,
        ruleId: record.ruleId,
        resourceType: record.resourceType,
        resourceId: record.resourceId,
        account: record.accountId,
        region: record.region,
        trigger: this.options.trigger ?? 'manual',
        previousState: previousStateOf(record),
        outcome: record.outcome,
        message: record.message,
      });
    }
    if (record.after) this.store.recordEvaluations(runId, [evaluationInput(record.after)]);
  }

  /**
   * Ends the run: `failed` when a resource could not be evaluated or a remediation failed, else `succeeded`.
   * @returns the run id.
   */
  finish(extra: { dryRun?: boolean; limitReached?: boolean; endedAt?: Date } = {}): number {
    const runId = this.requireRun();
    const failed = this.failures.length > 0 || (this.outcomes.failed ?? 0) > 0;
    const status: Exclude<RunStatus, 'running'> = failed ? 'failed' : 'succeeded';
    this.store.endRun(
      runId,
      status,
      {
        evaluated: this.evaluationCount,
        failures: this.failures,
        ...(Object.keys(this.outcomes).length > 0 ? { outcomes: this.outcomes } : {}),
        ...(extra.dryRun !== undefined ? { dryRun: extra.dryRun } : {}),
        ...(extra.limitReached !== undefined ? { limitReached: extra.limitReached } : {}),
      },
      extra.endedAt,
    );
    return runId;
  }

  /** True while a remediation is recorded as started and not yet finished: a change may be under way. */
  get changing(): boolean {
    return this.rows.size > 0;
  }

  /** Ends the run `failed` because of an error that stopped it (an unreadable account, a history write). */
  fail(error: unknown): void {
    const runId = this.requireRun();
    this.store.endRun(runId, 'failed', {
      error: (error as Error)?.message ?? String(error),
      evaluated: this.evaluationCount,
      failures: this.failures,
      ...(Object.keys(this.outcomes).length > 0 ? { outcomes: this.outcomes } : {}),
    });
  }

  /** Ends the run `interrupted` (a signal): remediations still in progress are marked `Cancelled`. */
  interrupt(reason: string): void {
    if (this.id !== undefined) this.store.interruptRun(this.id, reason);
  }

  private requireRun(): number {
    if (this.id === undefined)
      throw new HistoryStoreError('The run was recorded before it started: call started() first.');
    return this.id;
  }
}

/**
 * Appends a finished scan to the history: one run with every evaluation.
 * @example
 * recordScan(store, await scanAccount(…), { kind: 'scan', args: process.argv.slice(2) });
 */
export function recordScan(
  store: HistoryStore,
  result: ScanResult,
  run: { kind?: 'scan' | 'demo'; args?: readonly string[] | Record<string, unknown> } = {},
): number {
  const recorder = new RunRecorder(store, { kind: run.kind ?? 'scan', args: run.args ?? [] });
  recorder.started(result);
  recorder.evaluated(result.findings, result.failures);
  return recorder.finish({ endedAt: result.endedAt });
}

/**
 * Appends a finished remediate run to the history (when it was not recorded as it happened with a
 * {@link RunRecorder}): optionally the scan that found the resources, the remediation executions (dry-run or
 * applied, each step, the previous state), the live re-evaluations that verified them, then the after-scan.
 */
export function recordRemediate(
  store: HistoryStore,
  result: RemediateResult,
  run: {
    kind?: 'remediate' | 'demo';
    trigger?: RemediationTrigger;
    args?: readonly string[] | Record<string, unknown>;
    /** Record the scan that found the resources too (when it was not recorded on its own). */
    recordBefore?: boolean;
  } = {},
): number {
  const recorder = new RunRecorder(store, {
    kind: run.kind ?? 'remediate',
    trigger: run.trigger ?? 'manual',
    args: run.args ?? [],
  });
  recorder.started({
    accountId: result.before.accountId,
    region: result.before.region,
    startedAt: result.before.endedAt,
  });
  if (run.recordBefore) recorder.evaluated(result.before.findings, result.before.failures);
  for (const r of result.records) recorder.remediationFinished(r);
  if (result.after) recorder.evaluated(result.after.findings, result.after.failures);
  return recorder.finish({
    dryRun: result.dryRun,
    limitReached: result.limitReached,
    ...(result.after ? { endedAt: result.after.endedAt } : {}),
  });
}
