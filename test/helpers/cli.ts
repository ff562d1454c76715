import { main } from '../../app/cli/main';
import { requireCommand } from '../../app/cli/run';
import { PLAYBOOKS } from '../../playbooks';
import { REMEDIATIONS } from '../../remediations';
import { RULES } from '../../rules';

/** Runs the CLI in-process with the real registries, as `bin/rebaseline.js` does. */
export function runCli(argv: string[]): Promise<number> {
  return main(argv, { rules: RULES, remediations: REMEDIATIONS, playbooks: PLAYBOOKS }, requireCommand);
}
