import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { type MotoServer, startMoto } from '../../app/moto';
import { suiteLogWatch } from '../helpers/log-secrets';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

/**
 * The CLI as a user installs it, on a machine without the repository: `npm pack` (which builds dist/ first), then
 * `npm install -g --prefix <tmp>` of the tarball from a folder outside the repository, then the installed
 * `rebaseline` runs with nothing of the repository around it. Everything else in the suite runs the sources.
 */
describe('the packed CLI (npm pack, npm install -g of the tarball, run outside the repository)', function () {
  this.timeout(600_000);
  let dir: string;
  let cli: string;
  let moto: MotoServer;
  /** The environment of a user: no REBASELINE_SOURCES, no test database, no endpoint. */
  const env = () => {
    const e: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', HOME: dir };
    delete e.REBASELINE_SOURCES;
    delete e.REBASELINE_DB;
    return e;
  };
  const rebaseline = (args: string[]) =>
    run(cli, args, { cwd: dir, env: env(), maxBuffer: 64 * 1024 * 1024 }).then(
      (r) => ({ status: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        status: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );

  before(async function () {
    this.timeout(600_000);
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-packed-'));
    // Act (once): pack and install as a user would.
    await run('npm', ['pack', '--pack-destination', dir], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
    const tarball = readdirSync(dir).find((f) => /^rebaseline-.*\.tgz$/.test(f)) as string;
    await run(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        join(dir, 'prefix'),
        join(dir, tarball),
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
      ],
      { cwd: dir, maxBuffer: 64 * 1024 * 1024 },
    );
    cli = join(dir, 'prefix', 'bin', 'rebaseline');
    moto = await startMoto();
  });

  after(async () => {
    await moto?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the compiled CLI and what it reads at run time, not the sources', () => {
    const installed = join(dir, 'prefix', 'lib', 'node_modules', 'rebaseline');
    expect(existsSync(join(installed, 'dist', 'cli.mjs'))).to.equal(true);
    expect(
      existsSync(join(installed, 'dist', 'remediations', 'revoke-public-ingress', 'document.yaml')),
    ).to.equal(true);
    expect(existsSync(join(installed, 'dist', 'examples', 'scheduled.event.json'))).to.equal(true);
    expect(existsSync(join(installed, 'dist', 'playbooks', 'block-ip', 'document.yaml'))).to.equal(true);
    expect(existsSync(join(installed, 'dist', 'playbooks', 'collect-evidence', 'command.yaml'))).to.equal(
      true,
    );
    expect(existsSync(join(installed, 'app'))).to.equal(false);
    expect(existsSync(join(installed, 'node_modules', 'tsx'))).to.equal(false);
  });

  it('prints its version, evaluates a recorded event, and refuses bad input with exit 2', async () => {
    const version = await rebaseline(['--version']);
    expect(version.stdout.trim()).to.equal(
      (require(join(ROOT, 'package.json')) as { version: string }).version,
    );
    const evaluated = await rebaseline([
      'evaluate',
      '--rule',
      'ec2-security-group-no-public-ingress',
      '--event',
      join(ROOT, 'examples', 'security-group-open-ssh.event.json'),
    ]);
    expect(evaluated.status, evaluated.stderr).to.equal(0);
    expect(JSON.parse(evaluated.stdout).evaluations[0]).to.include({ complianceType: 'NON_COMPLIANT' });
    const bad = await rebaseline(['evaluate', '--rule', 'nope', '--event', 'x.json']);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/^rebaseline: /);
  });

  it('scans an account on the emulator, recording it in the history', async () => {
    const db = join(dir, 'scan.db');
    const scanned = await rebaseline([
      'scan',
      '--endpoint-url',
      moto.endpoint,
      '--db',
      db,
      '--format',
      'json',
    ]);
    suiteLogWatch.readChildOutput(scanned.stderr, 'packed rebaseline scan');
    expect(scanned.status, scanned.stderr).to.equal(0);
    expect(JSON.parse(scanned.stdout).findings.length).to.be.greaterThan(0);
    const history = await rebaseline(['history', '--db', db, '--format', 'json']);
    expect(history.status, history.stderr).to.equal(0);
  });

  it('runs the demo end to end (moto_server, the SSM documents, the recorded examples)', async () => {
    const demo = await rebaseline(['demo', '--out-dir', join(dir, 'demo'), '--format', 'json']);
    suiteLogWatch.readChildOutput(demo.stderr, 'packed rebaseline demo');
    expect(demo.status, demo.stderr).to.equal(0);
    const out = JSON.parse(demo.stdout);
    expect(out.before.NON_COMPLIANT).to.be.greaterThan(0);
    expect(out.after.NON_COMPLIANT).to.equal(0);
    expect(out.recordedRootKeys.evaluations[0].complianceType).to.equal('NON_COMPLIANT');
    expect(existsSync(out.report)).to.equal(true);
  });

  it('answers a finding (the playbook documents ship beside the bundle): the decision and every planned call', async () => {
    const responded = await rebaseline([
      'respond',
      '--finding',
      join(ROOT, 'examples', 'guardduty-ssh-brute-force.event.json'),
      '--endpoint-url',
      moto.endpoint,
      '--db',
      join(dir, 'respond.db'),
      '--format',
      'json',
    ]);
    suiteLogWatch.readChildOutput(responded.stderr, 'packed rebaseline respond');
    const out = JSON.parse(responded.stdout);
    expect(out.applied).to.equal(false);
    expect(out.decision.map((d: { playbook: string }) => d.playbook)).to.include('notify');
    expect(out.steps.length).to.be.greaterThan(0);
    const bad = await rebaseline(['respond', '--finding', join(ROOT, 'package.json')]);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/^rebaseline: Malformed finding/);
  });
});
