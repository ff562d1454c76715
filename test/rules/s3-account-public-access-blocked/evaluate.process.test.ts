import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import { evaluate, type Parameters, rule } from '../../../rules/s3-account-public-access-blocked/evaluate';
import { SnapshotReader } from '../../../shared/collectors/snapshot-reader';
import { normaliseConfigurationItem } from '../../../shared/config/configuration-item';
import { parseConfigRuleEvent } from '../../../shared/config/event';
import { CollectionError, InvalidParametersError, MalformedResourceError } from '../../../shared/errors';
import { evaluateEvent } from '../../../shared/lambda/evaluate-event';
import {
  type AccountPublicAccessBlockModel,
  accountPublicAccessBlockFromApi,
  accountPublicAccessBlockFromConfigurationItem,
  type PublicAccessBlockFlags,
} from '../../../shared/models/public-access-block';
import { ruleParameters } from '../../../shared/params';
import { fixture, recordedError } from '../../helpers/fixtures';
import { changeEvent, params, SCOPE, scheduledEvent } from '../../helpers/rules';

const ROOT = join(__dirname, '..', '..', '..');
const RDK_ITEM = 'corpus/config_items/rdk_AWS_S3_AccountPublicAccessBlock.json';
const ACCOUNT = '123456789012';

const p = (input: Record<string, string> = {}) => params<Parameters>(rule, input);
const ALL_ON: PublicAccessBlockFlags = {
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
};

/** The RDK sample item with its configuration replaced (`null` drops it: the flags are then all absent). */
function rdkItem(
  configuration: Record<string, unknown> | null = ALL_ON as unknown as Record<string, unknown>,
) {
  const raw = fixture<Record<string, unknown>>(RDK_ITEM);
  raw.configuration = configuration ?? {};
  return raw;
}
const fromItem = (configuration: Record<string, unknown>) =>
  accountPublicAccessBlockFromConfigurationItem(normaliseConfigurationItem(rdkItem(configuration)));
const fromApi = (flags: Partial<PublicAccessBlockFlags> | null): AccountPublicAccessBlockModel =>
  accountPublicAccessBlockFromApi(
    flags && {
      BlockPublicAcls: flags.blockPublicAcls ?? false,
      IgnorePublicAcls: flags.ignorePublicAcls ?? false,
      BlockPublicPolicy: flags.blockPublicPolicy ?? false,
      RestrictPublicBuckets: flags.restrictPublicBuckets ?? false,
    },
    ACCOUNT,
  );

