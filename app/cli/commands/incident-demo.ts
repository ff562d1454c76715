import { runIncidentDemo } from '../../demo/incident';
import { formatDuration } from '../../history/format';
import type { PlaybookEntry } from '../../respond';
import { table } from '../table';
import { responseJson } from './respond';

/** `rebaseline demo --incident`: the incident-response act, printed as the state before and after. */
export async function incidentDemo(
  playbooks: readonly PlaybookEntry[],
  opts: { format: 'table' | 'json'; outDir?: string; db?: string },
): Promise<void> {
  const log = opts.format === 'table' ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
  const result = await runIncidentDemo({
    playbooks,
    ...(opts.outDir ? { outDir: opts.outDir } : {}),
    ...(opts.db ? { db: opts.db } : {}),
    ...(log ? { log } : {}),
  });
  if (opts.format === 'json') {
    process.stdout.write(
      `${JSON.stringify({ response: responseJson(result.response), state: result.state, notification: result.notification ?? null, historyDb: result.historyDb, report: result.reportPath, durationMs: result.durationMs }, null, 2)}\n`,
    );
    return;
  }
  const t = table(['', 'Before', 'After'], [32, 48, 60]);
  for (const row of result.state) t.push([row.what, row.before, row.after]);
  const r = result.response;
  const lines = [
    `Finding: ${r.finding.type} (severity ${r.finding.severity}) on ${r.finding.instance?.instanceId}, from the corpus sample adapted to the emulator.`,
    `Decision: ${r.decision.responses.map((p) => p.playbook).join(' → ')}. ${r.decision.reasons.join(' ')}`,
    ...r.runs.map(
      (run) =>
        `  ${run.playbook}: ${run.skipped ?? run.execution?.status}${run.execution?.failureMessage ? ` (${run.execution.failureMessage})` : ''}`,
    ),
    t.toString(),
    `Notification received on loopback: ${result.notification ?? 'none'}`,
    `History: ${result.historyDb}`,
    `Report: ${result.reportPath}`,
    `Done in ${formatDuration(result.durationMs)}; the emulator is stopped.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (r.failed) process.exitCode = 1;
}
