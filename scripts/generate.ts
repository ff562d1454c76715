/**
 * `npm run generate`: writes every file derived from the registries and rule.json / remediation.json, so that a
 * contributor adding a rule touches its folder, its test folder and one registry line, and nothing else by hand:
 * the metadata JSON Schemas and their precompiled validators, the command line's per-rule loaders, the README rules
 * table and the docs derived from rules and remediations, the decision table of the README and docs/respond.md, and
 * the conformance packs. `npm test` runs it first; CI then fails when a generated file was not committed. The serverless
 * sections are generated at packaging time, and a function without a recorded bundle budget gets one computed
 * (`scripts/build-budget.ts`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { IAM_POLICY_FILES, iamPolicyFile, README, withRulesTable } from './build-docs';
import { buildPacks } from './build-packs';
import { buildRuleLoaders } from './build-rule-loaders';
import { buildSchemas } from './build-schemas';
import { RESPOND_DOC, withDecisionTable } from './respond-docs';

/**
 * Writes what is stale and returns it.
 * @example
 * generate(); // → [] when everything is up to date
 */
export function generate(): string[] {
  const written = [
    ...buildSchemas({ write: true }),
    ...buildRuleLoaders({ write: true }),
    ...buildPacks({ write: true }).map((f) => `conformance-packs/${f}`),
  ];
  for (const [path, name, withTable] of [
    [README, 'README.md', (text: string) => withDecisionTable(withRulesTable(text), 'README.md')],
    [RESPOND_DOC, 'docs/respond.md', withDecisionTable],
  ] as const) {
    const text = readFileSync(path, 'utf8');
    const fresh = withTable(text);
    if (fresh === text) continue;
    writeFileSync(path, fresh);
    written.push(name);
  }
  for (const [kind, path] of Object.entries(IAM_POLICY_FILES)) {
    const text = iamPolicyFile(kind as keyof typeof IAM_POLICY_FILES);
    if (readFileSync(path, 'utf8') === text) continue;
    writeFileSync(path, text);
    written.push(path.slice(path.indexOf('docs/')));
  }
  return written;
}

if (require.main === module) {
  const written = generate();
  process.stdout.write(
    written.length ? `Generated ${written.join(', ')}.\n` : 'Generated files are up to date.\n',
  );
}
