import { expect } from 'chai';
import {
  type BucketPlan,
  type BucketVerification,
  createHandler,
  parsePayload,
} from '../../../remediations/block-s3-bucket-public-access/handler';
import meta from '../../../remediations/block-s3-bucket-public-access/remediation.json';
import { type Parameters, rule } from '../../../rules/s3-bucket-no-public-access/evaluate';
import type { AwsClients } from '../../../shared/aws/clients';
import {
  CollectionError,
  InvalidParametersError,
  RemediationInputError,
  RemediationVerificationError,
} from '../../../shared/errors';
import { remediationMetadata } from '../../../shared/metadata';
import { ruleParametersOf as mapRuleParameters } from '../../../shared/remediation/payload';
import { useMoto } from '../../helpers/moto';
import {
  ACCOUNT,
  ALL_ON,
  bucketState,
  createBucket,
  motoClients,
  mutations,
  publicReadPolicy,
  putBucketBlock,
} from '../helpers';

const BUCKET = 'public-site-assets';

const ruleParametersOf = (payload: object) =>
  mapRuleParameters<Parameters>(remediationMetadata(meta), rule, payload);

describe('remediations/block-s3-bucket-public-access/handler (moto_server)', () => {
  const moto = useMoto();
  let aws: AwsClients;
  let calls: string[];
  const invoke = (payload: Record<string, unknown>) => createHandler(() => aws)(payload);
  const plan = (extra: Record<string, unknown> = {}) =>
    invoke({ Mode: 'plan', AccountId: ACCOUNT, BucketName: BUCKET, ...extra }) as Promise<BucketPlan>;
  const verify = (extra: Record<string, unknown> = {}) =>
    invoke({
      Mode: 'verify',
      AccountId: ACCOUNT,
      BucketName: BUCKET,
      ...extra,
    }) as Promise<BucketVerification>;

  beforeEach(async () => {
    calls = [];
    aws = motoClients(moto.endpoint, calls);
    await createBucket(aws, BUCKET, { policy: publicReadPolicy(BUCKET), tags: { team: 'web' } });
    calls.length = 0;
  });

  describe('plan', () => {
    it('a bucket without Block Public Access → BLOCK, reading only', async () => {
      // Prepare
      const before = await bucketState(aws, BUCKET);
      calls.length = 0;

      // Act
      const result = await plan();

      // Assess
      expect(result).to.deep.include({
        Mode: 'plan',
        BucketName: BUCKET,
        DryRun: false,
        Action: 'BLOCK',
        PreviousPublicAccessBlock: 'null',
        plan: [],
      });
      expect(result.Annotation).to.match(/PublicRead/);
      expect(result.Message).to.equal(
        `Turning on all four Block Public Access settings of bucket ${BUCKET} (now: no Block Public Access configuration); its policy and ACL are kept. ${result.Annotation}`,
      );
      expect(mutations(calls)).to.deep.equal([]);
      expect(await bucketState(aws, BUCKET)).to.deep.equal(before);
    });

    it('some settings on → BLOCK, naming what is on and keeping the previous settings', async () => {
      await putBucketBlock(aws, BUCKET, { BlockPublicAcls: true, IgnorePublicAcls: false });
      const result = await plan({ DryRun: true });
      expect(result.Action).to.equal('BLOCK');
      expect(JSON.parse(result.PreviousPublicAccessBlock)).to.include({
        BlockPublicAcls: true,
        IgnorePublicAcls: false,
      });
      expect(result.Message).to.match(/^Would turn on all four .* \(now: BlockPublicAcls on\)/);
    });

    it('all four settings on → the rule says compliant → ALREADY_COMPLIANT, and says so', async () => {
      await putBucketBlock(aws, BUCKET, ALL_ON);
      const result = await plan();
      expect(result.Action).to.equal('ALREADY_COMPLIANT');
      expect(result.Message).to.match(/^Already compliant: .*restricted.* Nothing changed\.$/);
    });

    it('a private bucket without any Block Public Access → the rule says compliant → ALREADY_COMPLIANT', async () => {
      // Prepare: decided on the rule's verdict, not on the settings (no setting is on here).
      await createBucket(aws, 'private-data');
      calls.length = 0;

      // Act
      const result = (await invoke({
        Mode: 'plan',
        AccountId: ACCOUNT,
        BucketName: 'private-data',
      })) as BucketPlan;

      // Assess
      expect(result.Action).to.equal('ALREADY_COMPLIANT');
      expect(result.PreviousPublicAccessBlock).to.equal('null');
      expect(mutations(calls)).to.deep.equal([]);
    });

    for (const [form, excluded] of [
      ['a StringList', ['www.example.com', BUCKET]],
      ['a StringList whose entries are comma strings', ['www.example.com,other', `a-bucket, ${BUCKET}`]],
      ['a comma string', `www.example.com, ${BUCKET}`],
    ] as const)
      it(`listed in ExcludedPublicBuckets as ${form} → EXCLUDED, changing nothing`, async () => {
        const result = await plan({ ExcludedPublicBuckets: excluded });
        expect(result.Action).to.equal('EXCLUDED');
        expect(result.Message).to.equal(
          `Bucket ${BUCKET} is listed in ExcludedPublicBuckets (meant to be public); nothing changed.`,
        );
        expect(mutations(calls)).to.deep.equal([]);
      });

    it('a name that only starts like an excluded one is not excluded', async () => {
      const result = await plan({ ExcludedPublicBuckets: ['public-site', 'assets'] });
      expect(result.Action).to.equal('BLOCK');
    });

    it('exempted by tag or by id → EXEMPTED', async () => {
      expect((await plan({ ExemptTagKey: 'team', ExemptTagValue: 'web' })).Message).to.equal(
        'Exempted: tagged team=web. Nothing changed.',
      );
      expect((await plan({ ExemptResourceIds: BUCKET })).Action).to.equal('EXEMPTED');
      expect((await plan({ ExemptTagKey: 'team', ExemptTagValue: 'data' })).Action).to.equal('BLOCK');
    });

    it('a bucket that does not exist → CollectionError naming it', async () => {
      const error = await invoke({
        Mode: 'plan',
        AccountId: ACCOUNT,
        BucketName: 'no-such-bucket-here',
      }).catch((e) => e);
      expect(error).to.be.instanceOf(CollectionError);
      expect(error.message).to.include('no-such-bucket-here').and.include('NoSuchBucket');
    });
  });

  describe('verify', () => {
    it('still public → throws RemediationVerificationError with the rule annotation', async () => {
      const error = await verify().catch((e) => e);
      expect(error).to.be.instanceOf(RemediationVerificationError);
      expect(error.message).to.match(new RegExp(`^Bucket ${BUCKET} is still public: .*PublicRead`));
    });

    it('DryRun → reports what it would verify instead of failing', async () => {
      const result = await verify({ DryRun: true });
      expect(result).to.include({ Compliant: false, DryRun: true });
      expect(result.Message).to.match(/^Would verify that bucket public-site-assets is compliant; now: /);
    });

    it('blocked → Verified, the public policy being restricted', async () => {
      await putBucketBlock(aws, BUCKET, ALL_ON);
      const result = await verify();
      expect(result.Compliant).to.equal(true);
      expect(result.Message).to.match(
        /^Verified: bucket public-site-assets is compliant\. .*restricted \(RestrictPublicBuckets at the bucket level\)/,
      );
    });

    it('excluded → Verified: the rule reports it meant to be public', async () => {
      const result = await verify({ ExcludedPublicBuckets: [BUCKET] });
      expect(result.Compliant).to.equal(true);
      expect(result.Message).to.include('is meant to be public (excludedPublicBuckets)');
    });
  });

  describe('payload', () => {
    it('rejects what the document never sends', () => {
      expect(() => parsePayload('x')).to.throw(RemediationInputError);
      expect(() => parsePayload({ Mode: 'plan', AccountId: ACCOUNT, BucketName: 'a' })).to.throw(
        RemediationInputError,
        /BucketName/,
      );
      expect(() => parsePayload({ Mode: 'fix', AccountId: ACCOUNT, BucketName: BUCKET })).to.throw(
        RemediationInputError,
        /Mode/,
      );
      expect(() =>
        parsePayload({ Mode: 'plan', AccountId: ACCOUNT, BucketName: BUCKET, ExcludedPublicBuckets: [1] }),
      ).to.throw(RemediationInputError, /ExcludedPublicBuckets must be a string or a list of strings/);
      expect(() => parsePayload({ Mode: 'plan', BucketName: BUCKET })).to.throw(
        RemediationInputError,
        /AccountId must be a 12-digit account id, got undefined/,
      );
      expect(() => parsePayload({ Mode: 'plan', AccountId: 'me', BucketName: BUCKET })).to.throw(
        RemediationInputError,
        /AccountId must be a 12-digit account id, got "me"/,
      );
    });

    it('parses list parameters as the rule does', () => {
      const params = ruleParametersOf(
        parsePayload({
          Mode: 'plan',
          AccountId: ACCOUNT,
          BucketName: BUCKET,
          ExcludedPublicBuckets: ['a-1,b-2', 'c-3'],
        }),
      );
      expect(params.excludedPublicBuckets).to.deep.equal(['a-1', 'b-2', 'c-3']);
      expect(() =>
        ruleParametersOf({
          Mode: 'plan',
          AccountId: ACCOUNT,
          BucketName: BUCKET,
          ExcludedPublicBuckets: 'no spaces!',
        }),
      ).to.throw(InvalidParametersError);
    });
  });
});
