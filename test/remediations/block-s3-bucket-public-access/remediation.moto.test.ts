import { expect } from 'chai';
import type { AwsClients } from '../../../shared/aws/clients';
import { useMoto } from '../../helpers/moto';
import {
  ALL_ON,
  ALL_USERS,
  accountBlock,
  bucketState,
  createBucket,
  motoClients,
  mutations,
  publicReadPolicy,
  putBucketBlock,
  runRemediation,
  vpceOnlyPolicy,
} from '../helpers';

const ID = 'block-s3-bucket-public-access';
const POLICY_BUCKET = 'public-policy-bucket';
const ACL_BUCKET = 'public-acl-bucket';
const VPCE_BUCKET = 'vpce-only-bucket';
const SITE_BUCKET = 'www.example.com';
const BUCKETS = [POLICY_BUCKET, ACL_BUCKET, VPCE_BUCKET, SITE_BUCKET];

const VERIFY_STEPS = [
  'VerifyBlockPublicAcls',
  'VerifyIgnorePublicAcls',
  'VerifyBlockPublicPolicy',
  'VerifyRestrictPublicBuckets',
  'VerifyBucketNotPublic',
];

async function states(aws: AwsClients, names: readonly string[]) {
  return Object.fromEntries(await Promise.all(names.map(async (n) => [n, await bucketState(aws, n)])));
}

