import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { GetTrailStatusResponse, Trail } from '@aws-sdk/client-cloudtrail';
import { expect } from 'chai';
import { evaluate, type Parameters, rule } from '../../../rules/cloudtrail-multi-region-logging/evaluate';
import type { TrailSelectors } from '../../../shared/collectors/reader';
import { type EvaluationSnapshot, SnapshotReader } from '../../../shared/collectors/snapshot-reader';
import {
  InsufficientDataError,
  InvalidParametersError,
  MalformedResourceError,
  UnreadableDependencyError,
} from '../../../shared/errors';
import type { CloudTrailAccountModel } from '../../../shared/models/trail';
import type { Verdict } from '../../../shared/rule';
import { recorded } from '../../helpers/fixtures';
import { params, SCOPE } from '../../helpers/rules';

const p = (input: Record<string, string> = {}) => params<Parameters>(rule, input);

// Cloud Custodian's recorded CloudTrail responses (test/fixtures/corpus, INDEX §6).
const CT = 'custodian_placebo/cloudtrail';
const trails = (test: string, n = 1) =>
  recorded<{ trailList: Trail[] }>(`${CT}/${test}__cloudtrail.DescribeTrails_${n}.json`).trailList;
const status = (test: string, n = 1) =>
  recorded<GetTrailStatusResponse>(`${CT}/${test}__cloudtrail.GetTrailStatus_${n}.json`);
const selectors = (test: string, n = 1) =>
  recorded<TrailSelectors & { TrailARN: string }>(`${CT}/${test}__cloudtrail.GetEventSelectors_${n}.json`);
/** GetEventSelectors responses keyed by the trail ARN they carry. */
const byArn = (...responses: (TrailSelectors & { TrailARN: string })[]) =>
  Object.fromEntries(responses.map((r) => [r.TrailARN, r]));

const LOGGING = status('test_cloudtrail_status', 2);
const STOPPED = status('test_cloudtrail_status', 1);
/**
 * Test-authored, where Custodian recorded no GetTrailStatus for a trail: the minimal response of a logging trail.
 * (A trail with HasCustomEventSelectors false has CloudTrail's default selectors, which the API spells out as one
 * basic selector logging all management events.)
 */
const LOGGING_MINIMAL: GetTrailStatusResponse = { IsLogging: true };
const DEFAULT_SELECTORS: TrailSelectors = {
  EventSelectors: [
    {
      ReadWriteType: 'All',
      IncludeManagementEvents: true,
      DataResources: [],
      ExcludeManagementEventSources: [],
    },
  ],
};

/** The skunk-trails trail's own recorded selectors: management events All. */
const SKUNK_SELECTORS = byArn(selectors('test_account_data_events', 4));

async function collect(snapshot: EvaluationSnapshot, input: Record<string, string> = {}) {
  if (!rule.collect) throw new Error('cloudtrail-multi-region-logging has no collector');
  const models = await rule.collect(
    new SnapshotReader(snapshot, SCOPE.accountId, SCOPE.region),
    SCOPE,
    p(input),
  );
  expect(models).to.have.length(1);
  if (models[0] instanceof Error) throw models[0];
  return models[0] as CloudTrailAccountModel;
}

async function verdict(snapshot: EvaluationSnapshot, input: Record<string, string> = {}): Promise<Verdict> {
  return evaluate(await collect(snapshot, input), p(input));
}

const COMPLIANT = (name: string): Verdict => ({
  complianceType: 'COMPLIANT',
  annotation: `Trail ${name} is multi-region, logging, and logs all read and write management events.`,
});
const NON_COMPLIANT = (annotation: string): Verdict => ({ complianceType: 'NON_COMPLIANT', annotation });

const TF_TRAIL = 'tf-trail-3bf19dec-127e-11ed-861d-0242ac12000';