describe('rule s3-account-public-access-blocked', () => {
  afterEach(() => sinon.restore());

  describe('semantics', () => {
    const cases: {
      name: string;
      model: AccountPublicAccessBlockModel;
      params?: Record<string, string>;
      expected: 'COMPLIANT' | 'NON_COMPLIANT';
      annotation: string;
    }[] = [
      {
        name: 'all four flags on',
        model: fromApi(ALL_ON),
        expected: 'COMPLIANT',
        annotation:
          'Account-level S3 Block Public Access has BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets on.',
      },
      {
        name: 'one flag off',
        model: fromApi({ ...ALL_ON, restrictPublicBuckets: false }),
        expected: 'NON_COMPLIANT',
        annotation: 'Account-level S3 Block Public Access is missing RestrictPublicBuckets.',
      },
      {
        name: 'all flags off: every one listed',
        model: fromApi({}),
        expected: 'NON_COMPLIANT',
        annotation:
          'Account-level S3 Block Public Access is missing BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets.',
      },
      {
        name: 'no account-level configuration (NoSuchPublicAccessBlockConfiguration)',
        model: fromApi(null),
        expected: 'NON_COMPLIANT',
        annotation:
          'No account-level S3 Block Public Access configuration exists (required: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets).',
      },
      {
        name: 'a flag that is off but not required',
        model: fromApi({ ...ALL_ON, blockPublicAcls: false }),
        params: { blockPublicAcls: 'false' },
        expected: 'COMPLIANT',
        annotation:
          'Account-level S3 Block Public Access has IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets on.',
      },
      {
        name: 'only the missing required flags are listed',
        model: fromApi({ blockPublicPolicy: true }),
        params: { blockPublicAcls: 'false', restrictPublicBuckets: 'FALSE' },
        expected: 'NON_COMPLIANT',
        annotation: 'Account-level S3 Block Public Access is missing IgnorePublicAcls.',
      },
      {
        name: 'nothing required and a configuration exists',
        model: fromApi({}),
        params: {
          blockPublicAcls: 'false',
          ignorePublicAcls: 'false',
          blockPublicPolicy: 'false',
          restrictPublicBuckets: 'false',
        },
        expected: 'COMPLIANT',
        annotation: 'Account-level S3 Block Public Access exists; no setting is required.',
      },
      {
        name: 'nothing required but no configuration at all: still NON_COMPLIANT',
        model: fromApi(null),
        params: {
          blockPublicAcls: 'false',
          ignorePublicAcls: 'false',
          blockPublicPolicy: 'false',
          restrictPublicBuckets: 'false',
        },
        expected: 'NON_COMPLIANT',
        annotation: 'No account-level S3 Block Public Access configuration exists.',
      },
      {
        name: 'configuration item with every flag on',
        model: fromItem({ ...ALL_ON }),
        expected: 'COMPLIANT',
        annotation:
          'Account-level S3 Block Public Access has BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets on.',
      },
      {
        name: 'configuration item with two flags false',
        model: fromItem({ ...ALL_ON, ignorePublicAcls: false, blockPublicPolicy: false }),
        expected: 'NON_COMPLIANT',
        annotation: 'Account-level S3 Block Public Access is missing IgnorePublicAcls, BlockPublicPolicy.',
      },
    ];
    for (const c of cases)
      it(`${c.name} → ${c.expected}`, () => {
        expect(evaluate(c.model, p(c.params))).to.deep.equal({
          complianceType: c.expected,
          annotation: c.annotation,
        });
      });

    it('flags as text are decoded ("true"/"FALSE")', () => {
      const m = fromItem({
        blockPublicAcls: 'true',
        ignorePublicAcls: 'TRUE',
        blockPublicPolicy: true,
        restrictPublicBuckets: 'FALSE',
      });
      expect(evaluate(m, p()).annotation).to.equal(
        'Account-level S3 Block Public Access is missing RestrictPublicBuckets.',
      );
    });

    for (const [name, configuration, field] of [
      [
        'a flag absent',
        { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true },
        'configuration.restrictPublicBuckets',
      ],
      [
        'a flag that is not a boolean',
        { ...ALL_ON, ignorePublicAcls: 'on' },
        'configuration.ignorePublicAcls',
      ],
      ['an empty configuration', {}, 'configuration.BlockPublicAcls'],
    ] as const)
      it(`a configuration item with ${name} is refused, naming the flag (was read as off)`, () => {
        expect(() => fromItem(configuration as Record<string, unknown>))
          .to.throw(MalformedResourceError)
          .with.property('field', field);
      });

    it('an API answer without a flag is refused', () => {
      expect(() => accountPublicAccessBlockFromApi({ BlockPublicAcls: true }, ACCOUNT))
        .to.throw(MalformedResourceError)
        .with.property('field', 'PublicAccessBlockConfiguration.IgnorePublicAcls');
    });
  });

  describe('parameters', () => {
    it('defaults: every flag required', () => {
      expect(p()).to.include({
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      });
    });
    it('empty values take the default', () => {
      expect(p({ ignorePublicAcls: '' })).to.include({ ignorePublicAcls: true });
    });
    it('rejects a value that is not "true"/"false", naming the parameter', () => {
      expect(() => p({ restrictPublicBuckets: 'yes' }))
        .to.throw(InvalidParametersError)
        .with.property('parameter', 'restrictPublicBuckets');
    });
  });

  describe('the real AccountPublicAccessBlock item (INDEX §4)', () => {
    it('RDK sample: all four flags on → COMPLIANT, resource id = account id', () => {
      const m = accountPublicAccessBlockFromConfigurationItem(normaliseConfigurationItem(fixture(RDK_ITEM)));
      expect(m).to.include({ resourceType: 'AWS::S3::AccountPublicAccessBlock', resourceId: '123456789012' });
      expect(evaluate(m, p()).complianceType).to.equal('COMPLIANT');
    });
  });

  describe('through the Config adapter', () => {
    const reader = (snapshot: ConstructorParameters<typeof SnapshotReader>[0] = {}) =>
      new SnapshotReader(snapshot, ACCOUNT, 'us-east-1');
    const run = (event: ReturnType<typeof parseConfigRuleEvent>, r: SnapshotReader) =>
      evaluateEvent(rule, event, ruleParameters(rule, event.ruleParameters), SCOPE, { reader: r });
    const asChangeEvent = (raw: Record<string, unknown>, ruleParams: Record<string, string> = {}) => {
      const { accountId, ...rest } = raw;
      return parseConfigRuleEvent(changeEvent({ ...rest, awsAccountId: accountId }, ruleParams));
    };

    it('change path reports AWS::S3::AccountPublicAccessBlock', async () => {
      const outcome = await run(
        asChangeEvent(rdkItem({ ...ALL_ON, restrictPublicBuckets: false })),
        reader(),
      );
      expect(
        outcome.evaluations.map((e) => [e.complianceResourceType, e.complianceResourceId, e.complianceType]),
      ).to.deep.equal([['AWS::S3::AccountPublicAccessBlock', ACCOUNT, 'NON_COMPLIANT']]);
    });

    it('change path: deleting the account configuration is NON_COMPLIANT at once (the protection is gone)', async () => {
      const raw = rdkItem();
      raw.configurationItemStatus = 'ResourceDeleted';
      raw.configuration = null;
      const outcome = await run(asChangeEvent(raw), reader());
      expect(
        outcome.evaluations.map((e) => [
          e.complianceResourceType,
          e.complianceResourceId,
          e.complianceType,
          e.annotation,
        ]),
      ).to.deep.equal([
        [
          'AWS::S3::AccountPublicAccessBlock',
          ACCOUNT,
          'NON_COMPLIANT',
          'No account-level S3 Block Public Access configuration exists (required: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets).',
        ],
      ]);
    });

    it('change path: an account configuration Config stopped recording is NOT_APPLICABLE', async () => {
      const raw = rdkItem();
      raw.configurationItemStatus = 'ResourceNotRecorded';
      const outcome = await run(asChangeEvent(raw), reader());
      expect(outcome.evaluations[0]?.complianceType).to.equal('NOT_APPLICABLE');
    });

    it('periodic path reports AWS::::Account from the reader (camelCase context)', async () => {
      const outcome = await run(
        parseConfigRuleEvent(scheduledEvent()),
        reader({ accountPublicAccessBlock: { ...ALL_ON, ignorePublicAcls: false } }),
      );
      expect(outcome.failures).to.deep.equal([]);
      expect(
        outcome.evaluations.map((e) => [
          e.complianceResourceType,
          e.complianceResourceId,
          e.complianceType,
          e.annotation,
        ]),
      ).to.deep.equal([
        [
          'AWS::::Account',
          ACCOUNT,
          'NON_COMPLIANT',
          'Account-level S3 Block Public Access is missing IgnorePublicAcls.',
        ],
      ]);
    });

    it('periodic path without the account level in the offline context: not evaluated, naming the key', async () => {
      const outcome = await run(parseConfigRuleEvent(scheduledEvent()), reader());
      expect(outcome.evaluations).to.deep.equal([]);
      expect(outcome.failures[0]?.message).to.match(/"accountPublicAccessBlock"/);
    });

    it('periodic path with no account-level configuration (null) → NON_COMPLIANT', async () => {
      const outcome = await run(
        parseConfigRuleEvent(scheduledEvent()),
        reader({ accountPublicAccessBlock: null }),
      );
      expect(outcome.evaluations[0]).to.include({
        complianceResourceType: 'AWS::::Account',
        complianceType: 'NON_COMPLIANT',
      });
      expect(outcome.evaluations[0]?.annotation).to.match(
        /^No account-level S3 Block Public Access configuration exists/,
      );
    });

    it('periodic path: exemptResourceIds with the account id exempts it', async () => {
      const outcome = await run(
        parseConfigRuleEvent(scheduledEvent({ exemptResourceIds: ACCOUNT })),
        reader({ accountPublicAccessBlock: null }),
      );
      expect(outcome.evaluations[0]).to.include({
        complianceType: 'COMPLIANT',
        annotation: `Exempted: ${ACCOUNT} is listed in exemptResourceIds.`,
      });
    });

    it('an unreadable account configuration is a CollectionError, not "absent"', async () => {
      const r = reader();
      const denied = recordedError(
        'custodian_placebo/s3/test_s3_check_public_block__s3.GetPublicAccessBlock_3.json',
      );
      sinon.stub(r, 'accountPublicAccessBlock').rejects(denied);
      const outcome = await run(parseConfigRuleEvent(scheduledEvent()), r);
      expect(outcome.evaluations).to.deep.equal([]);
      expect(outcome.failures).to.have.length(1);
      expect(outcome.failures[0]).to.be.instanceOf(CollectionError).and.include({
        resourceType: 'AWS::::Account',
        resourceId: ACCOUNT,
      });
      expect(outcome.failures[0]?.cause).to.equal(denied);
    });
  });

  describe('offline CLI', () => {
    const cli = (...args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'bin', 'rebaseline.js'), 'evaluate', ...args], {
        cwd: ROOT,
        encoding: 'utf8',
      });

    it('evaluates the RDK item → COMPLIANT', () => {
      const out = cli(
        '--rule',
        's3-account-public-access-blocked',
        '--ci',
        join(ROOT, 'test', 'fixtures', RDK_ITEM),
      );
      expect(out.status, out.stderr).to.equal(0);
      expect(JSON.parse(out.stdout).evaluations).to.deep.equal([
        {
          complianceResourceType: 'AWS::S3::AccountPublicAccessBlock',
          complianceResourceId: '123456789012',
          complianceType: 'COMPLIANT',
          annotation:
            'Account-level S3 Block Public Access has BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets on.',
        },
      ]);
    });

    it('evaluates an item with a flag off → NON_COMPLIANT', () => {
      const file = join(tmpdir(), `rebaseline-account-bpa-${process.pid}.json`);
      writeFileSync(file, JSON.stringify(rdkItem({ ...ALL_ON, blockPublicPolicy: false })));
      const out = cli('--rule', 's3-account-public-access-blocked', '--ci', file);
      rmSync(file);
      expect(out.status, out.stderr).to.equal(0);
      expect(JSON.parse(out.stdout).evaluations[0]).to.include({
        complianceType: 'NON_COMPLIANT',
        annotation: 'Account-level S3 Block Public Access is missing BlockPublicPolicy.',
      });
    });

    it('bad --params → exit 2 and a one-line error naming the parameter', () => {
      const out = cli(
        '--rule',
        's3-account-public-access-blocked',
        '--ci',
        join(ROOT, 'test', 'fixtures', RDK_ITEM),
        '--params',
        '{"blockPublicAcls":"maybe"}',
      );
      expect(out.status).to.equal(2);
      expect(out.stderr.trim().split('\n')).to.have.length(1);
      expect(out.stderr).to.match(/blockPublicAcls/);
    });
  });
});
