import {
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  PutEventSelectorsCommand,
  StartLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import {
  CreateBucketCommand,
  GetBucketLocationCommand,
  GetBucketPolicyCommand,
  GetPublicAccessBlockCommand,
  ListBucketsCommand,
  PutBucketPolicyCommand,
} from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { expect } from 'chai';
import type { AutomationExecution } from '../../../app/ssm/runner';
import { ACL_CHECK_SID, WRITE_SID } from '../../../remediations/enable-cloudtrail/handler';
import type { AwsClients } from '../../../shared/aws/clients';
import { CloudTrail } from '../../../shared/aws/services/cloudtrail';
import { S3 } from '../../../shared/aws/services/s3';
import { STS } from '../../../shared/aws/services/sts';
import { awsErrorName } from '../../../shared/errors';
import { useMoto } from '../../helpers/moto';
import { ACCOUNT, motoClients, mutations, REGION, runRemediation } from '../helpers';

const ID = 'enable-cloudtrail';
const LOG_BUCKET = `rebaseline-cloudtrail-${ACCOUNT}-${REGION}`;
/** A bucket that has nothing to do with CloudTrail: its policy must never change. */
const UNRELATED_BUCKET = 'unrelated-app-data';
const UNRELATED_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    {
      Sid: 'AppRead',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
      Action: 's3:GetObject',
      Resource: `arn:aws:s3:::${UNRELATED_BUCKET}/*`,
    },
  ],
});

async function bucket(aws: AwsClients, name: string, policy?: string): Promise<void> {
  await aws.get(S3).send(
    new CreateBucketCommand({
      Bucket: name,
      ...(aws.region === 'us-east-1'
        ? {}
        : { CreateBucketConfiguration: { LocationConstraint: aws.region as 'eu-west-1' } }),
    }),
  );
  if (policy) await aws.get(S3).send(new PutBucketPolicyCommand({ Bucket: name, Policy: policy }));
}

async function policyOf(aws: AwsClients, name: string): Promise<string | null> {
  try {
    return (await aws.get(S3).send(new GetBucketPolicyCommand({ Bucket: name }))).Policy ?? null;
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchBucketPolicy') return null;
    throw error;
  }
}

