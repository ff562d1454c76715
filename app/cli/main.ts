import { Command, CommanderError } from 'commander';
import packageJson from '../../package.json';
import type { AnyRule } from '../../shared/rule';
import type { RemediationEntry } from '../remediate';
import type { PlaybookEntry } from '../respond';
import { explainAwsError } from './aws-errors';
import { registerAudit } from './commands/audit';
import { registerDemo } from './commands/demo';
import { registerEvaluate } from './commands/evaluate';
import { registerHistory } from './commands/history';
import { registerIamPolicy } from './commands/iam-policy';
import { registerRelease } from './commands/release';
import { registerRemediate } from './commands/remediate';
import { registerReport } from './commands/report';
import { registerRespond } from './commands/respond';
import { registerScan } from './commands/scan';
import { EXIT_USAGE, exitCodeFor } from './io';

/** What the command line works with: the rule and remediation registries (`rules/`, `remediations/`). */
export interface Registry {
  rules: readonly AnyRule[];
  remediations: readonly RemediationEntry[];
  /** The incident playbooks (`playbooks/`); without them, `respond` and `release` are not offered. */
  playbooks?: readonly PlaybookEntry[];
}

/** The `rebaseline` command line. `shared/` never imports the registries; `bin/rebaseline.js` passes them in. */
export function buildProgram({ rules: RULES, remediations, playbooks }: Registry): Command {
  const program = new Command('rebaseline')
    .description('Custom AWS Config rules with precise, verified remediation.')
    .version(packageJson.version, '-V, --version', 'print the version of rebaseline')
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeErr: (s) => process.stderr.write(s),
      // Every error is one line starting `rebaseline:`, Commander's own (a missing option) included.
      outputError: (s, write) => write(`rebaseline: ${s.replace(/^error: /, '').trimEnd()}\n`),
    });
  registerEvaluate(program, RULES);
  registerScan(program, RULES);
  registerRemediate(program, RULES, remediations);
  registerDemo(program, RULES, remediations, playbooks);
  registerHistory(program, RULES);
  registerReport(program, RULES);
  registerAudit(program, RULES);
  registerIamPolicy(program, RULES, remediations);
  program.addHelpText(
    'after',
    '\nStart with `rebaseline demo` (a local emulator, no AWS account), then docs/your-account.md for your own account.',
  );
  if (playbooks) {
    registerRespond(program, playbooks);
    registerRelease(program, playbooks);
  }
  return program;
}

export async function main(argv: string[], registry: Registry): Promise<number> {
  const program = buildProgram(registry);
  // No command at all is a request for help, not a mistake.
  if (argv.length === 0) {
    program.outputHelp();
    return 0;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (caught) {
    if (caught instanceof CommanderError)
      return caught.exitCode === 0 || caught.code === 'commander.helpDisplayed' ? 0 : EXIT_USAGE;
    const error = explainAwsError(caught) ?? caught;
    process.stderr.write(`rebaseline: ${(error as Error).message ?? String(error)}\n`);
    return exitCodeFor(error);
  }
}
