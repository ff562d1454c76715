import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect } from 'chai';

/**
 * The layers, as docs/architecture.md draws them. `shared/` is what a Lambda bundles and never imports the
 * application (`app/`), the registries or a rule; a rule never imports another rule; nothing imports upwards; and
 * there are no import cycles (type-only imports included: they are design cycles too).
 */
const ROOT = join(__dirname, '..');
const SOURCE_DIRS = ['shared', 'app', 'rules', 'remediations', 'playbooks', 'scripts', 'bench'];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const IMPORT = /(?:from\s+|import\(\s*|require\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const base = resolve(dirname(file), m[1] as string);
    for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
      try {
        if (statSync(candidate).isFile()) {
          out.push(relative(ROOT, candidate));
          break;
        }
      } catch {
        // not this spelling of the module
      }
    }
  }
  return out;
}

const graph = new Map<string, string[]>();
for (const dir of SOURCE_DIRS)
  for (const file of sourceFiles(join(ROOT, dir))) graph.set(relative(ROOT, file), importsOf(file));

const top = (path: string) => path.split('/')[0] as string;
const ruleFolder = (path: string) => (path.startsWith('rules/') ? path.split('/')[1] : undefined);

describe('architecture (layers and cycles)', () => {
  it('sees the whole source tree', () => expect(graph.size).to.be.greaterThan(100));

  it('shared/ imports only shared/ (the framework bundled in Lambdas knows no application, registry or rule)', () => {
    const offending = [...graph]
      .filter(([file]) => top(file) === 'shared')
      .flatMap(([file, deps]) => deps.filter((d) => top(d) !== 'shared').map((d) => `${file} → ${d}`));
    expect(offending).to.deep.equal([]);
  });

  it('nothing in shared/, rules/, remediations/ or playbooks/ imports the application (app/), scripts or bench', () => {
    const offending = [...graph]
      .filter(([file]) => ['shared', 'rules', 'remediations', 'playbooks'].includes(top(file)))
      .flatMap(([file, deps]) =>
        deps.filter((d) => ['app', 'scripts', 'bench'].includes(top(d))).map((d) => `${file} → ${d}`),
      );
    expect(offending).to.deep.equal([]);
  });

  it('a rule imports no other rule, and no remediation', () => {
    const offending = [...graph]
      .filter(([file]) => ruleFolder(file) && !file.endsWith('rules/index.ts'))
      .flatMap(([file, deps]) =>
        deps
          .filter(
            (d) =>
              top(d) === 'remediations' ||
              (ruleFolder(d) !== undefined && ruleFolder(d) !== ruleFolder(file) && d !== 'rules/index.ts'),
          )
          .map((d) => `${file} → ${d}`),
      );
    expect(offending).to.deep.equal([]);
  });

  it('a playbook imports only shared/ (its Lambda bundles nothing else): no rule, no remediation, no other playbook', () => {
    const folder = (path: string) => (path.startsWith('playbooks/') ? path.split('/')[1] : undefined);
    const offending = [...graph]
      // The registry and the deployed router (which starts every playbook) are the two dispatchers.
      .filter(
        ([file]) =>
          top(file) === 'playbooks' && !['playbooks/index.ts', 'playbooks/router/handler.ts'].includes(file),
      )
      .flatMap(([file, deps]) =>
        deps.filter((d) => top(d) !== 'shared' && folder(d) !== folder(file)).map((d) => `${file} → ${d}`),
      );
    expect(offending).to.deep.equal([]);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, 'visiting');
      stack.push(file);
      for (const dep of graph.get(file) ?? []) {
        if (state.get(dep) === 'visiting') cycles.push([...stack.slice(stack.indexOf(dep)), dep].join(' → '));
        else if (!state.has(dep)) visit(dep);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file)) visit(file);
    expect(cycles).to.deep.equal([]);
  });
});
