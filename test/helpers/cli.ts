import sinon from 'sinon';
import { main } from '../../app/cli/main';
import { requireCommand } from '../../app/cli/run';
import { PLAYBOOKS } from '../../playbooks';
import { REMEDIATIONS } from '../../remediations';
import { RULES } from '../../rules';

/** Runs the CLI in-process with the real registries, as `bin/rebaseline.js` does. */
export function runCli(argv: string[]): Promise<number> {
  return main(argv, { rules: RULES, remediations: REMEDIATIONS, playbooks: PLAYBOOKS }, requireCommand);
}

/** What a CLI run printed and its exit status. */
export interface CliRun {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in-process as {@link runCli} does, capturing what it writes to stdout and stderr: the same code path
 * as `bin/rebaseline.js` after start-up, without a new node + tsx process per case.
 * @example
 * const { status, stdout } = await captureCli(['evaluate', '--rule', id, '--ci', file]);
 */
export async function captureCli(args: string[]): Promise<CliRun> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out = sinon.stub(process.stdout, 'write').callsFake((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  const err = sinon.stub(process.stderr, 'write').callsFake((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  try {
    const status = await runCli(args);
    return { status, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    out.restore();
    err.restore();
  }
}
