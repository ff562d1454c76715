import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { RULES } from '../../../rules';
import { type CliRun, captureCli } from '../../helpers/cli';
import { CORPUS, fixture, recorded } from '../../helpers/fixtures';
import { changeEvent, scheduledEvent } from '../../helpers/rules';

const RULE = 'ec2-security-group-no-public-ingress';
const SG_EVENT = join(CORPUS, 'invoking_events', 'c7n__cwe__event-config-rule-security-group.json');
const SG_CI = join(CORPUS, 'config_items', 'rdk_AWS_EC2_SecurityGroup.json');

/** Runs the CLI in this process (the same code after start-up; bin.process.test.ts runs the real binary). */
const rebaseline = (...args: string[]) => captureCli(args);

/** Asserts a successful run printed exactly one JSON object, `{"evaluations":[…]}`, and returns its evaluations. */
function evaluations(run: CliRun) {
  expect(run.stderr).to.equal('');
  expect(run.status).to.equal(0);
  expect(run.stdout.endsWith('\n')).to.equal(true);
  expect(run.stdout.trimEnd().split('\n')).to.have.length(1);
  const parsed = JSON.parse(run.stdout);
  expect(Object.keys(parsed)).to.deep.equal(['evaluations']);
  return parsed.evaluations as Record<string, unknown>[];
}

/** Asserts a bad-input run: exit 2, nothing on stdout, one line on stderr starting with "rebaseline:". */
function usageError(run: CliRun): string {
  expect(run.status).to.equal(2);
  expect(run.stdout).to.equal('');
  const lines = run.stderr.trimEnd().split('\n');
  expect(lines, run.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^rebaseline: /);
  return lines[0] ?? '';
}