async function bucketNames(aws: AwsClients): Promise<string[]> {
  return ((await aws.get(S3).send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name ?? '').sort();
}

/** Every trail this region sees (or only those whose home it is), with status and selectors: the compared end state. */
async function trails(aws: AwsClients, homeOnly = false) {
  const ct = aws.get(CloudTrail);
  const list = (
    (await ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? []
  ).filter((t) => !homeOnly || t.HomeRegion === aws.region);
  return Promise.all(
    list.map(async (t) => {
      const status = await ct.send(new GetTrailStatusCommand({ Name: t.TrailARN }));
      const selectors = await ct.send(new GetEventSelectorsCommand({ TrailName: t.TrailARN }));
      return {
        name: t.Name,
        homeRegion: t.HomeRegion,
        bucket: t.S3BucketName,
        multiRegion: t.IsMultiRegionTrail,
        validation: t.LogFileValidationEnabled,
        logging: status.IsLogging,
        eventSelectors: selectors.EventSelectors ?? [],
        advancedEventSelectors: selectors.AdvancedEventSelectors ?? [],
      };
    }),
  );
}

async function trail(
  aws: AwsClients,
  name: string,
  bucketName: string,
  options: { multiRegion?: boolean; validation?: boolean; logging?: boolean } = {},
) {
  await aws.get(CloudTrail).send(
    new CreateTrailCommand({
      Name: name,
      S3BucketName: bucketName,
      IsMultiRegionTrail: options.multiRegion ?? false,
      EnableLogFileValidation: options.validation ?? false,
    }),
  );
  if (options.logging) await aws.get(CloudTrail).send(new StartLoggingCommand({ Name: name }));
}

const stepNames = (e: AutomationExecution) =>
  e.steps.filter((s) => s.action !== 'aws:branch').map((s) => `${s.name}:${s.status}`);

describe('remediation enable-cloudtrail (runner + moto_server)', () => {
  const moto = useMoto();
  let aws: AwsClients;
  let calls: string[];
  const run = (parameters: Record<string, unknown> = {}, dryRun = false, on = aws) =>
    runRemediation(ID, on, { AccountId: ACCOUNT, ...parameters }, { dryRun, pollIntervalMs: 10 });

  beforeEach(async () => {
    calls = [];
    aws = motoClients(moto.endpoint, calls);
    await bucket(aws, UNRELATED_BUCKET, UNRELATED_POLICY);
    calls.length = 0;
  });

  describe('a stopped single-region trail', () => {
    beforeEach(async () => {
      await bucket(aws, 'app-trail-logs', UNRELATED_POLICY.replaceAll(UNRELATED_BUCKET, 'app-trail-logs'));
      await trail(aws, 'app-trail', 'app-trail-logs');
      // Further from compliance (it logs no management events): the rule's closest trail is app-trail.
      await trail(aws, 'data-trail', 'app-trail-logs');
      await aws.get(CloudTrail).send(
        new PutEventSelectorsCommand({
          TrailName: 'data-trail',
          EventSelectors: [
            {
              ReadWriteType: 'All',
              IncludeManagementEvents: false,
              DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::app-trail-logs/'] }],
            },
          ],
        }),
      );
      // Single-region in another region: invisible from here, and must stay as it is.
      await trail(aws.inRegion('eu-west-1'), 'eu-trail', 'app-trail-logs');
      calls.length = 0;
    });

    it('is never repurposed: rebaseline-trail is created beside it, and every existing trail is read back unchanged', async () => {
      // Prepare
      const before = await trails(aws);
      const euBefore = await trails(aws.inRegion('eu-west-1'), true);

      // Act
      const execution = await run();

      // Assess
      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(execution.outputs['PlanTrail.Action']).to.equal('Create');
      expect(mutations(calls)).to.not.include('cloudtrail:UpdateTrail');
      const after = await trails(aws);
      for (const name of ['app-trail', 'data-trail'])
        expect(
          after.find((t) => t.name === name),
          name,
        ).to.deep.equal(before.find((t) => t.name === name));
      expect(after.find((t) => t.name === 'app-trail')).to.deep.include({
        multiRegion: false,
        logging: false,
      });
      expect(after.find((t) => t.name === 'rebaseline-trail')).to.deep.include({
        multiRegion: true,
        validation: true,
        logging: true,
      });
      expect(await trails(aws.inRegion('eu-west-1'), true)).to.deep.equal(euBefore);
      expect(await policyOf(aws, 'app-trail-logs')).to.equal(
        UNRELATED_POLICY.replaceAll(UNRELATED_BUCKET, 'app-trail-logs'),
      );
    });

    it('the trail TrailName names is the one fixed: started, made multi-region and validated; its bucket and the other trails untouched', async () => {
      // Prepare
      const before = await trails(aws);
      const euBefore = await trails(aws.inRegion('eu-west-1'), true);
      const bucketsBefore = await bucketNames(aws);
      const logPolicyBefore = await policyOf(aws, 'app-trail-logs');

      // Act
      const execution = await run({ TrailName: 'app-trail' });

      // Assess
      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(stepNames(execution)).to.deep.equal([
        'PlanTrail:Success',
        'UpdateTrail:Success',
        'StartLogging:Success',
        'WaitForLogging:Success',
        'VerifyCompliant:Success',
      ]);
      expect(mutations(calls)).to.deep.equal(['cloudtrail:UpdateTrail', 'cloudtrail:StartLogging']);
      const after = await trails(aws);
      const app = after.find((t) => t.name === 'app-trail');
      expect(app).to.deep.include({
        bucket: 'app-trail-logs',
        multiRegion: true,
        validation: true,
        logging: true,
      });
      expect(after.find((t) => t.name === 'data-trail')).to.deep.equal(
        before.find((t) => t.name === 'data-trail'),
      );
      expect(await trails(aws.inRegion('eu-west-1'), true)).to.deep.equal(euBefore);
      expect(await bucketNames(aws)).to.deep.equal(bucketsBefore);
      expect(await policyOf(aws, 'app-trail-logs')).to.equal(logPolicyBefore);
      expect(await policyOf(aws, UNRELATED_BUCKET)).to.equal(UNRELATED_POLICY);
      expect(execution.outputs['PlanTrail.Message']).to.equal(
        'Trail app-trail is not multi-region, is not logging and has no log file validation. Fix trail app-trail (TrailName, us-east-1) only: UpdateTrail (multi-region and log file validation), StartLogging. Its bucket and every other trail stay as they are.',
      );
    });

    it('run twice: the second run plans nothing, changes nothing and verifies', async () => {
      await run({ TrailName: 'app-trail' });
      calls.length = 0;

      const second = await run({ TrailName: 'app-trail' });

      expect(second.status, second.failureMessage).to.equal('Success');
      expect(second.outputs['PlanTrail.Action']).to.equal('None');
      expect(stepNames(second)).to.deep.equal(['PlanTrail:Success', 'VerifyCompliant:Success']);
      expect(mutations(calls)).to.deep.equal([]);
    });

    it('dry-run: plans UpdateTrail and StartLogging with their exact inputs and changes nothing', async () => {
      const before = await trails(aws);

      const execution = await run({ TrailName: 'app-trail' }, true);

      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(
        execution.plan.map(({ step, service, api, inputs }) => ({ step, service, api, inputs })),
      ).to.deep.equal([
        {
          step: 'UpdateTrail',
          service: 'cloudtrail',
          api: 'UpdateTrail',
          inputs: {
            Name: 'app-trail',
            IsMultiRegionTrail: true,
            IncludeGlobalServiceEvents: true,
            EnableLogFileValidation: true,
          },
        },
        { step: 'StartLogging', service: 'cloudtrail', api: 'StartLogging', inputs: { Name: 'app-trail' } },
      ]);
      expect(execution.steps.find((s) => s.name === 'WaitForLogging')?.skipReason).to.equal('would-verify');
      expect(mutations(calls)).to.deep.equal([]);
      expect(await trails(aws)).to.deep.equal(before);
    });
  });

  describe('no trail at all', () => {
    it('creates the private log bucket with the CloudTrail policy and a logging multi-region trail', async () => {
      const execution = await run();

      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(stepNames(execution)).to.deep.equal([
        'PlanTrail:Success',
        'CreateBucketUsEast1:Success',
        'BlockBucketPublicAccess:Success',
        'PutBucketPolicy:Success',
        'CreateTrail:Success',
        'StartLogging:Success',
        'WaitForLogging:Success',
        'VerifyCompliant:Success',
      ]);
      expect(mutations(calls)).to.deep.equal([
        's3:CreateBucket',
        's3:PutPublicAccessBlock',
        's3:PutBucketPolicy',
        'cloudtrail:CreateTrail',
        'cloudtrail:StartLogging',
      ]);
      expect(await bucketNames(aws)).to.deep.equal([LOG_BUCKET, UNRELATED_BUCKET].sort());
      const trailArn = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/rebaseline-trail`;
      expect(JSON.parse((await policyOf(aws, LOG_BUCKET)) ?? '{}')).to.deep.equal({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: ACL_CHECK_SID,
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 's3:GetBucketAcl',
            Resource: `arn:aws:s3:::${LOG_BUCKET}`,
            Condition: { StringEquals: { 'aws:SourceArn': trailArn, 'aws:SourceAccount': ACCOUNT } },
          },
          {
            Sid: WRITE_SID,
            Effect: 'Allow',
            Principal: { Service: 'cloudtrail.amazonaws.com' },
            Action: 's3:PutObject',
            Resource: `arn:aws:s3:::${LOG_BUCKET}/AWSLogs/${ACCOUNT}/*`,
            Condition: {
              StringEquals: {
                's3:x-amz-acl': 'bucket-owner-full-control',
                'aws:SourceArn': trailArn,
                'aws:SourceAccount': ACCOUNT,
              },
            },
          },
        ],
      });
      expect(
        (await aws.get(S3).send(new GetPublicAccessBlockCommand({ Bucket: LOG_BUCKET })))
          .PublicAccessBlockConfiguration,
      ).to.deep.equal({
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      });
      expect(await trails(aws)).to.deep.equal([
        {
          name: 'rebaseline-trail',
          homeRegion: REGION,
          bucket: LOG_BUCKET,
          multiRegion: true,
          validation: true,
          logging: true,
          eventSelectors: [],
          advancedEventSelectors: [],
        },
      ]);
      expect(await policyOf(aws, UNRELATED_BUCKET)).to.equal(UNRELATED_POLICY);
    });

    it('outside us-east-1 creates the bucket in the automation region', async () => {
      const west = aws.inRegion('eu-west-1');

      const execution = await run({}, false, west);

      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(execution.steps.map((s) => s.name)).to.include('CreateBucketInRegion');
      const name = `rebaseline-cloudtrail-${ACCOUNT}-eu-west-1`;
      expect(
        (await west.get(S3).send(new GetBucketLocationCommand({ Bucket: name }))).LocationConstraint,
      ).to.equal('eu-west-1');
      expect((await trails(west)).map((t) => [t.name, t.bucket, t.multiRegion, t.logging])).to.deep.equal([
        ['rebaseline-trail', name, true, true],
      ]);
    });

    it('dry-run: plans the bucket, its policy, the trail and StartLogging, and creates nothing', async () => {
      const execution = await run({}, true);

      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(execution.plan.map((p) => `${p.step}: ${p.service} ${p.api}`)).to.deep.equal([
        'CreateBucketUsEast1: s3 CreateBucket',
        'BlockBucketPublicAccess: s3 PutPublicAccessBlock',
        'PutBucketPolicy: s3 PutBucketPolicy',
        'CreateTrail: cloudtrail CreateTrail',
        'StartLogging: cloudtrail StartLogging',
      ]);
      expect(execution.plan.find((p) => p.api === 'CreateTrail')?.inputs).to.deep.equal({
        Name: 'rebaseline-trail',
        S3BucketName: LOG_BUCKET,
        IsMultiRegionTrail: true,
        IncludeGlobalServiceEvents: true,
        EnableLogFileValidation: true,
      });
      const policy = JSON.parse(
        String(execution.plan.find((p) => p.api === 'PutBucketPolicy')?.inputs.Policy),
      );
      expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).to.deep.equal([ACL_CHECK_SID, WRITE_SID]);
      expect(execution.outputs['VerifyCompliant.Message']).to.equal(
        `Would verify that account ${ACCOUNT} complies with cloudtrail-multi-region-logging; before any change it is NON_COMPLIANT: No CloudTrail trail exists.`,
      );
      expect(mutations(calls)).to.deep.equal([]);
      expect(await bucketNames(aws)).to.deep.equal([UNRELATED_BUCKET]);
      expect(await trails(aws)).to.deep.equal([]);
    });

    it('fails clearly and creates nothing when the bucket name is owned by another account', async () => {
      // Prepare: another account (moto keeps accounts apart by the assumed role's account) holds the name.
      const role = await aws.get(STS).send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::210987654321:role/squatter',
          RoleSessionName: 'squat',
        }),
      );
      const other = aws.withCredentials({
        accessKeyId: role.Credentials?.AccessKeyId ?? '',
        secretAccessKey: role.Credentials?.SecretAccessKey ?? '',
        sessionToken: role.Credentials?.SessionToken,
      });
      await bucket(other, LOG_BUCKET);
      calls.length = 0;

      // Act
      const execution = await run();

      // Assess
      expect(execution.status).to.equal('Failed');
      expect(stepNames(execution)).to.deep.equal(['PlanTrail:Failed']);
      expect(execution.failureMessage).to.include(
        `RemediationDeniedError: Bucket ${LOG_BUCKET} exists but is not owned by account ${ACCOUNT}: rebaseline never sends CloudTrail logs to a bucket another account owns. Nothing was changed.`,
      );
      expect(mutations(calls)).to.deep.equal([]);
      expect(await trails(aws)).to.deep.equal([]);
      expect(await policyOf(other, LOG_BUCKET)).to.equal(null);
    });
  });

  describe('a trail that logs only read-only management events', () => {
    it('replaces its selectors so that read and write management events are logged, nothing else', async () => {
      await bucket(aws, 'ro-logs');
      await trail(aws, 'read-only-trail', 'ro-logs', { multiRegion: true, validation: true, logging: true });
      await aws.get(CloudTrail).send(
        new PutEventSelectorsCommand({
          TrailName: 'read-only-trail',
          EventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }],
        }),
      );
      calls.length = 0;

      const execution = await run({ TrailName: 'read-only-trail' });

      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(mutations(calls)).to.deep.equal(['cloudtrail:PutEventSelectors']);
      expect((await trails(aws))[0]?.eventSelectors).to.deep.equal([
        { ReadWriteType: 'All', IncludeManagementEvents: true },
      ]);
    });
  });

  describe('an account that is already compliant', () => {
    it('does nothing and says so', async () => {
      await bucket(aws, 'good-logs');
      await trail(aws, 'good-trail', 'good-logs', { multiRegion: true, validation: true, logging: true });
      const before = await trails(aws);
      calls.length = 0;

      const execution = await run();

      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(stepNames(execution)).to.deep.equal(['PlanTrail:Success', 'VerifyCompliant:Success']);
      expect(execution.outputs['PlanTrail.Action']).to.equal('None');
      expect(execution.outputs['PlanTrail.Message']).to.equal(
        'Already compliant, nothing to change: Trail good-trail is multi-region, logging, and logs all read and write management events.',
      );
      expect(mutations(calls)).to.deep.equal([]);
      expect(await trails(aws)).to.deep.equal(before);
    });
  });
});
