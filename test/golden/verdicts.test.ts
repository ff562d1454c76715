import { existsSync, readFileSync } from 'node:fs';
import { expect } from 'chai';
import {
  GOLDEN_FILE,
  type GoldenFile,
  goldenSections,
  type HashedBlock,
  hashBlocks,
  recordVerdict,
  verdictOfCharacter,
} from './verdicts';

/**
 * Every rule decides the corpus and 10,000 generated items each exactly as pinned in the golden file: verdicts,
 * annotations, errors, and what the handler sends to PutEvaluations. A failure names the first record that differs.
 * When a change is meant to alter a verdict or an annotation, rewrite the file (`npx tsx test/golden/write.ts`) and
 * say in the commit what changed and why.
 */

const REGENERATE = 'If the change is intended: npx tsx test/golden/write.ts, and say why in the commit.';

/** The first record of a hashed section that differs from the golden, as precisely as the file allows. */
function firstDivergence(name: string, golden: HashedBlock[], records: string[]): string | undefined {
  const now = hashBlocks(records);
  for (let b = 0; b < Math.max(golden.length, now.length); b++) {
    const was = golden[b];
    const is = now[b];
    if (was && is && was.sha256 === is.sha256) continue;
    if (!was || !is) return `${name}: block ${b} ${was ? 'is missing now' : 'is new'}.`;
    for (let i = 0; i < was.records.length; i++)
      if (was.records[i] !== is.records[i]) {
        const index = was.from + i;
        const verdictWas = verdictOfCharacter(was.records[i] as string);
        const record = records[index] as string;
        return `${name}: item ${index} changed (pinned verdict ${verdictWas}, now ${recordVerdict(record)}): now ${record}`;
      }
    return `${name}: an item among ${was.from}–${was.from + was.records.length - 1} changed (same verdicts; an annotation, error or timestamp differs). Now: ${records
      .slice(was.from, was.from + was.records.length)
      .slice(0, 3)
      .join(' | ')} …`;
  }
  return undefined;
}

describe('golden verdicts (test/fixtures/golden/verdicts.json)', function () {
  // The generated sections evaluate 10,000 items each; no timing is asserted, the timeout only bounds a hang.
  this.timeout(180_000);

  it('has a golden file', () => {
    expect(existsSync(GOLDEN_FILE), `${GOLDEN_FILE} is missing. ${REGENERATE}`).to.equal(true);
  });

  const golden = existsSync(GOLDEN_FILE)
    ? (JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as GoldenFile)
    : undefined;
  const sections = goldenSections();

  it('pins every section there is, and no other', () => {
    expect(Object.keys(golden?.sections ?? {})).to.deep.equal(sections.map((s) => s.name));
  });

  for (const section of sections)
    it(`${section.name}: the pinned verdicts, annotations and errors`, async () => {
      const pinned = golden?.sections[section.name];
      expect(pinned, `${section.name} is not in the golden file. ${REGENERATE}`).to.not.equal(undefined);
      const records = await section.records();
      expect(records.length, `${section.name}: record count`).to.equal(pinned?.count);
      if (section.kind === 'whole') {
        const index = records.findIndex((r, i) => r !== pinned?.records?.[i]);
        if (index >= 0)
          expect.fail(
            `${section.name}: record ${index} changed.\n  pinned: ${pinned?.records?.[index]}\n  now:    ${records[index]}\n${REGENERATE}`,
          );
      } else {
        const divergence = firstDivergence(section.name, pinned?.blocks ?? [], records);
        if (divergence) expect.fail(`${divergence}\n${REGENERATE}`);
      }
    });
});
