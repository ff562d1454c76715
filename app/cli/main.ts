import { Command, CommanderError } from 'commander';
import packageJson from '../../package.json';
import type { AnyRule } from '../../shared/rule';
import type { RemediationEntry } from '../remediate';
import type { PlaybookEntry } from '../respond';
import { explainAwsError } from './aws-errors';
import { EXIT_USAGE, exitCodeFor } from './io';

/**
 * What the command line works with: the rule, remediation and playbook registries (`rules/`, `remediations/`,
 * `playbooks/`).
 */
export interface Registry {
  rules: readonly AnyRule[];
  remediations: readonly RemediationEntry[];
  playbooks: readonly PlaybookEntry[];
}

/** The registries, or how to load each when a command first needs it (`history` never needs the remediations). */
export type RegistrySource =
  | Registry
  | {
      rules: () => Promise<Registry['rules']>;
      remediations: () => Promise<Registry['remediations']>;
      playbooks: () => Promise<Registry['playbooks']>;
      /**
       * One rule alone, without the others (`evaluate`: one rule's modules, not every rule's and the SDK clients of
       * their reads); undefined for an id it does not know.
       */
      rule?: (id: string) => Promise<AnyRule | undefined>;
    };

/** The modules of each command, by the command's name (= its file under `commands/`). */
export interface CommandModules {
  evaluate: typeof import('./commands/evaluate');
  scan: typeof import('./commands/scan');
  remediate: typeof import('./commands/remediate');
  demo: typeof import('./commands/demo');
  history: typeof import('./commands/history');
  report: typeof import('./commands/report');
  audit: typeof import('./commands/audit');
  'iam-policy': typeof import('./commands/iam-policy');
  respond: typeof import('./commands/respond');
  release: typeof import('./commands/release');
}

export type CommandName = keyof CommandModules;

/**
 * Loads a command's module: `require` from the sources (`run.ts`), `import()` in the compiled CLI (`bundle.ts`, one
 * chunk each). Not here: a bundler would follow a `require` in this module into every command.
 */
export type CommandLoader = <N extends CommandName>(name: N) => Promise<CommandModules[N]>;

interface Loaded {
  rules: () => Promise<Registry['rules']>;
  remediations: () => Promise<Registry['remediations']>;
  playbooks: () => Promise<Registry['playbooks']>;
  rule?: (id: string) => Promise<AnyRule | undefined>;
}

/**
 * Every command, in the order `--help` lists them, with how it registers once its module is loaded. A command line
 * names one command, and only its modules are loaded: `rebaseline evaluate …` never loads the SSM runner, the
 * report or the organisation scan.
 */
const COMMANDS: {
  readonly [N in CommandName]: (m: CommandModules[N], p: Command, r: Loaded, help: boolean) => Promise<void>;
} = {
  // Its help lists every rule and every --context key: all rules when help may be shown, else the one asked for.
  evaluate: async (m, p, r, help) =>
    m.registerEvaluate(p, r.rule && !help ? { one: r.rule, all: r.rules } : await r.rules()),
  scan: async (m, p, r) => m.registerScan(p, await r.rules()),
  remediate: async (m, p, r) => m.registerRemediate(p, await r.rules(), await r.remediations()),
  demo: async (m, p, r) => m.registerDemo(p, await r.rules(), await r.remediations(), await r.playbooks()),
  history: async (m, p, r) => m.registerHistory(p, await r.rules()),
  report: async (m, p, r) => m.registerReport(p, await r.rules()),
  audit: async (m, p, r) => m.registerAudit(p, await r.rules()),
  'iam-policy': async (m, p, r) => m.registerIamPolicy(p, await r.rules(), await r.remediations()),
  respond: async (m, p, r) => m.registerRespond(p, await r.playbooks()),
  release: async (m, p, r) => m.registerRelease(p, await r.playbooks()),
};

/** Every command's name (the compiled CLI's entry point makes one chunk per name). */
export const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

/**
 * The commands an argument list needs registered: the one it names (its first word that is not an option), none
 * for `--version` alone, every one otherwise (help, a mistyped command: Commander lists or suggests them).
 */
function commandsFor(argv: readonly string[]): readonly CommandName[] {
  const first = argv.find((a) => !a.startsWith('-'));
  if (first !== undefined && Object.hasOwn(COMMANDS, first)) return [first as CommandName];
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) return [];
  return COMMAND_NAMES;
}

/** Whether an argument list may show a command's help (then a command loads what its help lists). */
function mayShowHelp(argv: readonly string[]): boolean {
  return argv.some((a) => a === '-h' || a === '--help' || a === 'help');
}

/**
 * The `rebaseline` command line, with `only` the commands it needs (see {@link commandsFor}); `help`: whether it may
 * show a command's help (see {@link mayShowHelp}). `shared/` never imports the registries: the caller passes them
 * in, or how to load them.
 */
export async function buildProgram(
  registry: RegistrySource,
  load: CommandLoader,
  only: readonly CommandName[] = COMMAND_NAMES,
  help = true,
): Promise<Command> {
  const registries: Loaded =
    typeof registry.rules === 'function'
      ? (registry as Loaded)
      : {
          rules: async () => (registry as Registry).rules,
          remediations: async () => (registry as Registry).remediations,
          playbooks: async () => (registry as Registry).playbooks,
        };
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
  for (const name of COMMAND_NAMES)
    if (only.includes(name))
      await (COMMANDS[name] as (m: unknown, p: Command, r: Loaded, help: boolean) => Promise<void>)(
        await load(name),
        program,
        registries,
        help,
      );
  program.addHelpText(
    'after',
    '\nStart with `rebaseline demo` (a local emulator, no AWS account), then docs/your-account.md for your own account.',
  );
  return program;
}

export async function main(argv: string[], registry: RegistrySource, load: CommandLoader): Promise<number> {
  let program: Command;
  try {
    program = await buildProgram(registry, load, commandsFor(argv), mayShowHelp(argv));
  } catch (error) {
    process.stderr.write(`rebaseline: ${(error as Error).message ?? String(error)}\n`);
    return exitCodeFor(error);
  }
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