describe('remediation block-s3-bucket-public-access (runner + moto_server)', () => {
  const moto = useMoto();
  let aws: AwsClients;
  let calls: string[];
  const run = (bucket: string, parameters: Record<string, unknown> = {}, dryRun = false) =>
    runRemediation(
      ID,
      aws,
      { BucketName: bucket, ExcludedPublicBuckets: [SITE_BUCKET], ...parameters },
      { dryRun },
    );

  beforeEach(async () => {
    calls = [];
    aws = motoClients(moto.endpoint, calls);
    await createBucket(aws, POLICY_BUCKET, { policy: publicReadPolicy(POLICY_BUCKET) });
    await createBucket(aws, ACL_BUCKET, { acl: 'public-read' });
    await createBucket(aws, VPCE_BUCKET, { policy: vpceOnlyPolicy(VPCE_BUCKET) });
    await createBucket(aws, SITE_BUCKET, { acl: 'public-read', policy: publicReadPolicy(SITE_BUCKET) });
    calls.length = 0;
  });

  for (const bucket of [POLICY_BUCKET, ACL_BUCKET])
    it(`${bucket}: all four settings on, verified; its policy, its ACL and every other bucket unchanged`, async () => {
      // Prepare
      const before = await states(aws, BUCKETS);
      const accountBefore = await accountBlock(aws);
      calls.length = 0;

      // Act
      const execution = await run(bucket);

      // Assess
      expect(execution.status, execution.failureMessage).to.equal('Success');
      expect(execution.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal(
        ['PlanBucketPublicAccessBlock', 'ChooseAction', 'BlockBucketPublicAccess', ...VERIFY_STEPS].map(
          (s) => `${s}:Success`,
        ),
      );
      const after = await states(aws, BUCKETS);
      expect(after[bucket].publicAccessBlock).to.deep.equal(ALL_ON);
      expect(after[bucket].policy).to.equal(before[bucket].policy);
      expect(after[bucket].grants).to.deep.equal(before[bucket].grants);
      for (const other of BUCKETS.filter((b) => b !== bucket))
        expect(after[other]).to.deep.equal(before[other]);
      expect(await accountBlock(aws)).to.deep.equal(accountBefore);
      expect(mutations(calls)).to.deep.equal(['s3:PutPublicAccessBlock']);
      expect(execution.outputs['PlanBucketPublicAccessBlock.PreviousPublicAccessBlock']).to.equal('null');
      expect(execution.outputs['VerifyBucketNotPublic.Compliant']).to.equal(true);
    });

  it('keeps the public ACL grant itself (Block Public Access neutralises it)', async () => {
    await run(ACL_BUCKET);
    const { grants } = await bucketState(aws, ACL_BUCKET);
    expect(grants).to.deep.include({ grantee: ALL_USERS, permission: 'READ' });
  });

  it('a second run is a no-op: no API mutation, only verification', async () => {
    // Prepare
    await run(POLICY_BUCKET);
    const between = await states(aws, BUCKETS);
    calls.length = 0;

    // Act
    const second = await run(POLICY_BUCKET);

    // Assess
    expect(second.status, second.failureMessage).to.equal('Success');
    expect(second.steps.map((s) => s.name)).to.deep.equal([
      'PlanBucketPublicAccessBlock',
      'ChooseAction',
      'VerifyBucketNotPublic',
    ]);
    expect(mutations(calls)).to.deep.equal([]);
    expect(second.outputs['PlanBucketPublicAccessBlock.Action']).to.equal('ALREADY_COMPLIANT');
    expect(await states(aws, BUCKETS)).to.deep.equal(between);
  });

  it('dry-run changes nothing and plans the exact call', async () => {
    // Prepare
    const before = await states(aws, BUCKETS);

    // Act
    const execution = await run(POLICY_BUCKET, {}, true);

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(mutations(calls)).to.deep.equal([]);
    expect(await states(aws, BUCKETS)).to.deep.equal(before);
    expect(
      execution.plan.map(({ step, service, api, inputs }) => ({ step, service, api, inputs })),
    ).to.deep.equal([
      {
        step: 'BlockBucketPublicAccess',
        service: 's3',
        api: 'PutPublicAccessBlock',
        inputs: { Bucket: POLICY_BUCKET, PublicAccessBlockConfiguration: ALL_ON },
      },
    ]);
    expect(
      execution.steps.filter((s) => s.skipReason === 'would-verify').map((s) => s.name),
      'the flag asserts are reported as "would verify"',
    ).to.deep.equal(VERIFY_STEPS.slice(0, 4));
    expect(execution.outputs['PlanBucketPublicAccessBlock.Message']).to.match(/^Would turn on all four/);
    expect(execution.outputs['VerifyBucketNotPublic.Message']).to.match(/^Would verify that bucket /);
  });

  it('an excluded bucket is untouched, and the execution says so', async () => {
    // Prepare
    const before = await states(aws, BUCKETS);

    // Act
    const execution = await run(SITE_BUCKET, { ExcludedPublicBuckets: [`logs-bucket,${SITE_BUCKET}`] });

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.steps.map((s) => s.name)).to.deep.equal([
      'PlanBucketPublicAccessBlock',
      'ChooseAction',
      'VerifyBucketNotPublic',
    ]);
    expect(execution.outputs['PlanBucketPublicAccessBlock.Message']).to.equal(
      `Bucket ${SITE_BUCKET} is listed in ExcludedPublicBuckets (meant to be public); nothing changed.`,
    );
    expect(execution.outputs['VerifyBucketNotPublic.Message']).to.include('meant to be public');
    expect(mutations(calls)).to.deep.equal([]);
    expect(await states(aws, BUCKETS)).to.deep.equal(before);
  });

  it('a bucket the rule calls compliant is never changed, whatever its settings: VPC-endpoint-only, no Block Public Access', async () => {
    // Prepare: no Block Public Access at all, a policy that allows everyone only through one VPC endpoint.
    const before = await states(aws, BUCKETS);
    expect(before[VPCE_BUCKET]?.publicAccessBlock).to.equal(null);
    calls.length = 0;

    // Act
    const execution = await run(VPCE_BUCKET);

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.steps.map((s) => s.name)).to.deep.equal([
      'PlanBucketPublicAccessBlock',
      'ChooseAction',
      'VerifyBucketNotPublic',
    ]);
    expect(execution.outputs['PlanBucketPublicAccessBlock.Action']).to.equal('ALREADY_COMPLIANT');
    expect(execution.outputs['PlanBucketPublicAccessBlock.Message']).to.match(
      /^Already compliant: .* Nothing changed\.$/,
    );
    expect(mutations(calls)).to.deep.equal([]);
    const after = await states(aws, BUCKETS);
    expect(after[VPCE_BUCKET]?.publicAccessBlock, 'read back: still no Block Public Access').to.equal(null);
    expect(after).to.deep.equal(before);
  });

  it('already compliant (all four settings on) → does nothing and says so', async () => {
    // Prepare
    await putBucketBlock(aws, VPCE_BUCKET, ALL_ON);
    const before = await states(aws, BUCKETS);
    calls.length = 0;

    // Act
    const execution = await run(VPCE_BUCKET);

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.outputs['PlanBucketPublicAccessBlock.Action']).to.equal('ALREADY_COMPLIANT');
    expect(mutations(calls)).to.deep.equal([]);
    expect(await states(aws, BUCKETS)).to.deep.equal(before);
  });

  it('a setting turned off again right after the put fails the verification', async () => {
    const execution = await runRemediation(
      ID,
      aws,
      { BucketName: POLICY_BUCKET },
      {
        onStep: async (step) => {
          if (step.name === 'BlockBucketPublicAccess')
            await putBucketBlock(aws, POLICY_BUCKET, { ...ALL_ON, RestrictPublicBuckets: false });
        },
      },
    );
    expect(execution.status).to.equal('Failed');
    expect(execution.failureMessage).to.match(
      /^Step VerifyRestrictPublicBuckets failed: .*RestrictPublicBuckets is \["False"\]; desired \["True"\]/,
    );
  });
});
