/**
 * Writes conformance-packs/ from the rule and remediation registries: `npm run build:packs`.
 * With `--check`, writes nothing and exits 1 when a committed file differs from a fresh generation.
 */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPacks } from './deploy/packs';
import { loadRegistry, REPO_ROOT } from './deploy/registry';

/** Where the generated templates are committed. */
export const PACKS_DIR = join(REPO_ROOT, 'conformance-packs');

/**
 * The generated files that differ from what is on disk (all of them when `write` is false and nothing is there).
 * @example
 * buildPacks({ write: true }) // ['rebaseline-baseline.yaml', …] when they changed
 */
export function buildPacks(options: { write: boolean }): string[] {
  const stale: string[] = [];
  const packs = renderPacks(loadRegistry());
  for (const [name, text] of Object.entries(packs)) {
    const file = join(PACKS_DIR, name);
    if (existsSync(file) && readFileSync(file, 'utf8') === text) continue;
    stale.push(name);
    if (options.write) writeFileSync(file, text);
  }
  // A baseline pack the rules no longer need (fewer packs than before) is removed, never left to be rolled out.
  for (const name of readdirSync(PACKS_DIR))
    if (/^rebaseline-baseline-\d+\.yaml$/.test(name) && !(name in packs)) {
      stale.push(name);
      if (options.write) rmSync(join(PACKS_DIR, name));
    }
  return stale;
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  const stale = buildPacks({ write: !check });
  if (check && stale.length > 0) {
    process.stderr.write(`Out of date: ${stale.join(', ')}. Run npm run build:packs.\n`);
    process.exitCode = 1;
  } else
    process.stdout.write(
      stale.length ? `Wrote ${stale.join(', ')}.\n` : 'conformance-packs/ is up to date.\n',
    );
}
