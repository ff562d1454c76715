import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';

const ROOT = join(__dirname, '..', '..');

/** Runs a script in a fresh Node process (with tsx), as the CLI would: what keeps that process alive shows. */
function node(script: string, env: NodeJS.ProcessEnv = {}) {
  const out = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { status: out.status, signal: out.signal, stdout: out.stdout, stderr: out.stderr };
}

describe('moto_server launcher (app/moto.ts)', function () {
  this.timeout(60_000);

  it('fails at once with the install hint when moto_server is missing, leaving nothing that keeps the process alive', () => {
    // A ten-minute readiness deadline: a poll that outlived the failure would keep the process alive that long (the
    // script exits explicitly after looking, so a regression fails here instead of hanging the suite).
    const run = node(`
      const { startMoto } = require('./app/moto.ts');
      startMoto({ command: '/nonexistent/moto_server', timeoutMs: 600000 }).then(
        () => console.log('started?'),
        (error) => setImmediate(() => {
          console.log(JSON.stringify({
            error: error.constructor.name + ': ' + error.message,
            timers: process.getActiveResourcesInfo().filter((r) => r === 'Timeout'),
          }));
          process.exit(0);
        }),
      );
    `);
    expect(run.status, run.stderr).to.equal(0);
    const out = JSON.parse(run.stdout);
    expect(out.error).to.match(
      /^MotoUnavailableError: .*not installed or not on PATH.*pip install 'moto\[server\]==5\.2\.1'/,
    );
    expect(out.timers, 'timers still pending after the failure').to.deep.equal([]);
  });

  it('makes the demo exit with the hint (exit 2) when moto_server is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rebaseline-no-moto-'));
    try {
      const out = spawnSync(process.execPath, ['bin/rebaseline.js', 'demo', '--out-dir', dir], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, MOTO_SERVER: '/nonexistent/moto_server' },
      });
      expect(out.status).to.equal(2);
      expect(out.stderr).to.match(
        /rebaseline: .*moto_server is not installed or not on PATH: install it with "pip install 'moto\[server\]==5\.2\.1'"/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
