import { constants } from 'node:os';
import { RunInterruptedError } from '../../shared/errors';
import { logger } from '../../shared/logger';
import { type RecorderOptions, RunRecorder } from '../history/record';
import { HistoryStore, resolveDbPath } from '../history/store';

export interface RecordedRunOptions extends RecorderOptions {
  /** `--db` (default `REBASELINE_DB` or `~/.rebaseline/history.db`). */
  db?: string;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Runs a scan or remediation with its history written as it happens (a {@link RunRecorder}), and with signals
 * handled: a signal while a change is under way lets that change finish and be recorded, then stops (`signal` is
 * aborted; a second signal stops at once); otherwise the run stops at once. Either way the run is marked
 * `interrupted` and the command fails with 128 + the signal's number. A crash leaves the run `running` with this
 * process's id, and the next open of the store marks it `interrupted`.
 *
 * @returns what `run` returned, the run id, and the signal that stopped it between two resources (the command then
 * prints what was done and throws {@link stoppedError}); `finish` is called with the result to end a run that was
 * not stopped.
 * @example
 * const { result } = await recordedRun({ db, kind: 'scan', args }, (journal) => scanAccount({ …, journal }), () => ({}));
 */
export async function recordedRun<T>(
  options: RecordedRunOptions,
  run: (journal: RunRecorder, signal: AbortSignal) => Promise<T>,
  finish: (result: T) => Parameters<RunRecorder['finish']>[0],
): Promise<{ result: T; runId: number | undefined; stoppedBy?: NodeJS.Signals }> {
  const store = HistoryStore.open(resolveDbPath(options.db));
  const recorder = new RunRecorder(store, options);
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const exitCode = 128 + (constants.signals[signal] ?? 0);
    if (!stoppedBy && recorder.changing) {
      stoppedBy = signal;
      controller.abort();
      process.stderr.write(
        `rebaseline: ${signal}: stopping after the change under way is recorded (${signal} again stops now).\n`,
      );
      return;
    }
    recorder.interrupt(`Stopped by ${signal}.`);
    store.close();
    process.stderr.write(`rebaseline: stopped by ${signal}; the run is recorded as interrupted.\n`);
    process.exit(exitCode);
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  try {
    let result: T;
    try {
      result = await run(recorder, controller.signal);
    } catch (error) {
      if (recorder.runId !== undefined) {
        try {
          recorder.fail(error);
        } catch (recordError) {
          // The error that stopped the run is the one to report; the history's own failure is logged.
          logger.error({ err: recordError }, 'could not record the failed run');
        }
      }
      throw error;
    }
    if (stoppedBy) recorder.interrupt(`Stopped by ${stoppedBy} after the change under way was recorded.`);
    else recorder.finish(finish(result));
    return { result, runId: recorder.runId, ...(stoppedBy ? { stoppedBy } : {}) };
  } finally {
    for (const s of SIGNALS) process.off(s, onSignal);
    store.close();
  }
}

/**
 * The error a command ends with when a signal stopped its run between two resources (exit status 128 + its number).
 * @example
 * if (stoppedBy) throw stoppedError(stoppedBy); // SIGINT → exit 130
 */
export function stoppedError(signal: NodeJS.Signals): RunInterruptedError {
  return new RunInterruptedError(
    signal,
    128 + (constants.signals[signal] ?? 0),
    `Stopped by ${signal}: the resources after the last one recorded were not touched; the run is recorded as interrupted.`,
  );
}
