import { expect } from 'chai';
import type { AwsClients } from '../../../shared/aws/clients';
import { useMoto } from '../../helpers/moto';
import {
  ACCOUNT,
  ALL_ON,
  accountBlock,
  bucketState,
  createBucket,
  motoClients,
  mutations,
  publicReadPolicy,
  putAccountBlock,
  putBucketBlock,
  runRemediation,
} from '../helpers';

const ID = 'block-s3-account-public-access';
const STEPS_WITH_CHANGE = [
  'PlanAccountPublicAccessBlock',
  'CheckAnythingToChange',
  'PutAccountPublicAccessBlock',
  'VerifyAccountPublicAccessBlock',
];
const STEPS_WITHOUT_CHANGE = [
  'PlanAccountPublicAccessBlock',
  'CheckAnythingToChange',
  'VerifyAccountPublicAccessBlock',
];

describe('remediation block-s3-account-public-access (runner + moto_server)', () => {
  const moto = useMoto();
  let aws: AwsClients;
  let calls: string[];
  const run = (parameters: Record<string, unknown> = {}, dryRun = false) =>
    runRemediation(ID, aws, { AccountId: ACCOUNT, ...parameters }, { dryRun });

  /** Bucket-level settings, policies and ACLs: never touched by an account-level remediation. */
  const buckets = async () => ({
    open: await bucketState(aws, 'open-bucket'),
    partial: await bucketState(aws, 'partial-bucket'),
  });

  beforeEach(async () => {
    calls = [];
    aws = motoClients(moto.endpoint, calls);
    await createBucket(aws, 'open-bucket', { acl: 'public-read', policy: publicReadPolicy('open-bucket') });
    await createBucket(aws, 'partial-bucket');
    await putBucketBlock(aws, 'partial-bucket', { BlockPublicAcls: true });
    calls.length = 0;
  });

  it('no configuration → all four required settings on, verified; buckets unchanged', async () => {
    // Prepare
    const bucketsBefore = await buckets();
    calls.length = 0;

    // Act
    const execution = await run();

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal(
      STEPS_WITH_CHANGE.map((s) => `${s}:Success`),
    );
    expect(await accountBlock(aws)).to.deep.equal(ALL_ON);
    expect(await buckets()).to.deep.equal(bucketsBefore);
    expect(mutations(calls)).to.deep.equal(['s3control:PutPublicAccessBlock']);
    expect(execution.outputs['PlanAccountPublicAccessBlock.PreviousPublicAccessBlock']).to.equal('null');
    expect(execution.outputs['VerifyAccountPublicAccessBlock.Compliant']).to.equal(true);
  });

  it('turns on what is required and never turns off what is on', async () => {
    // Prepare
    await putAccountBlock(aws, {
      BlockPublicAcls: false,
      IgnorePublicAcls: false,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });

    // Act
    const execution = await run({
      BlockPublicAcls: 'true',
      IgnorePublicAcls: 'true',
      BlockPublicPolicy: 'false',
      RestrictPublicBuckets: 'false',
    });

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(await accountBlock(aws)).to.deep.equal({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: false,
    });
    expect(
      JSON.parse(String(execution.outputs['PlanAccountPublicAccessBlock.PreviousPublicAccessBlock'])),
    ).to.include({ BlockPublicPolicy: true, BlockPublicAcls: false });
  });

  it('a second run is a no-op: no API mutation, only verification', async () => {
    // Prepare
    await run();
    calls.length = 0;

    // Act
    const second = await run();

    // Assess
    expect(second.status, second.failureMessage).to.equal('Success');
    expect(second.steps.map((s) => s.name)).to.deep.equal(STEPS_WITHOUT_CHANGE);
    expect(mutations(calls)).to.deep.equal([]);
    expect(second.outputs['PlanAccountPublicAccessBlock.Action']).to.equal('ALREADY_COMPLIANT');
    expect(await accountBlock(aws)).to.deep.equal(ALL_ON);
  });

  it('dry-run changes nothing and plans the exact call', async () => {
    // Prepare
    await putAccountBlock(aws, { ...ALL_ON, BlockPublicAcls: false, RestrictPublicBuckets: false });
    const bucketsBefore = await buckets();
    calls.length = 0;

    // Act
    const execution = await run({ RestrictPublicBuckets: 'false' }, true);

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(mutations(calls)).to.deep.equal([]);
    expect(await accountBlock(aws)).to.deep.equal({
      ...ALL_ON,
      BlockPublicAcls: false,
      RestrictPublicBuckets: false,
    });
    expect(await buckets()).to.deep.equal(bucketsBefore);
    expect(
      execution.plan.map(({ step, service, api, inputs }) => ({ step, service, api, inputs })),
    ).to.deep.equal([
      {
        step: 'PutAccountPublicAccessBlock',
        service: 's3control',
        api: 'PutPublicAccessBlock',
        inputs: {
          AccountId: ACCOUNT,
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            IgnorePublicAcls: true,
            BlockPublicPolicy: true,
            RestrictPublicBuckets: false,
          },
        },
      },
    ]);
    expect(execution.outputs['PlanAccountPublicAccessBlock.Message']).to.match(
      /^Would turn on BlockPublicAcls at account level for 123456789012; no setting is turned off\./,
    );
    expect(execution.outputs['VerifyAccountPublicAccessBlock.Message']).to.match(/^Would verify /);
  });

  it('already compliant → does nothing and says so', async () => {
    // Prepare
    await putAccountBlock(aws, ALL_ON);
    calls.length = 0;

    // Act
    const execution = await run();

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.steps.map((s) => s.name)).to.deep.equal(STEPS_WITHOUT_CHANGE);
    expect(execution.outputs['PlanAccountPublicAccessBlock.Message']).to.equal(
      'Already compliant: Account-level S3 Block Public Access has BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets on. Nothing changed.',
    );
    expect(mutations(calls)).to.deep.equal([]);
    expect(await accountBlock(aws)).to.deep.equal(ALL_ON);
  });

  it('a setting turned off right after the put fails the verification', async () => {
    const execution = await runRemediation(
      ID,
      aws,
      { AccountId: ACCOUNT },
      {
        onStep: async (step) => {
          if (step.name === 'PutAccountPublicAccessBlock')
            await putAccountBlock(aws, { ...ALL_ON, IgnorePublicAcls: false });
        },
      },
    );
    expect(execution.status).to.equal('Failed');
    expect(execution.failureMessage).to.match(
      /VerifyAccountPublicAccessBlock failed: .*RemediationVerificationError: Account 123456789012 is not in the planned state: .*missing IgnorePublicAcls/,
    );
  });
});
