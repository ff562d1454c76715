/**
 * `npm run generate`: writes every file derived from the registries and rule.json / remediation.json, so that a
 * contributor adding a rule touches its folder, its test folder and one registry line, and nothing else by hand:
 * the metadata JSON Schemas and their precompiled validators, the command line's per-rule loaders, the README rules table, the pages of docs/rules/ and docs/remediations/ and their
 * indexes, the decision table of the README and docs/respond.md, docs/performance.md (from bench/performance.md and
 * bench/results.json), docs/iam/*.json, and the conformance packs. `npm test` runs it first; CI then fails when a
 * generated file was not committed. The serverless
 * sections are generated at packaging time, and a function without a recorded bundle budget gets one computed
 * (`scripts/build-budget.ts`).
 */
import { buildDocs } from './build-docs';
import { buildPacks } from './build-packs';
import { buildRuleLoaders } from './build-rule-loaders';
import { buildSchemas } from './build-schemas';

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
  written.push(...buildDocs());
  return written;
}

if (require.main === module) {
  const written = generate();
  process.stdout.write(
    written.length ? `Generated ${written.join(', ')}.\n` : 'Generated files are up to date.\n',
  );
}
