import { expect } from 'chai';
import {
  type AccountPlan,
  type AccountVerification,
  createHandler,
  mergedFlags,
  parsePayload,
} from '../../../remediations/block-s3-account-public-access/handler';
import meta from '../../../remediations/block-s3-account-public-access/remediation.json';
import { type Parameters, rule } from '../../../rules/s3-account-public-access-blocked/evaluate';
import type { AwsClients } from '../../../shared/aws/clients';
import {
  InvalidParametersError,
  RemediationInputError,
  RemediationVerificationError,
} from '../../../shared/errors';
import { remediationMetadata } from '../../../shared/metadata';
import { ruleParametersOf as mapRuleParameters } from '../../../shared/remediation/payload';
import { useMoto } from '../../helpers/moto';
import { ACCOUNT, ALL_ON, accountBlock, motoClients, mutations, putAccountBlock } from '../helpers';

const ruleParametersOf = (payload: object) =>
  mapRuleParameters<Parameters>(remediationMetadata(meta), rule, payload);

const ONLY_BLOCK_PUBLIC_ACLS = {
  BlockPublicAcls: 'true',
  IgnorePublicAcls: 'false',
  BlockPublicPolicy: 'false',
  RestrictPublicBuckets: 'false',
};

describe('remediations/block-s3-account-public-access/handler (moto_server)', () => {
  const moto = useMoto();
  let aws: AwsClients;
  let calls: string[];
  const plan = (extra: Record<string, unknown> = {}) =>
    createHandler(() => aws)({ Mode: 'plan', AccountId: ACCOUNT, ...extra }) as Promise<AccountPlan>;
  const verify = (extra: Record<string, unknown> = {}) =>
    createHandler(() => aws)({
      Mode: 'verify',
      AccountId: ACCOUNT,
      ...extra,
    }) as Promise<AccountVerification>;

  beforeEach(() => {
    calls = [];
    aws = motoClients(moto.endpoint, calls);
  });

  describe('plan', () => {
    it('no configuration, every setting required (the defaults) → UPDATE with all four on, reading only', async () => {
      // Act
      const result = await plan();

      // Assess
      expect(result).to.deep.equal({
        Mode: 'plan',
        AccountId: ACCOUNT,
        DryRun: false,
        Action: 'UPDATE',
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
        PreviousPublicAccessBlock: 'null',
        Message: `Will turn on BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets at account level for ${ACCOUNT}; no setting is turned off. Now: No account-level S3 Block Public Access configuration exists (required: BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets).`,
        plan: [],
      });
      expect(mutations(calls)).to.deep.equal([]);
      expect(await accountBlock(aws)).to.equal(null);
    });

    it('keeps a setting that is on although not required (required OR current)', async () => {
      // Prepare
      await putAccountBlock(aws, {
        BlockPublicAcls: false,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      });

      // Act
      const result = await plan({ ...ONLY_BLOCK_PUBLIC_ACLS, DryRun: true });

      // Assess
      expect(result).to.include({
        Action: 'UPDATE',
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: false,
        RestrictPublicBuckets: false,
      });
      expect(result.Message).to.match(/^Would turn on BlockPublicAcls at account level/);
      expect(JSON.parse(result.PreviousPublicAccessBlock)).to.include({ IgnorePublicAcls: true });
    });

    it('required settings already on → ALREADY_COMPLIANT with the current settings, and says so', async () => {
      await putAccountBlock(aws, { ...ALL_ON, RestrictPublicBuckets: false });
      const result = await plan(ONLY_BLOCK_PUBLIC_ACLS);
      expect(result).to.include({
        Action: 'ALREADY_COMPLIANT',
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: false,
      });
      expect(result.Message).to.equal(
        'Already compliant: Account-level S3 Block Public Access has BlockPublicAcls on. Nothing changed.',
      );
    });

    it('no configuration and nothing required → UPDATE creating one with every setting off', async () => {
      const none = { ...ONLY_BLOCK_PUBLIC_ACLS, BlockPublicAcls: 'false' };
      const result = await plan(none);
      expect(result.Action).to.equal('UPDATE');
      expect(result.Message).to.match(
        /^Will create the configuration with every setting off \(none is required\)/,
      );
    });
  });

  describe('verify', () => {
    it('every required setting on and nothing turned off → Verified', async () => {
      await putAccountBlock(aws, ALL_ON);
      const result = await verify({ PreviousPublicAccessBlock: JSON.stringify({ IgnorePublicAcls: true }) });
      expect(result).to.include({ Compliant: true });
      expect(result.Message).to.match(/^Verified: Account-level S3 Block Public Access has /);
    });

    it('a required setting off → RemediationVerificationError', async () => {
      await putAccountBlock(aws, { ...ALL_ON, BlockPublicPolicy: false });
      const error = await verify({ PreviousPublicAccessBlock: 'null' }).catch((e) => e);
      expect(error).to.be.instanceOf(RemediationVerificationError);
      expect(error.message).to.include('is missing BlockPublicPolicy');
    });

    it('a setting that was on is off now → RemediationVerificationError, even when the rule is satisfied', async () => {
      await putAccountBlock(aws, { ...ALL_ON, IgnorePublicAcls: false });
      const error = await verify({
        ...ONLY_BLOCK_PUBLIC_ACLS,
        PreviousPublicAccessBlock: JSON.stringify(ALL_ON),
      }).catch((e) => e);
      expect(error).to.be.instanceOf(RemediationVerificationError);
      expect(error.message).to.include('IgnorePublicAcls was on before and is off now.');
    });

    it('DryRun → reports what it would verify instead of failing', async () => {
      const result = await verify({ DryRun: true });
      expect(result).to.include({ Compliant: false, DryRun: true });
      expect(result.Message).to.match(
        /^Would verify the account-level settings of 123456789012; now: No account/,
      );
    });
  });

  describe('payload', () => {
    it('rejects what the document never sends', () => {
      expect(() => parsePayload([])).to.throw(RemediationInputError);
      expect(() => parsePayload({ Mode: 'plan', AccountId: '1234' })).to.throw(
        RemediationInputError,
        /AccountId/,
      );
      expect(() => parsePayload({ Mode: 'plan', AccountId: ACCOUNT, BlockPublicAcls: {} })).to.throw(
        RemediationInputError,
        /BlockPublicAcls must be a string or a list of strings/,
      );
      // A rule parameter's form is the rule's to judge: "1" reaches the rule's parser, which names it.
      expect(() => ruleParametersOf(parsePayload({ Mode: 'plan', AccountId: ACCOUNT, BlockPublicAcls: 1 })))
        .to.throw(InvalidParametersError)
        .with.property('parameter', 'blockPublicAcls');
      expect(() =>
        parsePayload({ Mode: 'verify', AccountId: ACCOUNT, PreviousPublicAccessBlock: {} }),
      ).to.throw(RemediationInputError, /PreviousPublicAccessBlock/);
    });

    it('parses the flags as the rule does', () => {
      expect(() => ruleParametersOf({ Mode: 'plan', AccountId: ACCOUNT, BlockPublicAcls: 'yes' })).to.throw(
        InvalidParametersError,
      );
      expect(
        ruleParametersOf({ Mode: 'plan', AccountId: ACCOUNT, RestrictPublicBuckets: 'FALSE' }),
      ).to.include({
        blockPublicAcls: true,
        restrictPublicBuckets: false,
      });
    });
  });
});

describe('remediations/block-s3-account-public-access mergedFlags', () => {
  const params = ruleParametersOf({ Mode: 'plan', AccountId: ACCOUNT, ...ONLY_BLOCK_PUBLIC_ACLS });

  it('required OR current, for each setting', () => {
    expect(
      mergedFlags(params, {
        blockPublicAcls: false,
        ignorePublicAcls: false,
        blockPublicPolicy: true,
        restrictPublicBuckets: false,
      }),
    ).to.deep.equal({
      blockPublicAcls: true,
      ignorePublicAcls: false,
      blockPublicPolicy: true,
      restrictPublicBuckets: false,
    });
  });

  it('no configuration: the required settings', () => {
    expect(mergedFlags(params, null)).to.deep.equal({
      blockPublicAcls: true,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    });
  });
});
