import { Command, CommanderError } from 'commander';
import { RULES } from '../../rules';
import { registerEvaluate } from './commands/evaluate';
import { registerScan } from './commands/scan';
import { EXIT_USAGE, exitCodeFor } from './io';

/** The `rebaseline` command line. */
export function buildProgram(): Command {
  const program = new Command('rebaseline')
    .description('Custom AWS Config rules with precise, verified remediation.')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  registerEvaluate(program, RULES);
  registerScan(program, RULES);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError)
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' ? 0 : EXIT_USAGE;
    process.stderr.write(`rebaseline: ${(error as Error).message ?? String(error)}\n`);
    return exitCodeFor(error);
  }
}
