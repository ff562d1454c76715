/**
 * Writes `shared/rule.schema.json`, `shared/remediation.schema.json` and `shared/playbook.schema.json` from their
 * sources in `shared/schemas/` (where the metadata types are derived from them), for editors that validate rule.json
 * through `$schema`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PLAYBOOK_SCHEMA } from '../shared/schemas/playbook';
import { REMEDIATION_SCHEMA } from '../shared/schemas/remediation';
import { RULE_SCHEMA } from '../shared/schemas/rule';

const SHARED = join(__dirname, '..', 'shared');

/** Each generated schema file and its text. */
export function schemaFiles(): Record<string, string> {
  return {
    [join(SHARED, 'rule.schema.json')]: `${JSON.stringify(RULE_SCHEMA, null, 2)}\n`,
    [join(SHARED, 'remediation.schema.json')]: `${JSON.stringify(REMEDIATION_SCHEMA, null, 2)}\n`,
    [join(SHARED, 'playbook.schema.json')]: `${JSON.stringify(PLAYBOOK_SCHEMA, null, 2)}\n`,
  };
}

/**
 * The schema files that differ from a fresh generation, written when `write` is set.
 * @example
 * buildSchemas({ write: false }); // → [] when up to date
 */
export function buildSchemas(options: { write: boolean }): string[] {
  const stale: string[] = [];
  for (const [file, text] of Object.entries(schemaFiles())) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // not generated yet
    }
    if (current === text) continue;
    stale.push(file);
    if (options.write) writeFileSync(file, text);
  }
  return stale;
}

if (require.main === module) buildSchemas({ write: true });
