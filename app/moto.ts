import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { RebaselineError } from '../shared/errors';

/** A running `moto_server`: the embedded local AWS used by the demo and the tests. */
export interface MotoServer {
  endpoint: string;
  pid: number;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export class MotoUnavailableError extends RebaselineError {}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `moto_server` on 127.0.0.1 with a free port and waits until it answers.
 * @throws MotoUnavailableError naming how to install it when the command is missing.
 */
export async function startMoto(options: { command?: string; timeoutMs?: number } = {}): Promise<MotoServer> {
  const command = options.command ?? process.env.MOTO_SERVER ?? 'moto_server';
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  let stderr = '';
  try {
    child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (cause) {
    throw new MotoUnavailableError(
      `Could not start ${command}: install it with "pip install 'moto[server]==5.2.1'".`,
      {
        cause,
      },
    );
  }
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (cause) =>
      reject(
        new MotoUnavailableError(
          `${command} is not installed or not on PATH: install it with "pip install 'moto[server]==5.2.1'".`,
          { cause },
        ),
      ),
    );
    child.once('exit', (code) =>
      reject(
        new MotoUnavailableError(`${command} exited with code ${code} before it was ready: ${stderr.trim()}`),
      ),
    );
  });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  // Once the process has failed (not installed, exited), the readiness poll stops at once: a poll left running
  // to its deadline would keep this process alive for the whole timeout after the error was reported.
  const polling = new AbortController();
  const ready = (async () => {
    while (Date.now() < deadline && !polling.signal.aborted) {
      try {
        const signal = AbortSignal.any([polling.signal, AbortSignal.timeout(1000)]);
        const res = await fetch(`${endpoint}/moto-api/`, { signal });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100, undefined, { signal: polling.signal }).catch(() => undefined);
    }
    if (!polling.signal.aborted)
      throw new MotoUnavailableError(`${command} did not answer on ${endpoint} within the timeout.`);
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (error) {
    polling.abort();
    child.kill('SIGKILL');
    throw error;
  }
  exited.catch(() => undefined);
  const pid = child.pid ?? 0;
  // Never leave an emulator behind: not when this process exits, nor when it is interrupted.
  const killOnExit = () => child.kill('SIGKILL');
  const onSignal = (signal: NodeJS.Signals) => {
    killOnExit();
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    process.kill(process.pid, signal);
  };
  process.once('exit', killOnExit);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const forget = () => {
    process.removeListener('exit', killOnExit);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
  return {
    endpoint,
    pid,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new RebaselineError(`moto reset failed with HTTP ${res.status}.`);
    },
    async stop() {
      forget();
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}
