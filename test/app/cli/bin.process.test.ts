import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { explainAwsError } from '../../../app/cli/aws-errors';
import { CORPUS } from '../../helpers/fixtures';

const ROOT = join(__dirname, '..', '..', '..');

/**
 * Runs the real binary (node bin/rebaseline.js) as a user would: the other CLI tests run the same code in-process
 * (test/helpers/cli.ts); these are the cases only a process shows (start-up, stdout holding nothing but the answer
 * with logging on, the environment the SDK reads).
 */
function bin(args: string[], options: { env?: NodeJS.ProcessEnv } = {}) {
  const out = spawnSync(process.execPath, [join(ROOT, 'bin', 'rebaseline.js'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: options.env ?? { ...process.env, LOG_LEVEL: 'info' },
    timeout: 60_000,
  });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('the rebaseline binary (a child process per case)', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-bin-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('evaluate: a real change event → exactly {"evaluations":[…]} on stdout and nothing on stderr, exit 0', () => {
    const run = bin([
      'evaluate',
      '--rule',
      'ec2-security-group-no-public-ingress',
      '--event',
      join(CORPUS, 'invoking_events', 'c7n__cwe__event-config-rule-security-group.json'),
    ]);
    expect([run.status, run.stderr]).to.deep.equal([0, '']);
    expect(run.stdout).to.equal(
      '{"evaluations":[{"complianceResourceType":"AWS::EC2::SecurityGroup","complianceResourceId":"sg-e2fb6999","complianceType":"NON_COMPLIANT","annotation":"Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port)."}]}\n',
    );
  });

  describe('missing credentials', () => {
    it('says which options give credentials instead of the SDK’s "Could not load credentials"', () => {
      const env: NodeJS.ProcessEnv = {
        PATH: process.env.PATH,
        HOME: dir,
        AWS_CONFIG_FILE: join(dir, 'no-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_REGION: 'us-east-1',
        REBASELINE_DB: join(dir, 'history.db'),
        REBASELINE_SOURCES: '1',
      };
      const run = bin(['scan'], { env });
      expect(run.status).to.equal(2);
      expect(run.stderr).to.match(
        /^rebaseline: No usable AWS credentials were found \(Could not load credentials from any providers\): give --profile <name>/,
      );
      expect(run.stderr)
        .to.include('--role-arn')
        .and.include('--endpoint-url')
        .and.include('docs/your-account.md');
      const expired = Object.assign(new Error('The security token included in the request is expired'), {
        name: 'ExpiredToken',
      });
      expect(explainAwsError(expired)?.message).to.match(/^The AWS credentials have expired/);
      expect(explainAwsError(new Error('something else'))).to.equal(undefined);
    });
  });
});
