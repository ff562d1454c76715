import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Creates a folder for rebaseline's own output (reports, demo histories) with a `.gitignore` of `*`, as pytest and
 * mypy do for their caches: what is in it (account ids, resource names) is never committed by accident, from
 * whatever repository the command runs in. An existing `.gitignore` is left as it is.
 * @example
 * ensureIgnoredDir('rebaseline-reports');
 */
export function ensureIgnoredDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const ignore = join(dir, '.gitignore');
  if (!existsSync(ignore))
    writeFileSync(
      ignore,
      '# Written by rebaseline: reports and demo histories hold account ids; never commit them by accident.\n*\n',
    );
}
