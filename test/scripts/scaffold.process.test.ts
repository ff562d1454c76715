import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { lambdaLogicalId } from '../../scripts/deploy/naming';
import { REPO_ROOT } from '../../scripts/deploy/registry';

/**
 * The promise of CONTRIBUTING.md, kept: a rule made with `npm run new:rule` is one folder, its test folder and one
 * registry line, and with nothing else written by hand it passes its tests and the registry's, `npm run generate`
 * derives its docs page, README row and pack entry, the serverless sections hold its Lambda, and cfn-lint accepts
 * the generated templates. Run in a copy of the working tree (node_modules linked), never in the repository.
 */
const ID = 'sns-topic-throwaway-check';
const GIT = [
  '-c',
  'user.email=scaffold@test.invalid',
  '-c',
  'user.name=scaffold test',
  '-c',
  'commit.gpgsign=false',
];

function run(cwd: string, command: string, args: string[]) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  if (r.error) throw r.error;
  return { status: r.status, out: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}
const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const mocha = join(REPO_ROOT, 'node_modules', '.bin', 'mocha');

describe('a rule added with the scaffold (in a copy of the repository)', function () {
  this.timeout(300_000);
  let copy: string;
  let changed: string[];

  before(() => {
    copy = mkdtempSync(join(tmpdir(), 'rebaseline-scaffold-'));
    // The working tree as it is (tracked and new files, not what .gitignore keeps out), node_modules linked.
    const files = run(REPO_ROOT, 'git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'])
      .stdout.split('\0')
      .filter((f) => f && existsSync(join(REPO_ROOT, f)));
    for (const f of files) {
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      cpSync(join(REPO_ROOT, f), join(copy, f));
    }
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'));
    expect(run(copy, 'git', ['init', '-q']).status).to.equal(0);
    expect(run(copy, 'git', [...GIT, 'add', '-A']).status).to.equal(0);
    expect(run(copy, 'git', [...GIT, 'commit', '-qm', 'base']).status).to.equal(0);

    const scaffold = run(copy, tsx, [
      'scripts/scaffold/new-rule.ts',
      ID,
      '--service',
      'sns',
      '--resource-type',
      'AWS::SNS::Topic',
      '--read',
      'ListTopics',
    ]);
    expect(scaffold.status, scaffold.out).to.equal(0);
    expect(run(copy, 'git', ['add', '-A']).status).to.equal(0);
    changed = run(copy, 'git', ['diff', '--cached', '--name-only']).stdout.trim().split('\n');
  });

  after(() => {
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it('writes only the rule folder, its test folder and the registry line', () => {
    for (const f of changed)
      expect(f).to.satisfy(
        (p: string) =>
          p.startsWith(`rules/${ID}/`) || p.startsWith(`test/rules/${ID}/`) || p === 'rules/index.ts',
        f,
      );
    expect(changed).to.include.members([
      `rules/${ID}/rule.json`,
      `rules/${ID}/evaluate.ts`,
      `rules/${ID}/handler.ts`,
      'rules/index.ts',
    ]);
    const registryDiff = run(copy, 'git', ['diff', '--cached', '--numstat', '--', 'rules/index.ts']).stdout;
    // One import and one entry of the RULES list.
    expect(registryDiff.trim().split(/\s+/).slice(0, 2)).to.deep.equal(['2', '0']);
  });

  it('compiles, and passes its own tests and the registry tests as written', () => {
    const tsc = run(copy, join(REPO_ROOT, 'node_modules', '.bin', 'tsc'), ['--noEmit']);
    expect(tsc.status, tsc.out).to.equal(0);
    const tests = run(copy, mocha, [`test/rules/${ID}/*.test.ts`, 'test/rules/registry.test.ts']);
    expect(tests.status, tests.out).to.equal(0);
  });

  it('gets its generated docs page, README row and pack entry from npm run generate, then nothing is stale', () => {
    const first = run(copy, tsx, ['scripts/generate.ts']);
    expect(first.status, first.out).to.equal(0);
    const page = readFileSync(join(copy, 'docs', 'rules', `${ID}.md`), 'utf8');
    const scenarios = /\* Scenarios[^\n]*\n\s*\* - ([^\n]+)/.exec(
      readFileSync(join(copy, 'rules', ID, 'evaluate.ts'), 'utf8'),
    );
    expect(page).to.include(`# \`${ID}\``);
    expect(page).to.include(scenarios?.[1]);
    expect(readFileSync(join(copy, 'README.md'), 'utf8')).to.include(`[\`${ID}\`](docs/rules/${ID}.md)`);
    expect(readFileSync(join(copy, 'docs', 'rules.md'), 'utf8')).to.include(`(rules/${ID}.md)`);
    const packs = run(copy, 'git', ['grep', '-l', ID, '--', 'conformance-packs']);
    expect(packs.stdout, 'a conformance pack holds the rule').to.match(
      /conformance-packs\/rebaseline-baseline/,
    );
    const again = run(copy, tsx, ['scripts/generate.ts']);
    expect(again.stdout).to.include('Generated files are up to date.');
    // The docs tests the suite runs pass on the copy too.
    const docs = run(copy, mocha, ['test/scripts/build-docs.test.ts', 'test/scripts/build-packs.test.ts']);
    expect(docs.status, docs.out).to.equal(0);
  });

  it('gets a Lambda, its role and its Config rule in the serverless sections, and cfn-lint accepts the templates', () => {
    const script = `
      const { writeFileSync } = require('node:fs');
      const { loadRegistry } = require('./scripts/deploy/registry');
      const { buildServerlessSections } = require('./scripts/deploy/serverless-stack');
      const { resolveStageSettings } = require('./scripts/deploy/stage-params');
      const registry = loadRegistry();
      const s = buildServerlessSections(registry, resolveStageSettings(registry, 'ci', {}));
      writeFileSync('sections.json', JSON.stringify(s));`;
    const built = run(copy, tsx, ['-e', script]);
    expect(built.status, built.out).to.equal(0);
    const sections = JSON.parse(readFileSync(join(copy, 'sections.json'), 'utf8')) as {
      functions: Record<string, { name: string; handler: string; role: unknown }>;
      resources: { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    };
    const fn = Object.entries(sections.functions).find(
      ([, f]) => f.handler === `rules/${ID}/handler.handler`,
    );
    expect(fn, 'a function for the rule').to.not.equal(undefined);
    const rules = Object.values(sections.resources.Resources).filter(
      (r) => r.Type === 'AWS::Config::ConfigRule' && JSON.stringify(r.Properties).includes(ID),
    );
    expect(rules).to.have.length(1);
    // The sections as CloudFormation: the stack resources around a stand-in for each function osls compiles.
    const resources: Record<string, unknown> = { ...sections.resources.Resources };
    for (const [key, f] of Object.entries(sections.functions)) {
      resources[lambdaLogicalId(key)] = {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: f.name,
          Runtime: 'nodejs22.x',
          Handler: f.handler,
          Role: f.role,
          Code: { ZipFile: 'exports.handler = async () => undefined;' },
        },
      };
    }
    const template = join(copy, 'sections-template.json');
    writeFileSync(
      template,
      JSON.stringify({
        AWSTemplateFormatVersion: '2010-09-09',
        Resources: resources,
        Outputs: (sections.resources as { Outputs?: unknown }).Outputs ?? {},
      }),
    );
    const packs = run(copy, 'git', ['ls-files', '--others', '--modified', '--', 'conformance-packs'])
      .stdout.trim()
      .split('\n')
      .filter(Boolean)
      .map((f) => join(copy, f));
    const lint = run(copy, 'cfn-lint', [
      '--format',
      'json',
      '--custom-rules',
      join(copy, 'cfn-lint-rules', 'config.txt'),
      '--',
      template,
      ...packs,
    ]);
    expect(packs.some((f) => /conformance-packs\/rebaseline-baseline(-\d+)?\.yaml$/.test(f))).to.equal(true);
    // Exit 1 is cfn-lint itself failing; otherwise its status is a bit mask of what it found, listed as JSON.
    expect(lint.status, lint.out).to.not.equal(1);
    expect(lint.stdout.trim(), lint.out).to.match(/^\[/);
    const matches = JSON.parse(lint.stdout) as {
      Filename: string;
      Rule: { Id: string };
      Message: string;
      Level: string;
    }[];
    expect(
      matches
        .filter((m) => m.Level === 'Error' || m.Level === 'Warning')
        .map((m) => `${m.Rule.Id} ${m.Filename}: ${m.Message}`),
    ).to.deep.equal([]);
    expect(parse(readFileSync(packs.find((p) => p.includes('baseline'))!, 'utf8'))).to.be.an('object');
  });
});