describe('rebaseline evaluate (CLI)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rebaseline-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };

  describe('answers', () => {
    it('a real change event → exactly {"evaluations":[…]} on stdout, exit 0', async () => {
      const run = await rebaseline('evaluate', '--rule', RULE, '--event', SG_EVENT);
      expect(evaluations(run)).to.deep.equal([
        {
          complianceResourceType: 'AWS::EC2::SecurityGroup',
          complianceResourceId: 'sg-e2fb6999',
          complianceType: 'NON_COMPLIANT',
          annotation: 'Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port).',
        },
      ]);
      expect(run.stdout).to.equal(
        '{"evaluations":[{"complianceResourceType":"AWS::EC2::SecurityGroup","complianceResourceId":"sg-e2fb6999","complianceType":"NON_COMPLIANT","annotation":"Ingress tcp 22 is open to 0.0.0.0/0 (not an authorized port)."}]}\n',
      );
    });

    it('a configuration item with --ci', async () => {
      const run = await rebaseline('evaluate', '--rule', RULE, '--ci', SG_CI);
      expect(evaluations(run).map((e) => [e.complianceResourceId, e.complianceType])).to.deep.equal([
        ['sg-1d56fc66', 'NON_COMPLIANT'],
      ]);
    });

    it("--params in Config's string form changes the verdict", async () => {
      const run = await rebaseline(
        'evaluate',
        '--rule',
        RULE,
        '--ci',
        SG_CI,
        '--params',
        '{"authorizedTcpPorts":"22"}',
      );
      expect(evaluations(run).map((e) => e.complianceType)).to.deep.equal(['COMPLIANT']);
    });

    it('--params from a file (@path)', async () => {
      const params = file('params.json', { exemptResourceIds: 'sg-1d56fc66' });
      const run = await rebaseline('evaluate', '--rule', RULE, '--ci', SG_CI, '--params', `@${params}`);
      expect(evaluations(run).map((e) => [e.complianceType, e.annotation])).to.deep.equal([
        ['COMPLIANT', 'Exempted: sg-1d56fc66 is listed in exemptResourceIds.'],
      ]);
    });

    it('--context prefixLists makes a prefix list the world', async () => {
      // Prepare: a CI whose only ingress is through a managed prefix list.
      const ci = fixture<Record<string, unknown>>('corpus/config_items/rdk_AWS_EC2_SecurityGroup.json');
      (ci.configuration as Record<string, unknown>).ipPermissions = [
        {
          ipProtocol: 'tcp',
          fromPort: 3389,
          toPort: 3389,
          ipv4Ranges: [],
          ipv6Ranges: [],
          prefixListIds: [{ prefixListId: 'pl-0123456789abcdef0' }],
          userIdGroupPairs: [],
        },
      ];
      const path = file('prefix-list-ci.json', ci);
      // Act
      const offline = await rebaseline('evaluate', '--rule', RULE, '--ci', path);
      const resolved = await rebaseline(
        'evaluate',
        '--rule',
        RULE,
        '--ci',
        path,
        '--context',
        '{"prefixLists":{"pl-0123456789abcdef0":["0.0.0.0/0"]}}',
      );
      // Assess
      // Without the list's entries the group cannot be evaluated: exit 2 naming what --context lacks.
      expect(usageError(offline)).to.match(
        /sg-1d56fc66 cannot be evaluated: the entries of prefix list pl-0123456789abcdef0 could not be read .*"prefixLists\["pl-0123456789abcdef0"\]"/,
      );
      expect(evaluations(resolved).map((e) => e.annotation)).to.deep.equal([
        'Ingress tcp 3389 is open to 0.0.0.0/0 via prefix list pl-0123456789abcdef0 (not an authorized port).',
      ]);
    });

    it('an item that cannot be read whole → exit 2 naming the field', async () => {
      const ci = fixture<Record<string, unknown>>('corpus/config_items/rdk_AWS_EC2_SecurityGroup.json');
      delete (ci.configuration as Record<string, unknown>).ipPermissions;
      expect(
        usageError(await rebaseline('evaluate', '--rule', RULE, '--ci', file('no-permissions.json', ci))),
      ).to.equal(
        'rebaseline: Could not read AWS::EC2::SecurityGroup sg-1d56fc66: configuration.ipPermissions is missing.',
      );
    });

    it('a scheduled event evaluates the security groups given in --context', async () => {
      // Prepare
      const groups = recorded<{ SecurityGroups: unknown[] }>(
        'custodian_placebo/sg/test_asg_invalid_third_ami__ec2.DescribeSecurityGroups_1.json',
      ).SecurityGroups;
      const event = file('scheduled.json', scheduledEvent());
      const context = file('context.json', { securityGroups: groups });
      // Act
      const run = await rebaseline('evaluate', '--rule', RULE, '--event', event, '--context', context);
      // Assess
      const verdicts = evaluations(run);
      expect(verdicts).to.have.length(10);
      expect(
        verdicts.filter((e) => e.complianceType === 'NON_COMPLIANT').map((e) => e.complianceResourceId),
      ).to.have.members(['sg-30f4b842', 'sg-3839ec4b', 'sg-c63712b4']);
    });

    it('a resource type the rule does not evaluate → NOT_APPLICABLE', async () => {
      const run = await rebaseline(
        'evaluate',
        '--rule',
        RULE,
        '--event',
        join(CORPUS, 'invoking_events', 'c7n__cwe__event-config-rule-instance.json'),
      );
      expect(evaluations(run).map((e) => [e.complianceResourceId, e.complianceType])).to.deep.equal([
        ['i-094bc87c84d56c589', 'NOT_APPLICABLE'],
      ]);
    });
  });

  it("--help lists every rule and every rule's --context keys (it loads them all; a run loads one rule)", async () => {
    const run = await rebaseline('evaluate', '--help');
    expect(run.status).to.equal(0);
    for (const rule of RULES) expect(run.stdout).to.include(`  ${rule.meta.id}\n`);
    for (const key of ['securityGroups', 'prefixLists', 'credentialReport', 'trails', 'now'])
      expect(run.stdout).to.match(new RegExp(`^  ${key} `, 'm'));
  });

  describe('bad input → exit 2 and one line on stderr', () => {
    it('a rule id that is a path is an unknown rule, never a module loaded', async () => {
      for (const id of ['../index', 'ec2-security-group-no-public-ingress/../guardduty-enabled', '__proto__'])
        expect(usageError(await rebaseline('evaluate', '--rule', id, '--ci', SG_CI))).to.match(
          new RegExp(`^rebaseline: Unknown rule ${id.replace(/[./]/g, '\\$&')}; rules: `),
        );
    });

    it('a --context key that only another rule reads, naming the keys of the rule evaluated', async () => {
      // The same whether the command line loaded every rule or only this one (it loads only the rule asked for).
      expect(
        usageError(
          await rebaseline(
            'evaluate',
            '--rule',
            RULE,
            '--ci',
            SG_CI,
            '--context',
            '{"credentialReport":"user"}',
          ),
        ),
      ).to.equal(
        `rebaseline: Unknown evaluation context key "credentialReport" for rule ${RULE}; its keys: now, prefixLists, securityGroups.`,
      );
    });

    it('an unknown rule', async () => {
      const message = usageError(await rebaseline('evaluate', '--rule', 'no-such-rule', '--ci', SG_CI));
      expect(message).to.match(
        /^rebaseline: Unknown rule no-such-rule; rules: .*ec2-security-group-no-public-ingress/,
      );
    });

    it('an event file that is not JSON (the parser quotes its lines)', async () => {
      const path = file('broken.json', '{\n  "invokingEvent": tru\n}\n');
      const message = usageError(await rebaseline('evaluate', '--rule', RULE, '--event', path));
      expect(message).to.include(`rebaseline: Event file ${path} is not valid JSON: `);
    });

    it('a configuration item file that does not exist', async () => {
      const message = usageError(
        await rebaseline('evaluate', '--rule', RULE, '--ci', join(dir, 'missing.json')),
      );
      expect(message).to.equal(
        `rebaseline: Configuration item file ${join(dir, 'missing.json')} does not exist.`,
      );
    });

    it('--params that is not JSON', async () => {
      const message = usageError(
        await rebaseline('evaluate', '--rule', RULE, '--ci', SG_CI, '--params', '{allowIcmp: false}'),
      );
      expect(message).to.match(/^rebaseline: --params is not valid JSON: /);
    });

    it('invalid parameters', async () => {
      const message = usageError(
        await rebaseline('evaluate', '--rule', RULE, '--ci', SG_CI, '--params', '{"allowIcmp":"maybe"}'),
      );
      expect(message).to.equal(
        'rebaseline: Invalid rule parameter allowIcmp: expected "true" or "false", got "maybe".',
      );
    });

    it('invalid parameters inside the event', async () => {
      const ci = fixture<Record<string, unknown>>('corpus/config_items/rdk_AWS_EC2_SecurityGroup.json');
      const path = file('event-with-params.json', changeEvent(ci, { authorizedTcpPorts: '22,ssh' }));
      const message = usageError(await rebaseline('evaluate', '--rule', RULE, '--event', path));
      expect(message).to.match(/^rebaseline: Invalid rule parameter authorizedTcpPorts: /);
    });

    it('both --event and --ci', async () => {
      const message = usageError(
        await rebaseline('evaluate', '--rule', RULE, '--event', SG_EVENT, '--ci', SG_CI),
      );
      expect(message).to.equal('rebaseline: Give exactly one of --event or --ci.');
    });

    it('neither --event nor --ci', async () => {
      expect(usageError(await rebaseline('evaluate', '--rule', RULE))).to.equal(
        'rebaseline: Give exactly one of --event or --ci.',
      );
    });

    it('an event that is JSON but not a Config event', async () => {
      const path = file('not-an-event.json', { invokingEvent: '{}' });
      expect(usageError(await rebaseline('evaluate', '--rule', RULE, '--event', path))).to.match(
        /^rebaseline: invokingEvent\.messageType is missing/,
      );
    });

    it('an oversized event, which only AWS Config can resolve', async () => {
      const path = file('oversized.json', {
        ...fixture<Record<string, unknown>>(
          'corpus/invoking_events/awsdocs__config__example_OversizedConfigurationItemChangeNotification.json',
        ),
        ruleParameters: '{}',
        invokingEvent: JSON.stringify({
          messageType: 'OversizedConfigurationItemChangeNotification',
          configurationItemSummary: {
            awsAccountId: '123456789012',
            resourceType: 'AWS::EC2::SecurityGroup',
            resourceId: 'sg-1d56fc66',
            configurationItemStatus: 'OK',
            configurationItemCaptureTime: '2026-11-01T00:00:00.000Z',
          },
        }),
      });
      expect(usageError(await rebaseline('evaluate', '--rule', RULE, '--event', path))).to.match(
        /^rebaseline: An oversized configuration item can only be fetched from AWS Config/,
      );
    });

    it('an unknown --context key', async () => {
      expect(
        usageError(await rebaseline('evaluate', '--rule', RULE, '--ci', SG_CI, '--context', '{"trail":[]}')),
      ).to.match(/^rebaseline: Unknown evaluation context key "trail"/);
    });

    it('a --context "now" that is not a date', async () => {
      expect(
        usageError(
          await rebaseline('evaluate', '--rule', RULE, '--ci', SG_CI, '--context', '{"now":"soon"}'),
        ),
      ).to.equal('rebaseline: --context now soon is not a date.');
    });

    it('a scheduled event without what the collector needs in --context', async () => {
      const path = file('scheduled-no-context.json', scheduledEvent());
      expect(usageError(await rebaseline('evaluate', '--rule', RULE, '--event', path))).to.equal(
        'rebaseline: Offline evaluation of security groups needs "securityGroups" in the evaluation context (--context).',
      );
    });
  });
});
