import type { AnyRule } from '../../shared/rule';
import { type CommandLoader, main } from './main';
import { RULE_IDS } from './rule-loaders.generated';

/** A command's modules from the sources: a plain `require` of `commands/<name>.ts`. */
export const requireCommand: CommandLoader = async (name) => require(`./commands/${name}`);

/**
 * The command line from the sources (`bin/rebaseline.js` through tsx when dist/ is absent or older than the sources;
 * the tests): the registries, a rule alone (`evaluate`) and each command's modules are loaded with `require` when
 * first needed.
 * @example
 * process.exitCode = await run(process.argv.slice(2));
 */
export function run(argv: string[]): Promise<number> {
  return main(
    argv,
    {
      rules: async () => (require('../../rules') as typeof import('../../rules')).RULES,
      remediations: async () =>
        (require('../../remediations') as typeof import('../../remediations')).REMEDIATIONS,
      playbooks: async () => (require('../../playbooks') as typeof import('../../playbooks')).PLAYBOOKS,
      // Only an id of the registry names a module path (never a path a user typed).
      rule: async (id) =>
        RULE_IDS.includes(id) ? (require(`../../rules/${id}/evaluate`) as { rule: AnyRule }).rule : undefined,
    },
    requireCommand,
  );
}
