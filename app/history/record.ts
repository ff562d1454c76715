import type { RemediateResult, RemediationRecord } from '../remediate';
import type { ScanFinding, ScanResult } from '../scan';
import type { EvaluationInput, HistoryStore, RemediationTrigger } from './store';

/** The store's row for a scan finding. */
export function evaluationInput(f: ScanFinding): EvaluationInput {
  return {
    ruleId: f.ruleId,
    account: f.accountId,
    region: f.region,
    resourceType: f.complianceResourceType,
    resourceId: f.complianceResourceId,
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

/**
 * Appends a scan to the history: one run with every evaluation, in one transaction.
 * @example
 * recordScan(store, await scanAccount(…), { kind: 'scan', args: process.argv.slice(2) });
 */
export function recordScan(
  store: HistoryStore,
  result: ScanResult,
  run: { kind?: 'scan' | 'demo'; args?: readonly string[] | Record<string, unknown> } = {},
): number {
  const runId = store.beginRun({
    kind: run.kind ?? 'scan',
    account: result.accountId,
    region: result.region,
    args: run.args ?? [],
    startedAt: result.startedAt,
  });
  store.recordEvaluations(runId, result.findings.map(evaluationInput));
  store.endRun(
    runId,
    result.failures.length > 0 ? 'failed' : 'succeeded',
    { failures: result.failures },
    result.endedAt,
  );
  return runId;
}

/**
 * Appends a remediate run to the history: optionally the scan that found the resources, the remediation executions
 * (dry-run or applied, each step, the previous state), the live re-evaluations that verified them, then the
 * after-scan.
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
  const runId = store.beginRun({
    kind: run.kind ?? 'remediate',
    account: result.before.accountId,
    region: result.before.region,
    args: run.args ?? [],
    startedAt: result.before.endedAt,
  });
  if (run.recordBefore) store.recordEvaluations(runId, result.before.findings.map(evaluationInput));
  for (const r of result.records) {
    if (!r.execution) continue;
    store.recordRemediation(runId, {
      ...r.execution,
      remediationId: r.remediationId,
      ruleId: r.ruleId,
      resourceType: r.resourceType,
      resourceId: r.resourceId,
      account: r.accountId,
      region: r.region,
      trigger: run.trigger ?? 'manual',
      previousState: previousStateOf(r),
    });
  }
  const verified = result.records.flatMap((r) => (r.after ? [evaluationInput(r.after)] : []));
  if (verified.length > 0) store.recordEvaluations(runId, verified);
  if (result.after) store.recordEvaluations(runId, result.after.findings.map(evaluationInput));
  const failed = result.records.some((r) => r.outcome === 'failed');
  store.endRun(
    runId,
    failed ? 'failed' : 'succeeded',
    {
      dryRun: result.dryRun,
      limitReached: result.limitReached,
      outcomes: result.records.reduce<Record<string, number>>((acc, r) => {
        acc[r.outcome] = (acc[r.outcome] ?? 0) + 1;
        return acc;
      }, {}),
    },
    result.after?.endedAt,
  );
  return runId;
}
