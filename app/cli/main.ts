import { Command, CommanderError } from 'commander';
import type { AnyRule } from '../../shared/rule';
import type { RemediationEntry } from '../remediate';
import { registerAudit } from './commands/audit';
import { registerDemo } from './commands/demo';
import { registerEvaluate } from './commands/evaluate';
import { registerHistory } from './commands/history';
import { registerRemediate } from './commands/remediate';
import { registerReport } from './commands/report';
import { registerScan } from './commands/scan';
import { EXIT_USAGE, exitCodeFor } from './io';

/** What the command line works with: the rule and remediation registries (`rules/`, `remediations/`). */
export interface Registry {
  rules: readonly AnyRule[];
  remediations: readonly RemediationEntry[];
}

/** The `rebaseline` command line. `shared/` never imports the registries; `bin/rebaseline.js` passes them in. */
export function buildProgram({ rules: RULES, remediations }: Registry): Command {
  const program = new Command('rebaseline')
    .description('Custom AWS Config rules with precise, verified remediation.')
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // Every error is one line starting `rebaseline:`, Commander's own (a missing option) included.
      outputError: (s, write) => write(`rebaseline: ${s.replace(/^error: /, '').trimEnd()}\n`),
    });
  registerEvaluate(program, RULES);
  registerScan(program, RULES);
  registerRemediate(program, RULES, remediations);
  registerDemo(program, RULES, remediations);
  registerHistory(program);
  registerReport(program);
  registerAudit(program, RULES);
  return program;
}

export async function main(argv: string[], registry: Registry): Promise<number> {
  try {
    await buildProgram(registry).parseAsync(argv, { from: 'user' });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError)
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' ? 0 : EXIT_USAGE;
    process.stderr.write(`rebaseline: ${(error as Error).message ?? String(error)}\n`);
    return exitCodeFor(error);
  }
}
