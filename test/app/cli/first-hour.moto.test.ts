import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { evaluateOffline } from '../../../app/cli/commands/evaluate';
import { HistoryStore, migrate, SCHEMA_VERSION } from '../../../app/history/store';
import { RULES } from '../../../rules';
import { AwsClients } from '../../../shared/aws/clients';
import { EC2 } from '../../../shared/aws/services/ec2';
import { partsOf } from '../../../shared/collectors/parts';
import { snapshotKeys } from '../../../shared/collectors/snapshot-reader';
import { type CliRun, captureCli } from '../../helpers/cli';
import { TEST_CREDENTIALS, useMoto } from '../../helpers/moto';
import { ACCOUNT_EXCHANGES, answer } from '../history/config-exchanges';
import { SG_RULE, seedHistory } from '../history/seed';

const ROOT = join(__dirname, '..', '..', '..');
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

/** Runs the CLI in this process, capturing stdout and stderr. */
const rebaseline = captureCli;

/** Runs the CLI in this process with `dir` as the working directory (relative paths resolve there, as in a shell). */
async function inDir(dir: string, args: string[]): Promise<CliRun> {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return await captureCli(args);
  } finally {
    process.chdir(cwd);
  }
}

/** `a 'b c' "d"` → ['a', 'b c', 'd']: enough shell to read the README's commands. */
function shellWords(line: string): string[] {
  return [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

describe('the first hour of a new user (CLI)', function () {
  this.timeout(60_000);
  // One emulator for the file, reset before each test.
  const moto = useMoto();
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-first-hour-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('1. from the demo to "my account"', () => {
    it('prints the read-only and the remediation policies, the same as docs/iam/*.json', async () => {
      for (const [flag, file] of [
        ['--read-only', 'read-only-policy.json'],
        ['--remediate', 'remediation-policy.json'],
      ] as const) {
        const run = await rebaseline(['iam-policy', flag]);
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.equal(readFileSync(join(ROOT, 'docs', 'iam', file), 'utf8'));
      }
      const one = JSON.parse(
        (await rebaseline(['iam-policy', '--read-only', '--rules', SG_RULE, '--account-id', '111122223333']))
          .stdout,
      );
      // The rule's reads, and the scan's own (regions, AWS Config's inventory for --source auto).
      expect(one.Statement.flatMap((s: { Action: string[] }) => s.Action).sort()).to.deep.equal([
        'config:BatchGetResourceConfig',
        'config:DescribeConfigurationRecorderStatus',
        'config:DescribeConfigurationRecorders',
        'config:ListDiscoveredResources',
        'ec2:DescribeRegions',
        'ec2:DescribeSecurityGroups',
        'ec2:GetManagedPrefixListEntries',
      ]);
      for (const args of [
        ['iam-policy'],
        ['iam-policy', '--read-only', '--remediate'],
        ['iam-policy', '--read-only', '--account-id', 'me'],
      ]) {
        const bad = await rebaseline(args);
        expect(bad.status, args.join(' ')).to.equal(2);
      }
    });

    it('walks through the user’s own account with options that exist (docs/your-account.md)', async () => {
      const guide = readFileSync(join(ROOT, 'docs', 'your-account.md'), 'utf8');
      const commands = guide
        .replace(/\\\n\s*/g, '')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.startsWith('npx rebaseline '));
      expect(commands.length).to.be.greaterThan(6);
      for (const step of [
        '--profile',
        'scan',
        'remediate',
        '--apply --max-changes 1',
        'iam-policy',
        '--seed',
      ])
        expect(guide, step).to.include(step);
      for (const command of commands) {
        const words = shellWords(command.replace(/\s+#.*$/, '')).slice(2);
        const sub = words[0] === 'audit' ? ['audit', 'import'] : [words[0]!];
        const help = (await rebaseline([...sub, '--help'])).stdout;
        for (const option of words.filter((w) => w.startsWith('--')))
          expect(help, `${command}: ${option}`).to.include(option.split('=')[0]);
      }
      expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).to.include('(docs/your-account.md)');
    });

    describe('the emulator recipe', () => {
      it('seeds a running emulator, which scan and remediate then find and fix', async () => {
        const db = join(dir, 'history.db');
        const seeded = await rebaseline(['demo', '--seed', '--endpoint-url', moto.endpoint]);
        expect(seeded.status, seeded.stderr).to.equal(0);
        expect(seeded.stdout).to.include(`npx rebaseline scan --endpoint-url ${moto.endpoint}`);
        const scan = await rebaseline([
          'scan',
          '--endpoint-url',
          moto.endpoint,
          '--format',
          'json',
          '--db',
          db,
        ]);
        expect(scan.status, scan.stderr).to.equal(0);
        expect(JSON.parse(scan.stdout).summary.NON_COMPLIANT).to.be.greaterThan(5);
        const member = await rebaseline([
          'scan',
          '--endpoint-url',
          moto.endpoint,
          '--role-arn',
          'arn:aws:iam::210987654321:role/rebaseline-execution',
          '--format',
          'json',
          '--db',
          db,
        ]);
        expect(JSON.parse(member.stdout).accountId).to.equal('210987654321');
        const fix = await rebaseline([
          'remediate',
          '--endpoint-url',
          moto.endpoint,
          '--apply',
          '--max-changes',
          '1',
          '--format',
          'json',
          '--db',
          db,
        ]);
        expect(
          JSON.parse(fix.stdout).remediations.filter((r: { outcome: string }) => r.outcome === 'remediated'),
        ).to.have.length(1);
      });
    });
  });

  describe('2. history after the demo', () => {
    it('never creates a database when reading: a missing --db is an error that names it', async () => {
      const missing = join(dir, 'history-….db');
      for (const command of [['history'], ['report', '--format', 'json']]) {
        const run = await rebaseline([...command, '--db', missing]);
        expect(run.status, command.join(' ')).to.equal(2);
        expect(run.stderr).to.match(/^rebaseline: No history database at .*history-….db \(--db .*\)\. /);
        expect(run.stdout).to.equal('');
      }
      expect(readdirSync(dir)).to.deep.equal([]);
    });

    it('points a missing database at the latest demo history, when there is one', async () => {
      const demoDir = join(dir, 'rebaseline-demo');
      const store = HistoryStore.open(join(demoDir, 'history-2026-03-02T09-00-00-000Z.db'));
      seedHistory(store);
      store.close();
      const run = await inDir(dir, ['history', '--db', 'rebaseline-demo/history-….db']);
      expect(run.status).to.equal(2);
      expect(run.stderr).to.include(
        'The latest demo history is rebaseline-demo/history-2026-03-02T09-00-00-000Z.db: add --db rebaseline-demo/history-2026-03-02T09-00-00-000Z.db.',
      );
      expect(existsSync(join(dir, 'rebaseline-demo', 'history-….db'))).to.equal(false);
    });

    it('refuses a file that is not a history database, and reads one without writing to it', async () => {
      const notDb = join(dir, 'empty.db');
      writeFileSync(notDb, '');
      const run = await rebaseline(['history', '--db', notDb]);
      expect(run.status).to.equal(2);
      expect(run.stderr).to.include('is not a rebaseline history database');
      const db = join(dir, 'history.db');
      const store = HistoryStore.open(db);
      seedHistory(store);
      store.close();
      const before = readFileSync(db);
      expect((await rebaseline(['history', '--db', db, '--resource', 'sg-ssh'])).status).to.equal(0);
      expect(readFileSync(db).equals(before)).to.equal(true);
    });

    it('reads a history written by an older rebaseline, migrating it in place (the file exists, nothing is created)', async () => {
      const db = join(dir, 'old.db');
      const old = new Database(db);
      migrate(old, 2);
      old.close();
      const run = await rebaseline(['history', '--db', db]);
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.include('No history in');
      const store = HistoryStore.openExisting(db);
      expect(store.schemaVersion()).to.equal(SCHEMA_VERSION);
      store.close();
    });

    it('names the valid rules (and accounts) instead of saying "No history"', async () => {
      const db = join(dir, 'history.db');
      const store = HistoryStore.open(db);
      seedHistory(store);
      store.close();
      const rule = await rebaseline(['history', '--db', db, '--rule', 'nope']);
      expect(rule.status).to.equal(2);
      expect(rule.stderr).to.equal(
        `rebaseline: Unknown rule nope; rules: ${RULES.map((r) => r.meta.id)
          .sort()
          .join(', ')}.\n`,
      );
      const account = await rebaseline(['history', '--db', db, '--account', '999999999999']);
      expect(account.stderr).to.include('accounts: 111111111111, 222222222222.');
      // A rule the registry knows but the store has no history of is still a valid question.
      const quiet = await rebaseline(['history', '--db', db, '--rule', 'iam-root-access-keys-absent']);
      expect(quiet.status).to.equal(0);
      expect(quiet.stdout).to.include('No history in');
    });
  });

  describe('3. the dry run shows the change to approve', () => {
    it('prints every planned call with its complete inputs, never cut', async () => {
      const aws = new AwsClients({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        credentials: TEST_CREDENTIALS,
      });
      const sg = await aws
        .get(EC2)
        .send(new CreateSecurityGroupCommand({ GroupName: 'mixed', Description: 'mixed' }));
      await aws.get(EC2).send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: sg.GroupId,
          IpPermissions: [
            {
              IpProtocol: 'tcp',
              FromPort: 22,
              ToPort: 22,
              IpRanges: [
                { CidrIp: '10.0.0.0/8' },
                { CidrIp: '0.0.0.0/0', Description: 'temporary, remove by Friday' },
              ],
            },
          ],
        }),
      );
      const run = await rebaseline([
        'remediate',
        '--endpoint-url',
        moto.endpoint,
        '--rules',
        SG_RULE,
        '--db',
        join(dir, 'history.db'),
      ]);
      expect(run.status, run.stderr).to.equal(0);
      const line = run.stdout.split('\n').find((l) => l.includes('ec2:RevokeSecurityGroupIngress {'))!;
      const inputs = JSON.parse(line.slice(line.indexOf('{')));
      expect(inputs).to.deep.equal({
        GroupId: sg.GroupId,
        IpPermissions: [
          {
            IpProtocol: 'tcp',
            FromPort: 22,
            ToPort: 22,
            IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'temporary, remove by Friday' }],
          },
        ],
      });
      expect(run.stdout)
        .to.include('DRY-RUN')
        .and.include('Planned changes, exact inputs (nothing was changed):');
    });
  });

  describe('6. the command line itself', () => {
    it('prints its version, and help (exit 0) when run bare', async () => {
      const version = await rebaseline(['--version']);
      expect([version.status, version.stdout]).to.deep.equal([0, `${packageJson.version}\n`]);
      const bare = await rebaseline([]);
      expect(bare.status).to.equal(0);
      expect(bare.stdout).to.include('Usage: rebaseline').and.include('docs/your-account.md');
    });

    it('lists the rule ids and every --context key in evaluate --help', async () => {
      const help = (await rebaseline(['evaluate', '--help'])).stdout;
      for (const rule of RULES) expect(help).to.include(`  ${rule.meta.id}\n`);
      for (const key of Object.keys(snapshotKeys(partsOf(RULES.map((r) => r.reads)))))
        expect(help).to.match(new RegExp(`\\n  ${key} +\\S`));
      expect(help)
        .to.include('securityGroups')
        .and.include('buckets')
        .and.include('accountAccessKeysPresent');
    });

    it('imports Config history through an assumed role (audit import --role-arn --external-id), keeping the external id out of the record', async () => {
      const sts = mockClient(STSClient);
      const config = mockClient(ConfigServiceClient);
      try {
        sts.on(AssumeRoleCommand).resolves({
          Credentials: {
            AccessKeyId: 'ASIAMEMBER',
            SecretAccessKey: 'secret',
            SessionToken: 'token',
            Expiration: new Date(Date.now() + 900_000),
          },
        });
        for (const name of ACCOUNT_EXCHANGES) answer(config, name);
        const db = join(dir, 'history.db');
        const run = await rebaseline([
          'audit',
          'import',
          '--role-arn',
          'arn:aws:iam::210987654321:role/audit',
          '--external-id',
          'shared-secret-123',
          '--region',
          'us-east-1',
          '--db',
          db,
        ]);
        expect(run.status, run.stderr).to.equal(0);
        expect(sts.commandCalls(AssumeRoleCommand)[0]!.args[0].input).to.include({
          RoleArn: 'arn:aws:iam::210987654321:role/audit',
          ExternalId: 'shared-secret-123',
        });
        const credentials = await (
          config.call(0).thisValue as { config: { credentials: () => Promise<{ accessKeyId: string }> } }
        ).config.credentials();
        expect(credentials.accessKeyId).to.equal('ASIAMEMBER');
        const store = HistoryStore.open(db);
        expect(JSON.stringify(store.runs()[0]!.args)).not.to.include('shared-secret-123');
        store.close();
      } finally {
        sts.restore();
        config.restore();
      }
    });

    it('writes the report under a folder git ignores by default, and refuses --section without --format csv', async () => {
      const db = join(dir, 'history.db');
      const store = HistoryStore.open(db);
      seedHistory(store);
      store.close();
      const run = await inDir(dir, ['report', '--db', db]);
      expect(run.status, run.stderr).to.equal(0);
      expect(run.stdout).to.match(
        /^Report written to rebaseline-reports\/report-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.html\n$/,
      );
      expect(readFileSync(join(dir, 'rebaseline-reports', '.gitignore'), 'utf8')).to.match(/^\*$/m);
      // Ignored by git in whatever repository it is written in.
      spawnSync('git', ['init', '-q'], { cwd: dir });
      const written = run.stdout.trim().replace('Report written to ', '');
      expect(
        spawnSync('git', ['check-ignore', '-q', written], { cwd: dir }).status,
        'git check-ignore',
      ).to.equal(0);
      for (const args of [
        ['report', '--section', 'rules'],
        ['report', '--format', 'json', '--section', 'rules'],
        ['report', '--format', 'html', '--control', '5.2'],
      ]) {
        const bad = await inDir(dir, [...args, '--db', db]);
        expect(bad.status, args.join(' ')).to.equal(2);
        expect(bad.stderr).to.match(/^rebaseline: --(section|control) /);
      }
    });
  });

  describe('9. the quick start’s examples', () => {
    it('gives the verdict the README shows for each example, a NON_COMPLIANT bucket among them', async () => {
      const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
      const block = readme.slice(
        readme.indexOf('Evaluate a rule offline'),
        readme.indexOf('`npm run demo` starts'),
      );
      const lines = block.replace(/\\\n\s*/g, '').split('\n');
      const examples = lines
        .map((line, i) => ({ command: line, expected: lines[i + 1] ?? '' }))
        .filter((l) => l.command.startsWith('npx rebaseline evaluate'));
      expect(examples.length).to.be.at.least(4);
      for (const { command, expected } of examples) {
        const shown = /^# → (\w+) (\S+): (.*)$/.exec(expected);
        expect(shown, `${command} is followed by its verdict`).to.not.equal(null);
        const words = shellWords(command).slice(3);
        const options: Record<string, string> = {};
        for (let i = 0; i < words.length; i += 2) options[words[i]!.replace(/^--/, '')] = words[i + 1]!;
        const [evaluation] = await evaluateOffline(RULES, {
          rule: options.rule!,
          event: options.event,
          ci: options.ci,
          context: options.context,
        });
        expect(evaluation!.complianceType, command).to.equal(shown![1]);
        expect(evaluation!.complianceResourceId, command).to.equal(shown![2]);
        expect(evaluation!.annotation, command).to.include(shown![3]!.replace(/…$/, ''));
      }
      const verdicts = examples.map((e) => /^# → (\w+)/.exec(e.expected)![1]);
      expect(verdicts.filter((v) => v === 'NON_COMPLIANT')).to.have.length.at.least(3);
      expect(
        examples.some(
          (e) => e.command.includes('bucket-public-read') && e.expected.includes('NON_COMPLIANT'),
        ),
      ).to.equal(true);
    });
  });
});
