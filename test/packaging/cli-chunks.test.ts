import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Metafile } from 'esbuild';
import { RULE_IDS } from '../../app/cli/rule-loaders.generated';
import { RULES } from '../../rules';
import { buildCli } from '../../scripts/build-cli';

/** The package of a bundled node_modules path (`@aws-sdk/client-ec2`), or undefined for a source of the repository. */
const packageOf = (input: string) => /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];

/**
 * The sources a command line loads in the compiled CLI: the entry chunk, the chunks of the given dynamic imports
 * (by their source), and every chunk those import statically, transitively.
 */
function loadedInputs(metafile: Metafile, entries: readonly string[]): Set<string> {
  const byEntry = new Map(
    Object.entries(metafile.outputs).flatMap(([path, o]) => (o.entryPoint ? [[o.entryPoint, path]] : [])),
  );
  const todo = entries.map((e) => {
    const output = byEntry.get(e);
    if (!output) throw new Error(`No chunk is made for ${e}.`);
    return output;
  });
  const seen = new Set<string>();
  for (let output = todo.pop(); output !== undefined; output = todo.pop()) {
    if (seen.has(output)) continue;
    seen.add(output);
    for (const i of metafile.outputs[output]?.imports ?? [])
      if (i.kind === 'import-statement' && !i.external) todo.push(i.path);
  }
  return new Set([...seen].flatMap((o) => Object.keys(metafile.outputs[o]?.inputs ?? {})));
}

/** The sources a source reaches through its static imports (esbuild's input graph), itself included. */
function reachedFrom(metafile: Metafile, source: string): Set<string> {
  const seen = new Set<string>();
  const todo = [source];
  for (let input = todo.pop(); input !== undefined; input = todo.pop()) {
    if (seen.has(input)) continue;
    seen.add(input);
    for (const i of metafile.inputs[input]?.imports ?? [])
      if (i.kind !== 'dynamic-import' && !i.external) todo.push(i.path);
  }
  return seen;
}

/**
 * What `rebaseline evaluate --rule <id>` loads, from the compiled CLI's chunk graph (no timings: the machine is
 * shared; `docs/performance.md` has the figures). Issue #12: one offline item must not pay for compiling every
 * rule, their reads' SDK clients and the metadata schemas.
 */
describe('the compiled CLI: what `evaluate` loads', function () {
  this.timeout(120_000);
  let dir: string;
  let metafile: Metafile;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-cli-chunks-'));
    ({ metafile } = await buildCli(join(dir, 'dist')));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('can load every rule of the registry alone (the generated loaders are those of rules/index.ts)', () => {
    expect(RULE_IDS).to.deep.equal(RULES.map((r) => r.meta.id));
    for (const id of RULE_IDS) expect([...byEntryPoints(metafile)]).to.include(`rules/${id}/evaluate.ts`);
  });

  for (const id of RULES.map((r) => r.meta.id))
    describe(`evaluate --rule ${id}`, () => {
      let loaded: Set<string>;
      before(() => {
        // A rule without a chunk of its own would come with the whole registry.
        const rule = byEntryPoints(metafile).has(`rules/${id}/evaluate.ts`)
          ? `rules/${id}/evaluate.ts`
          : 'rules/index.ts';
        loaded = loadedInputs(metafile, ['app/cli/bundle.ts', 'app/cli/commands/evaluate.ts', rule]);
      });

      it('loads its rule and no other rule, nor the registries, remediations, playbooks or other commands', () => {
        expect(loaded).to.include(`rules/${id}/evaluate.ts`);
        const others = [...loaded].filter(
          (i) =>
            (i.startsWith('rules/') && !i.startsWith(`rules/${id}/`)) ||
            /^(remediations|playbooks)\//.test(i) ||
            (i.startsWith('app/') && !i.startsWith('app/cli/')) ||
            (i.startsWith('app/cli/commands/') && i !== 'app/cli/commands/evaluate.ts'),
        );
        expect(others).to.deep.equal([]);
      });

      it('loads no AWS SDK client: its reads are loaded on their first live call, and it makes none', () => {
        const sdk = [...loaded].filter((i) => /^@(aws-sdk|smithy)\//.test(packageOf(i) ?? ''));
        expect([...new Set(sdk.map(packageOf))]).to.deep.equal([]);
        // The live halves of its reads are chunks of their own, loaded by a live reader only.
        for (const input of reachedFrom(metafile, `rules/${id}/evaluate.ts`))
          expect(input, 'a live half imported statically').not.to.match(/\.live\.ts$/);
      });

      it('compiles no schema: nothing of ajv but its runtime helpers, the precompiled validators instead', () => {
        const compiler = [...loaded].filter(
          (i) => packageOf(i) === 'ajv' && !/\/ajv\/dist\/runtime\//.test(i),
        );
        expect(compiler).to.deep.equal([]);
        expect(loaded).to.include('shared/schemas/validate-rule.generated.js');
        expect(loaded).to.include('shared/schemas/validate-parameters.generated.js');
      });
    });

  it("puts each reader part's live half (its SDK client) in a chunk of its own", () => {
    const live = Object.keys(metafile.inputs).filter((i) => /\.live\.ts$/.test(i));
    expect(live.length).to.be.greaterThan(0);
    for (const input of live) expect([...byEntryPoints(metafile)], input).to.include(input);
  });
});

/** The sources that have a chunk of their own (entry points and the targets of dynamic imports). */
function byEntryPoints(metafile: Metafile): Set<string> {
  return new Set(Object.values(metafile.outputs).flatMap((o) => (o.entryPoint ? [o.entryPoint] : [])));
}
