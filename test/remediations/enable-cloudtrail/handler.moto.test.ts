import {
  CloudTrailClient,
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetTrailStatusCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import {
  ACL_CHECK_SID,
  cloudTrailStatements,
  createHandler,
  fixedEventSelectors,
  MANAGEMENT_SELECTOR_NAME,
  mergeBucketPolicy,
  parsePayload,
  planChange,
  type TrailPlan,
  verifyCompliant,
  WRITE_SID,
} from '../../../remediations/enable-cloudtrail/handler';
import { AwsClients } from '../../../shared/aws/clients';
import { CloudTrail } from '../../../shared/aws/services/cloudtrail';
import { S3 } from '../../../shared/aws/services/s3';
import {
  InsufficientDataError,
  ManualActionRequiredError,
  RemediationDeniedError,
  RemediationInputError,
  RemediationVerificationError,
} from '../../../shared/errors';
import { TEST_CREDENTIALS, useMoto } from '../../helpers/moto';
import { ACCOUNT, motoClients, REGION } from '../helpers';

const ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/rebaseline-trail`;

const payload = (extra: Record<string, unknown> = {}) =>
  parsePayload({ Mode: 'plan', AccountId: ACCOUNT, Region: REGION, TrailName: 'rebaseline-trail', ...extra });

/** The account the Lambda acts on (the handler's own, here). */
const own = (aws: AwsClients) => ({ aws, accountId: ACCOUNT, partition: 'aws' });
const planTrail = (aws: AwsClients, p: ReturnType<typeof payload>) => planChange(own(aws), p);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('enable-cloudtrail handler', () => {
  describe('bucket policy', () => {
    const statements = cloudTrailStatements('aws', 'logs', ACCOUNT, ARN);

    it('pins both CloudTrail statements to the trail and the account', () => {
      expect(statements.map((s) => [s.Sid, s.Action, s.Resource])).to.deep.equal([
        [ACL_CHECK_SID, 's3:GetBucketAcl', 'arn:aws:s3:::logs'],
        [WRITE_SID, 's3:PutObject', `arn:aws:s3:::logs/AWSLogs/${ACCOUNT}/*`],
      ]);
      expect(statements[1]?.Condition).to.deep.equal({
        StringEquals: {
          's3:x-amz-acl': 'bucket-owner-full-control',
          'aws:SourceArn': ARN,
          'aws:SourceAccount': ACCOUNT,
        },
      });
    });

    it('is the two statements when the bucket has no policy', () => {
      expect(JSON.parse(mergeBucketPolicy(null, statements) ?? '')).to.deep.equal({
        Version: '2012-10-17',
        Statement: statements,
      });
    });

    it('keeps statements with other Sids and replaces stale CloudTrail statements', () => {
      const other = { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*' };
      const stale = cloudTrailStatements('aws', 'logs', ACCOUNT, `${ARN}-old`);
      const current = JSON.stringify({ Version: '2012-10-17', Statement: [other, ...stale] });

      expect(JSON.parse(mergeBucketPolicy(current, statements) ?? '').Statement).to.deep.equal([
        other,
        ...statements,
      ]);
    });

    it('says nothing is to change when the statements are already there, in any key order', () => {
      const reordered = statements.map((s) => Object.fromEntries(Object.entries(s).reverse()));
      const current = JSON.stringify({ Statement: reordered, Version: '2012-10-17' });

      expect(mergeBucketPolicy(current, statements)).to.equal(undefined);
    });
  });

  describe('event selectors', () => {
    it('keeps basic data event selectors and moves management events to one selector that excludes nothing', () => {
      const data = {
        ReadWriteType: 'WriteOnly' as const,
        IncludeManagementEvents: true,
        ExcludeManagementEventSources: ['kms.amazonaws.com'],
        DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::bucket/'] }],
      };

      expect(fixedEventSelectors({ EventSelectors: [data] })).to.deep.equal({
        kind: 'basic',
        basic: [
          {
            ReadWriteType: 'WriteOnly',
            IncludeManagementEvents: false,
            DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::bucket/'] }],
          },
          { ReadWriteType: 'All', IncludeManagementEvents: true },
        ],
        advanced: [],
      });
    });

    it('replaces advanced management selectors and keeps the others', () => {
      const dataSelector = {
        Name: 'S3 writes',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
        ],
      };
      const readOnly = {
        Name: 'Management read',
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Management'] },
          { Field: 'readOnly', Equals: ['true'] },
        ],
      };

      expect(fixedEventSelectors({ AdvancedEventSelectors: [readOnly, dataSelector] })).to.deep.equal({
        kind: 'advanced',
        basic: [],
        advanced: [
          dataSelector,
          {
            Name: MANAGEMENT_SELECTOR_NAME,
            FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }],
          },
        ],
      });
    });
  });

  describe('payload', () => {
    it('takes the rule parameters in Config string form, and defaults', () => {
      expect(payload({ RequireKmsEncryption: 'TRUE' })).to.deep.include({
        Mode: 'plan',
        RequireLogFileValidation: '',
        RequireKmsEncryption: 'TRUE',
        S3BucketName: '',
        DryRun: false,
      });
    });

    it('refuses a log group without its role, and a malformed account', () => {
      expect(() =>
        payload({ CloudWatchLogsLogGroupArn: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:trail:*` }),
      ).to.throw(RemediationInputError, /go together/);
      expect(() => payload({ AccountId: '12' })).to.throw(
        RemediationInputError,
        /AccountId must be a 12-digit/,
      );
    });
  });

  describe('planning against moto_server', () => {
    const moto = useMoto();
    let aws: AwsClients;

    beforeEach(() => {
      aws = motoClients(moto.endpoint);
    });

    async function trail(
      on: AwsClients,
      name: string,
      options: { multiRegion?: boolean; logging?: boolean } = {},
    ) {
      await on.get(S3).send(
        new CreateBucketCommand({
          Bucket: `${name}-logs`,
          ...(on.region === 'us-east-1'
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
        }),
      );
      await on.get(CloudTrail).send(
        new CreateTrailCommand({
          Name: name,
          S3BucketName: `${name}-logs`,
          IsMultiRegionTrail: options.multiRegion ?? false,
          EnableLogFileValidation: true,
        }),
      );
      if (options.logging) await on.get(CloudTrail).send(new StartLoggingCommand({ Name: name }));
    }

    it('asks for a KMS key when the rule requires encryption and none was given, changing nothing', async () => {
      await trail(aws, 'plain', { multiRegion: true, logging: true });

      const error = await rejection(planTrail(aws, payload({ RequireKmsEncryption: 'true' })));

      expect(error).to.be.instanceOf(ManualActionRequiredError);
      expect(error.message).to.match(
        /^Account 123456789012 cannot be made compliant without input from a person \(Trail plain is not encrypted with a KMS key\.\): give this remediation KmsKeyId: a KMS key whose key policy lets cloudtrail\.amazonaws\.com encrypt/,
      );
    });

    it('uses a KMS key given as parameter on its own trail', async () => {
      await trail(aws, 'rebaseline-trail', { multiRegion: true, logging: true });
      const key = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

      const plan = await planTrail(aws, payload({ RequireKmsEncryption: 'true', KmsKeyId: key }));

      expect(plan).to.deep.include({
        action: 'Update',
        trailName: 'rebaseline-trail',
        setKmsKey: 'yes',
        updateTrail: 'no',
      });
      expect(plan.message).to.include(`UpdateTrail (KMS key ${key})`);
    });

    it('never repurposes another trail, however close: a stopped single-region one leads to creating its own', async () => {
      await trail(aws, 'plain', { multiRegion: false, logging: false });

      const plan = await planTrail(aws, payload());

      expect(plan).to.deep.include({
        action: 'Create',
        trailName: 'rebaseline-trail',
        createTrail: 'yes',
        updateTrail: 'no',
      });
      expect(plan.message).to.include('Every other trail stays as it is.');
    });

    it('sends its own trail to its home region instead of creating a second one', async () => {
      await trail(aws.inRegion('eu-west-1'), 'eu-home');
      await aws
        .inRegion('eu-west-1')
        .get(CloudTrail)
        .send(
          new CreateTrailCommand({
            Name: 'rebaseline-trail',
            S3BucketName: 'eu-home-logs',
            IsMultiRegionTrail: true,
          }),
        );

      const error = await rejection(planTrail(aws, payload()));

      expect(error).to.be.instanceOf(ManualActionRequiredError);
      expect(error.message).to.include('can only be changed in its home region eu-west-1');
    });

    it('fails, changing nothing, when the bucket the rule names does not exist', async () => {
      const error = await rejection(planTrail(aws, payload({ S3BucketName: 'central-trail-logs' })));

      expect(error).to.be.instanceOf(ManualActionRequiredError);
      expect(error.message).to.equal(
        'The rule requires delivery to bucket central-trail-logs (s3BucketName), which does not exist: create it with the CloudTrail bucket policy first. Nothing was changed.',
      );
    });

    it('points its trail at the bucket the rule names, without touching that bucket', async () => {
      await trail(aws, 'rebaseline-trail', { multiRegion: true, logging: true });
      await aws.get(S3).send(new CreateBucketCommand({ Bucket: 'central-trail-logs' }));

      const plan: TrailPlan = await planTrail(aws, payload({ S3BucketName: 'central-trail-logs' }));

      expect(plan).to.deep.include({
        action: 'Update',
        setDeliveryBucket: 'yes',
        bucketName: 'central-trail-logs',
        putBucketPolicy: 'no',
        blockBucketPublicAccess: 'no',
      });
    });

    it('re-uses its own bucket from an interrupted run, putting only what is missing', async () => {
      await aws
        .get(S3)
        .send(new CreateBucketCommand({ Bucket: `rebaseline-cloudtrail-${ACCOUNT}-${REGION}` }));

      const plan = await planTrail(aws, payload());

      expect(plan).to.deep.include({
        action: 'Create',
        createBucket: 'no',
        blockBucketPublicAccess: 'yes',
        putBucketPolicy: 'yes',
        createTrail: 'yes',
        startLogging: 'yes',
      });
    });

    it('refuses an AccountId that is not the account the invocation may act on', async () => {
      const run = createHandler(() => aws);

      const error = await rejection(
        run({ Mode: 'plan', AccountId: '111122223333', Region: REGION, TrailName: 'rebaseline-trail' }),
      );

      expect(error).to.be.instanceOf(RemediationDeniedError);
      expect(error.message)
        .to.include(`may act on account ${ACCOUNT} only`)
        .and.include('names account 111122223333');
    });

    it('in a dry run adds an empty plan: the Lambda itself never changes anything', async () => {
      const plan = await planTrail(aws, payload({ DryRun: true }));

      expect(plan.plan).to.deep.equal([]);
    });

    it('verification fails while the account is not compliant', async () => {
      await trail(aws, 'stopped', { multiRegion: true });

      const error = await rejection(verifyCompliant(own(aws), payload({ Mode: 'verify' })));

      expect(error).to.be.instanceOf(RemediationVerificationError);
      expect(error.message).to.equal(
        'Account 123456789012 is still NON_COMPLIANT for cloudtrail-multi-region-logging after the remediation: Trail stopped is not logging.',
      );
    });

    it('the handler plans with the clients of the region it is given', async () => {
      await trail(aws.inRegion('eu-west-1'), 'rebaseline-trail', { multiRegion: false, logging: false });
      const regions: string[] = [];
      const run = createHandler((region) => {
        regions.push(region);
        return aws.inRegion(region);
      });

      const plan = (await run({
        Mode: 'plan',
        AccountId: ACCOUNT,
        Region: 'eu-west-1',
        TrailName: 'rebaseline-trail',
      })) as TrailPlan;

      expect(regions).to.deep.equal(['eu-west-1']);
      expect(plan).to.deep.include({
        action: 'Update',
        trailName: 'rebaseline-trail',
        updateTrail: 'yes',
        startLogging: 'yes',
      });
    });
  });

  describe('planning with stubbed S3 answers moto does not give', () => {
    let sts: AwsClientStub<STSClient>;
    let cloudtrail: AwsClientStub<CloudTrailClient>;
    let s3: AwsClientStub<S3Client>;
    const aws = new AwsClients({ region: REGION, credentials: TEST_CREDENTIALS });

    before(() => {
      sts = mockClient(STSClient);
      cloudtrail = mockClient(CloudTrailClient);
      s3 = mockClient(S3Client);
    });
    beforeEach(() => {
      for (const stub of [sts, cloudtrail, s3]) stub.reset();
      sts.on(GetCallerIdentityCommand).resolves({ Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:root` });
      s3.on(ListBucketsCommand).resolves({ Buckets: [] });
    });
    after(() => {
      for (const stub of [sts, cloudtrail, s3]) stub.restore();
    });

    it('treats a 403 on HeadBucket with ExpectedBucketOwner as a bucket of another account', async () => {
      cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [] });
      s3.on(HeadBucketCommand).rejects(
        Object.assign(new Error('Forbidden'), { name: 'Forbidden', $metadata: { httpStatusCode: 403 } }),
      );

      const error = await rejection(planTrail(aws, payload()));

      expect(error).to.be.instanceOf(RemediationDeniedError);
      expect(s3.commandCalls(HeadBucketCommand)[0]?.args[0].input).to.deep.equal({
        Bucket: `rebaseline-cloudtrail-${ACCOUNT}-${REGION}`,
        ExpectedBucketOwner: ACCOUNT,
      });
    });

    it('plans a new bucket on a 404', async () => {
      cloudtrail.on(DescribeTrailsCommand).resolves({ trailList: [] });
      s3.on(HeadBucketCommand).rejects(
        Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } }),
      );

      const plan = await planTrail(aws, payload());

      expect(plan).to.deep.include({ action: 'Create', createBucket: 'us-east-1', putBucketPolicy: 'yes' });
    });

    it('cannot plan when its own trail is unreadable', async () => {
      cloudtrail.on(DescribeTrailsCommand).resolves({
        trailList: [
          {
            Name: 'rebaseline-trail',
            TrailARN: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/rebaseline-trail`,
            HomeRegion: REGION,
            IsMultiRegionTrail: false,
          },
        ],
      });
      cloudtrail
        .on(GetTrailStatusCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

      const error = await rejection(planTrail(aws, payload()));

      expect(error).to.be.instanceOf(InsufficientDataError);
      expect(error.message).to.include(
        'Trail rebaseline-trail could not be read (status: AccessDeniedException: denied)',
      );
    });
  });
});
