import '../fuzz/env';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { GENERATED, GOLDEN_FILE, type GoldenFile, goldenSections, hashBlocks, SEED } from './verdicts';

/**
 * `npx tsx test/golden/write.ts`: writes `test/fixtures/golden/verdicts.json` from the code as it is. Run it only
 * when a change of verdicts or annotations is intended, and say in the commit which and why: the file is what
 * guarantees that a change meant to make rules faster (or anything else) decides exactly as before.
 */
async function main(): Promise<void> {
  const golden: GoldenFile = {
    about:
      'Golden verdicts: written by `npx tsx test/golden/write.ts`, compared by test/golden/verdicts.test.ts (see test/golden/verdicts.ts).',
    seed: SEED,
    sections: {},
  };
  for (const section of goldenSections()) {
    const started = Date.now();
    const records = await section.records();
    golden.sections[section.name] =
      section.kind === 'whole'
        ? { count: records.length, records }
        : { count: records.length, blocks: hashBlocks(records) };
    process.stderr.write(`${section.name}: ${records.length} records, ${Date.now() - started} ms\n`);
  }
  mkdirSync(dirname(GOLDEN_FILE), { recursive: true });
  writeFileSync(GOLDEN_FILE, `${JSON.stringify(golden, null, 1)}\n`);
  process.stderr.write(`Wrote ${GOLDEN_FILE} (${GENERATED} generated items per rule, seed ${SEED}).\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
