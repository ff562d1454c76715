import { type CommandModules, type CommandName, main } from './main';
import { RULE_MODULES } from './rule-loaders.generated';

// The entry point of the compiled CLI (scripts/build-cli.ts bundles it into dist/cli.mjs). The same as run.ts, but
// each command's modules and each registry are behind a dynamic import(), which esbuild makes a chunk of its own:
// `rebaseline evaluate` parses and runs the evaluator and the one rule it is asked for (each rule is a chunk:
// app/cli/rule-loaders.generated.ts), not the other rules, the SSM runner, the report or the scan.
// The `.js` specifiers are what import() needs in a CommonJS TypeScript file; esbuild resolves them to the sources.

const COMMANDS: { [N in CommandName]: () => Promise<CommandModules[N]> } = {
  evaluate: () => import('./commands/evaluate.js'),
  scan: () => import('./commands/scan.js'),
  remediate: () => import('./commands/remediate.js'),
  demo: () => import('./commands/demo.js'),
  history: () => import('./commands/history.js'),
  report: () => import('./commands/report.js'),
  audit: () => import('./commands/audit.js'),
  'iam-policy': () => import('./commands/iam-policy.js'),
  respond: () => import('./commands/respond.js'),
  release: () => import('./commands/release.js'),
};

/**
 * Runs the compiled command line.
 * @example
 * process.exitCode = await (await import('./dist/cli.mjs')).run(process.argv.slice(2));
 */
export function run(argv: string[]): Promise<number> {
  return main(
    argv,
    {
      rules: async () => (await import('../../rules/index.js')).RULES,
      remediations: async () => (await import('../../remediations/index.js')).REMEDIATIONS,
      playbooks: async () => (await import('../../playbooks/index.js')).PLAYBOOKS,
      rule: async (id) => (Object.hasOwn(RULE_MODULES, id) ? (await RULE_MODULES[id]!()).rule : undefined),
    },
    <N extends CommandName>(name: N) => COMMANDS[name]() as Promise<CommandModules[N]>,
  );
}
