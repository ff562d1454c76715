import { DEMO_ACCOUNTS, DEMO_REGION, ROOT_KEY_RULE } from '../app/demo/run-demo';
import { makeInsecureAccount } from '../app/demo/scenario';
import { startMoto } from '../app/moto';
import { remediateAccount } from '../app/remediate';
import { scanAccount } from '../app/scan';
import { REMEDIATIONS } from '../remediations';
import { RULES } from '../rules';
import { AwsClients } from '../shared/aws/clients';

/**
 * Time to remediate in the demo scenario: the demo's insecure account on moto_server, scanned, then every
 * NON_COMPLIANT resource remediated through its SSM document by the local runner and re-evaluated live, exactly as
 * `rebaseline demo` does (same rules, same capped sleeps). Repeated `runs` times on a reset emulator.
 */

export interface RemediationTiming {
  remediationId: string;
  /** Resources remediated over all runs (a remediation may fix several resources per run). */
  samples: number;
  /** From the scan evaluation that found the resource NON_COMPLIANT to the verified COMPLIANT re-evaluation. */
  medianTimeToRemediateMs: number;
  /** From the start of the resource's own document run to the re-evaluation that found it COMPLIANT (no queueing). */
  medianOwnMs: number;
  /** Resources whose remediation did not end verified COMPLIANT. */
  notVerified: number;
}

export interface TimeToRemediateResult {
  runs: number;
  medianScanMs: number;
  remediations: RemediationTiming[];
  notes: string[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * @example
 * const result = await measureTimeToRemediate({ runs: 5 });
 * result.remediations.find((r) => r.remediationId === 'revoke-public-ingress')?.medianTimeToRemediateMs;
 */
export async function measureTimeToRemediate(options: {
  runs: number;
  log?: (line: string) => void;
}): Promise<TimeToRemediateResult> {
  // The emulator cannot create root access keys: that rule is COMPLIANT there and its remediation never runs.
  const rules = RULES.filter((r) => r.meta.id !== ROOT_KEY_RULE);
  const ttr = new Map<string, number[]>();
  const own = new Map<string, number[]>();
  const failed = new Map<string, number>();
  const scans: number[] = [];
  const moto = await startMoto();
  try {
    for (let run = 0; run < options.runs; run++) {
      options.log?.(`time to remediate: run ${run + 1} of ${options.runs}`);
      await moto.reset();
      const clients = new AwsClients({
        region: DEMO_REGION,
        endpoint: moto.endpoint,
        credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
      });
      const insecure = await makeInsecureAccount(clients, DEMO_ACCOUNTS.security);
      const scanStarted = performance.now();
      const before = await scanAccount({ rules, clients });
      scans.push(performance.now() - scanStarted);
      const result = await remediateAccount({
        rules,
        remediations: REMEDIATIONS,
        clients,
        before,
        // As the demo and a deployed stack do: the bucket the account keeps its flow logs in (enable-vpc-flow-logs).
        stageParameters: { flowLogBucketName: insecure.flowLogBucket },
        apply: true,
        sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 200))),
      });
      for (const record of result.records) {
        const id = record.remediationId ?? `(none for ${record.ruleId})`;
        if (record.outcome !== 'remediated' || record.timeToRemediateMs === undefined || !record.verifiedAt) {
          failed.set(id, (failed.get(id) ?? 0) + 1);
          continue;
        }
        ttr.set(id, [...(ttr.get(id) ?? []), record.timeToRemediateMs]);
        const startedAt = record.execution?.startedAt ? Date.parse(record.execution.startedAt) : Number.NaN;
        if (!Number.isNaN(startedAt))
          own.set(id, [...(own.get(id) ?? []), record.verifiedAt.getTime() - startedAt]);
      }
    }
  } finally {
    await moto.stop();
  }
  const ids = [...new Set([...ttr.keys(), ...failed.keys()])].sort();
  return {
    runs: options.runs,
    medianScanMs: median(scans),
    remediations: ids.map((remediationId) => ({
      remediationId,
      samples: ttr.get(remediationId)?.length ?? 0,
      medianTimeToRemediateMs: median(ttr.get(remediationId) ?? []),
      medianOwnMs: median(own.get(remediationId) ?? []),
      notVerified: failed.get(remediationId) ?? 0,
    })),
    notes: [
      'remove-root-access-keys is not measured: the emulator cannot create root access keys (its credential report has no <root_account> row) and lacks sts:AssumeRoot.',
      'Resources are remediated one after another after one scan, so the time to remediate of a later resource includes the remediations before it. "Own run" is one resource alone: from the start of its document run (plan, change, the document\'s own verification) to the live re-evaluation that found it COMPLIANT.',
      'As in the demo, waits inside documents (aws:sleep, polling) are capped at 200 ms by the local runner.',
    ],
  };
}