describe('rule cloudtrail-multi-region-logging', () => {
  describe('semantics, on recorded responses', () => {
    const cases: {
      name: string;
      snapshot: () => EvaluationSnapshot;
      params?: Record<string, string>;
      expected: Verdict;
    }[] = [
      {
        name: 'no trail (empty trailList)',
        snapshot: () => ({ trails: trails('test_account_data_events', 2) }),
        expected: NON_COMPLIANT('No CloudTrail trail exists.'),
      },
      {
        name: 'multi-region, logging, management events All, validation',
        snapshot: () => ({
          trails: trails('test_account_trail'),
          trailStatus: { 'skunk-trails': status('test_account_trail') },
          eventSelectors: SKUNK_SELECTORS,
        }),
        expected: COMPLIANT('skunk-trails'),
      },
      {
        name: 'the same trail meets KMS and its bucket when required',
        snapshot: () => ({
          trails: trails('test_account_trail'),
          trailStatus: { 'skunk-trails': status('test_account_trail') },
          eventSelectors: SKUNK_SELECTORS,
        }),
        params: { requireKmsEncryption: 'true', s3BucketName: 'custodian-skunk-trails' },
        expected: COMPLIANT('skunk-trails'),
      },
      {
        name: 'the same trail delivers to another bucket than required',
        snapshot: () => ({
          trails: trails('test_account_trail'),
          trailStatus: { 'skunk-trails': status('test_account_trail') },
          eventSelectors: SKUNK_SELECTORS,
        }),
        params: { s3BucketName: 'org-audit-logs' },
        expected: NON_COMPLIANT(
          'Trail skunk-trails delivers to bucket custodian-skunk-trails, not org-audit-logs.',
        ),
      },
      {
        name: 'the same trail without CloudWatch Logs when required',
        snapshot: () => ({
          trails: trails('test_account_trail'),
          trailStatus: { 'skunk-trails': status('test_account_trail') },
          eventSelectors: SKUNK_SELECTORS,
        }),
        params: { requireCloudWatchLogs: 'true' },
        expected: NON_COMPLIANT('Trail skunk-trails does not deliver to CloudWatch Logs.'),
      },
      {
        name: 'single-region trail (home region is this region)',
        snapshot: () => ({
          trails: trails('test_account_trail_same_region'),
          trailStatus: { 'skunk-trails': status('test_account_trail_same_region') },
          eventSelectors: SKUNK_SELECTORS,
        }),
        expected: NON_COMPLIANT('Trail skunk-trails is not multi-region.'),
      },
      {
        name: 'single-region trail (home region elsewhere)',
        snapshot: () => ({
          trails: trails('test_account_trail_different_region'),
          trailStatus: { 'skunk-trails': status('test_account_trail_different_region') },
          eventSelectors: SKUNK_SELECTORS,
        }),
        expected: NON_COMPLIANT('Trail skunk-trails is not multi-region.'),
      },
      {
        name: 'single-region trail without log file validation',
        snapshot: () => ({
          trails: trails('test_s3_log_target'),
          trailStatus: { Default: LOGGING_MINIMAL },
          eventSelectors: { Default: DEFAULT_SELECTORS },
        }),
        expected: NON_COMPLIANT('Trail Default is not multi-region and has no log file validation.'),
      },
      {
        name: 'a trail that is not logging and has no validation',
        snapshot: () => ({
          trails: trails('test_cloudtrail_create', 2),
          trailStatus: { nosetest: status('test_cloudtrail_create', 1) },
          eventSelectors: { nosetest: DEFAULT_SELECTORS },
        }),
        expected: NON_COMPLIANT('Trail nosetest is not logging and has no log file validation.'),
      },
      {
        name: 'the same trail once logging, validation not required',
        snapshot: () => ({
          trails: trails('test_cloudtrail_create', 2),
          trailStatus: { nosetest: status('test_cloudtrail_create', 2) },
          eventSelectors: { nosetest: DEFAULT_SELECTORS },
        }),
        params: { requireLogFileValidation: 'false' },
        expected: COMPLIANT('nosetest'),
      },
      {
        name: 'organization trail, logging stopped',
        snapshot: () => ({
          trails: trails('test_cloudtrail_set_logging'),
          trailStatus: { orgTrail: status('test_cloudtrail_set_logging', 2) },
          eventSelectors: byArn(selectors('test_cloudtrail_event_selectors', 4)),
        }),
        expected: NON_COMPLIANT('Trail orgTrail is not logging.'),
      },
      {
        name: 'organization trail, logging',
        snapshot: () => ({
          trails: trails('test_cloudtrail_set_logging'),
          trailStatus: { orgTrail: status('test_cloudtrail_set_logging', 1) },
          eventSelectors: byArn(selectors('test_cloudtrail_event_selectors', 4)),
        }),
        expected: COMPLIANT('orgTrail'),
      },
      {
        name: 'read-only management events (and no validation)',
        snapshot: () => ({
          trails: trails('test_cloudtrail_fail_include_management_events'),
          trailStatus: { [TF_TRAIL]: status('test_cloudtrail_fail_include_management_events') },
          eventSelectors: byArn(selectors('test_cloudtrail_fail_include_management_events')),
        }),
        expected: NON_COMPLIANT(
          `Trail ${TF_TRAIL} logs only read-only management events and has no log file validation.`,
        ),
      },
      {
        // AWS's CloudTrail.1 (multi-region-cloudtrail-enabled) passes this trail; the issue requires log file
        // validation by default, so it is NON_COMPLIANT here until requireLogFileValidation is false.
        name: 'management events All but no validation (issue default; CloudTrail.1 would pass it)',
        snapshot: () => ({
          trails: trails('test_cloudtrail_success_cloudtrail_include_management_events'),
          trailStatus: { [TF_TRAIL]: status('test_cloudtrail_success_cloudtrail_include_management_events') },
          eventSelectors: byArn(selectors('test_cloudtrail_success_cloudtrail_include_management_events')),
        }),
        expected: NON_COMPLIANT(`Trail ${TF_TRAIL} has no log file validation.`),
      },
      {
        name: 'management events All, validation not required',
        snapshot: () => ({
          trails: trails('test_cloudtrail_success_cloudtrail_include_management_events'),
          trailStatus: { [TF_TRAIL]: status('test_cloudtrail_success_cloudtrail_include_management_events') },
          eventSelectors: byArn(selectors('test_cloudtrail_success_cloudtrail_include_management_events')),
        }),
        params: { requireLogFileValidation: 'false' },
        expected: COMPLIANT(TF_TRAIL),
      },
      {
        name: 'advanced selectors: write-only management events excluding kms and rdsdata',
        snapshot: () => ({
          trails: trails('test_cloudtrail_fail_management_advanced_events_included'),
          trailStatus: {
            'test-cloudtrail': status('test_cloudtrail_fail_management_advanced_events_included'),
          },
          eventSelectors: byArn(selectors('test_cloudtrail_fail_management_advanced_events_included')),
        }),
        params: { requireLogFileValidation: 'false' },
        expected: NON_COMPLIANT(
          'Trail test-cloudtrail logs only write-only management events and excludes management events from kms.amazonaws.com, rdsdata.amazonaws.com.',
        ),
      },
      {
        // Custodian's test calls this trail a success; the issue ("does not exclude event sources") and AWS's
        // multi-region-cloudtrail-enabled (INDEX §6) say an exclusion fails, whichever source it is.
        name: 'advanced selectors: all management events but rdsdata excluded (Custodian: success)',
        snapshot: () => ({
          trails: trails('test_cloudtrail_success_management_advanced_events_included'),
          trailStatus: {
            'test-cloudtrail': status('test_cloudtrail_success_management_advanced_events_included'),
          },
          eventSelectors: byArn(selectors('test_cloudtrail_success_management_advanced_events_included')),
        }),
        params: { requireLogFileValidation: 'false', requireCloudWatchLogs: 'true' },
        expected: NON_COMPLIANT(
          'Trail test-cloudtrail excludes management events from rdsdata.amazonaws.com.',
        ),
      },
      {
        name: 'a shadow trail (home us-east-2) is the one that complies',
        snapshot: () => ({
          trails: trails('test_cloudtrail_event_selectors'),
          // Recorded statuses, assigned by this test: only the shadow trail is logging.
          trailStatus: {
            MultiRegion1CloudTrail: STOPPED,
            'arn:aws:cloudtrail:us-east-2:123456789012:trail/MultiRegion2CloudTrail': LOGGING,
            SingleCloudTrail: LOGGING,
            orgTrail: STOPPED,
          },
          eventSelectors: byArn(...[1, 2, 3, 4].map((n) => selectors('test_cloudtrail_event_selectors', n))),
        }),
        expected: COMPLIANT('MultiRegion2CloudTrail'),
      },
      {
        name: 'no trail complies: the closest one (fewest failed checks) is named',
        snapshot: () => ({
          trails: trails('test_cloudtrail_enable'),
          trailStatus: {
            nosetest: status('test_cloudtrail_enable', 2),
            'skunk-trails': status('test_cloudtrail_enable', 1),
          },
          eventSelectors: { nosetest: DEFAULT_SELECTORS, 'skunk-trails': DEFAULT_SELECTORS },
        }),
        params: { requireKmsEncryption: 'true' },
        expected: NON_COMPLIANT('Trail skunk-trails is not logging.'),
      },
      {
        name: 'a tie between closest trails names the first listed',
        snapshot: () => ({
          trails: trails('test_cloudtrail_enable'),
          trailStatus: {
            nosetest: status('test_cloudtrail_enable', 2),
            'skunk-trails': status('test_cloudtrail_enable', 1),
          },
          eventSelectors: { nosetest: DEFAULT_SELECTORS, 'skunk-trails': DEFAULT_SELECTORS },
        }),
        expected: NON_COMPLIANT('Trail nosetest has no log file validation.'),
      },
      {
        name: 'Control Tower trail complies although the organization trail is unreadable',
        snapshot: () => ({
          trails: trails('test_s3_data_events'),
          trailStatus: {
            'aws-controltower-BaselineCloudTrail': LOGGING_MINIMAL,
            'data-events': LOGGING_MINIMAL,
          },
          eventSelectors: byArn(selectors('test_s3_data_events', 1), selectors('test_s3_data_events', 2)),
        }),
        params: { requireCloudWatchLogs: 'true' },
        expected: COMPLIANT('aws-controltower-BaselineCloudTrail'),
      },
      {
        name: 'KMS required: the Control Tower trail is closest; an unreadable trail that fails anyway is no obstacle',
        snapshot: () => ({
          trails: trails('test_s3_data_events'),
          trailStatus: {
            'aws-controltower-BaselineCloudTrail': LOGGING_MINIMAL,
            'data-events': LOGGING_MINIMAL,
          },
          eventSelectors: byArn(selectors('test_s3_data_events', 1), selectors('test_s3_data_events', 2)),
        }),
        params: { requireKmsEncryption: 'true' },
        expected: NON_COMPLIANT('Trail aws-controltower-BaselineCloudTrail is not encrypted with a KMS key.'),
      },
      {
        name: 'a trail with S3 data events only does not log management events',
        snapshot: () => ({
          trails: trails('test_s3_data_events').filter((t) => t.Name === 'data-events'),
          trailStatus: { 'data-events': LOGGING_MINIMAL },
          eventSelectors: byArn(selectors('test_s3_data_events', 2)),
        }),
        expected: NON_COMPLIANT('Trail data-events does not log management events.'),
      },
      {
        name: 'everything missing at once, in the order of the checks',
        snapshot: () => ({
          trails: trails('test_s3_log_target'),
          trailStatus: { Default: STOPPED },
          eventSelectors: { Default: selectors('test_cloudtrail_fail_include_management_events') },
        }),
        params: {
          requireKmsEncryption: 'true',
          requireCloudWatchLogs: 'true',
          s3BucketName: 'org-audit-logs',
        },
        expected: NON_COMPLIANT(
          'Trail Default is not multi-region, is not logging, logs only read-only management events, has no log file validation, is not encrypted with a KMS key, does not deliver to CloudWatch Logs and delivers to bucket hazmat-audit-logs, not org-audit-logs.',
        ),
      },
    ];
    for (const c of cases)
      it(`${c.name} → ${c.expected.complianceType}`, async () => {
        const v = await verdict(c.snapshot(), c.params);
        expect(v).to.deep.equal(c.expected);
        expect(v.annotation).to.match(/\.$/);
      });

    it('an unreadable trail that might comply, with no other compliant trail: cannot be evaluated', async () => {
      const model = await collect({
        trails: trails('test_s3_data_events'),
        trailStatus: { 'aws-controltower-BaselineCloudTrail': STOPPED, 'data-events': LOGGING_MINIMAL },
        eventSelectors: byArn(selectors('test_s3_data_events', 1), selectors('test_s3_data_events', 2)),
      });
      const org = model.trails.find((t) => t.name === 'org-trail');
      expect(org?.isLogging).to.equal(undefined);
      expect(org?.unreadable.join(' ')).to.match(/status: .*trailStatus\["org-trail"\]/);
      expect(() => evaluate(model, p()))
        .to.throw(UnreadableDependencyError)
        .with.property('message')
        .that.matches(
          /status or event selectors of trail org-trail \(no other trail complies\) could not be read/,
        );
    });

    it('a trail answer that cannot be read whole is reported as such, never as a verdict', async () => {
      const [skunk] = trails('test_account_trail');
      for (const [snapshot, field] of [
        [{ trails: [{ ...skunk, IsMultiRegionTrail: 'yes' }] }, 'IsMultiRegionTrail'],
        [
          { trails: [skunk], trailStatus: { 'skunk-trails': { IsLogging: undefined } } },
          'GetTrailStatus.IsLogging',
        ],
        [
          {
            trails: [skunk],
            trailStatus: { 'skunk-trails': LOGGING },
            eventSelectors: { 'skunk-trails': { EventSelectors: 'garbage' } },
          },
          'EventSelectors',
        ],
      ] as const) {
        const full = {
          trailStatus: { 'skunk-trails': LOGGING },
          eventSelectors: SKUNK_SELECTORS,
          ...snapshot,
        };
        const models = await rule.collect?.(
          new SnapshotReader(full as never, SCOPE.accountId, SCOPE.region),
          SCOPE,
          p(),
        );
        expect(models?.[0]).to.be.instanceOf(MalformedResourceError).with.property('field', field);
      }
    });

    it('IncludeManagementEvents "false" as text is read as false: NON_COMPLIANT, not COMPLIANT', async () => {
      const v = await verdict({
        trails: trails('test_account_trail'),
        trailStatus: { 'skunk-trails': LOGGING },
        eventSelectors: {
          'skunk-trails': {
            EventSelectors: [{ IncludeManagementEvents: 'false', ReadWriteType: 'All' }],
          } as never,
        },
      });
      expect(v).to.deep.equal(NON_COMPLIANT('Trail skunk-trails does not log management events.'));
    });
  });

  describe('collect', () => {
    it('one account model holding every trail, shadow and organization trails included, once each', async () => {
      const listed = trails('test_cloudtrail_event_selectors');
      const model = await collect({
        trails: [...listed, ...listed.slice(0, 2)],
        trailStatus: Object.fromEntries(listed.map((t) => [t.TrailARN, LOGGING])),
        eventSelectors: byArn(...[1, 2, 3, 4].map((n) => selectors('test_cloudtrail_event_selectors', n))),
      });
      expect(model).to.deep.include({ resourceType: 'AWS::::Account', resourceId: SCOPE.accountId });
      expect(model.trails.map((t) => [t.name, t.homeRegion, t.isOrganizationTrail])).to.deep.equal([
        ['MultiRegion1CloudTrail', 'us-east-1', false],
        ['MultiRegion2CloudTrail', 'us-east-2', false],
        ['SingleCloudTrail', 'us-east-1', false],
        ['orgTrail', 'us-east-1', true],
      ]);
    });

    it('reads status and selectors keyed by trail name or by ARN', async () => {
      const [skunk] = trails('test_account_trail');
      for (const key of ['skunk-trails', skunk?.TrailARN as string]) {
        const model = await collect({
          trails: [skunk as Trail],
          trailStatus: { [key]: LOGGING },
          eventSelectors: { [key]: DEFAULT_SELECTORS },
        });
        expect(model.trails[0]).to.deep.include({ isLogging: true, unreadable: [] });
      }
    });

    it('without trails in the context, raises InsufficientDataError naming the key', async () => {
      const error = await collect({}).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(InsufficientDataError);
      expect((error as Error).message).to.match(/"trails"/);
    });
  });

  describe('parameters', () => {
    it('defaults: validation required; KMS, CloudWatch Logs and bucket not', () => {
      expect(p()).to.include({
        requireLogFileValidation: true,
        requireKmsEncryption: false,
        requireCloudWatchLogs: false,
        s3BucketName: '',
      });
    });
    for (const [name, value] of [
      ['requireLogFileValidation', 'yes'],
      ['requireKmsEncryption', '1'],
      ['s3BucketName', 's3://bucket'],
    ] as const)
      it(`rejects ${name} "${value}" naming the parameter`, () => {
        expect(() => p({ [name]: value }))
          .to.throw(InvalidParametersError)
          .with.property('parameter', name);
      });
  });

  describe('offline CLI (rebaseline evaluate)', () => {
    const ROOT = join(__dirname, '..', '..', '..');
    const EVENT = 'test/fixtures/corpus/invoking_events/c7n__config__poll-evaluation.json';
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        [
          'bin/rebaseline.js',
          'evaluate',
          '--rule',
          'cloudtrail-multi-region-logging',
          '--event',
          EVENT,
          ...args,
        ],
        { cwd: ROOT, encoding: 'utf8' },
      );
    const account = { complianceResourceType: 'AWS::::Account', complianceResourceId: '644160558196' };
    const orgTrailContext = (n: number) => ({
      trails: trails('test_cloudtrail_set_logging'),
      trailStatus: { orgTrail: status('test_cloudtrail_set_logging', n) },
      eventSelectors: byArn(selectors('test_cloudtrail_event_selectors', 4)),
    });

    it('evaluates the real scheduled event against recorded trail responses', () => {
      const out = run('--context', JSON.stringify(orgTrailContext(2)));
      expect(out.status, out.stderr).to.equal(0);
      expect(JSON.parse(out.stdout)).to.deep.equal({
        evaluations: [
          { ...account, complianceType: 'NON_COMPLIANT', annotation: 'Trail orgTrail is not logging.' },
        ],
      });
    });

    it('takes --params', () => {
      const out = run(
        '--context',
        JSON.stringify(orgTrailContext(1)),
        '--params',
        '{"requireKmsEncryption":"true"}',
      );
      expect(out.status, out.stderr).to.equal(0);
      expect(JSON.parse(out.stdout).evaluations).to.deep.equal([
        {
          ...account,
          complianceType: 'NON_COMPLIANT',
          annotation: 'Trail orgTrail is not encrypted with a KMS key.',
        },
      ]);
    });

    it('an empty trail list is an account without trails', () => {
      const out = run('--context', '{"trails":[]}');
      expect(out.status, out.stderr).to.equal(0);
      expect(JSON.parse(out.stdout).evaluations).to.deep.equal([
        { ...account, complianceType: 'NON_COMPLIANT', annotation: 'No CloudTrail trail exists.' },
      ]);
    });

    const failures: [string, string[], RegExp][] = [
      ['no context', [], /"trails"/],
      [
        'a trail without its status',
        ['--context', JSON.stringify({ ...orgTrailContext(1), trailStatus: {} })],
        /orgTrail/,
      ],
      [
        'an unknown parameter',
        ['--context', '{"trails":[]}', '--params', '{"requireTrail":"true"}'],
        /requireTrail/,
      ],
    ];
    for (const [name, args, message] of failures)
      it(`${name} → exit 2 and a one-line error`, () => {
        const out = run(...args);
        expect(out.status).to.equal(2);
        expect(out.stdout).to.equal('');
        expect(out.stderr.trimEnd().split('\n')).to.have.length(1);
        expect(out.stderr).to.match(message);
      });
  });
});
