import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { AwsClients } from '../../../shared/aws/clients';
import { EC2 } from '../../../shared/aws/services/ec2';
import {
  EXECUTION_ROLE_EXTERNAL_ID_ENV,
  EXECUTION_ROLE_NAME_ENV,
  entitledAccount,
  memberAlias,
  targetAccountResolver,
} from '../../../shared/aws/target-account';
import { RemediationDeniedError, TargetAccountUnreachableError } from '../../../shared/errors';

const CENTRAL = '999988887777';
const MEMBER = '111122223333';
const ASSUMED = {
  AccessKeyId: 'ASIAMEMBER',
  SecretAccessKey: 'member-secret',
  SessionToken: 'member-token',
  Expiration: new Date('2030-01-01T00:00:00Z'),
};

const FUNCTION = `arn:aws:lambda:eu-west-1:${CENTRAL}:function:rebaseline-prod-revoke-public-ingress`;
const OTHER_MEMBER = '444455556666';

/** An invocation through member `account`'s alias, naming `named` (the account the payload names). */
const viaAlias = (account: string, named = account) => ({
  accountIds: [named],
  invokedFunctionArn: `${FUNCTION}:${memberAlias(account)}`,
});
/** An invocation of the unqualified function (the Lambda's own account's callers), naming `named`. */
const direct = (named: string) => ({ accountIds: [named], invokedFunctionArn: FUNCTION });

describe('shared/aws/target-account entitledAccount', () => {
  it('the member of the alias invoked; the Lambda’s own account otherwise', () => {
    expect(entitledAccount(`${FUNCTION}:member-${MEMBER}`, CENTRAL)).to.equal(MEMBER);
    expect(entitledAccount(FUNCTION, CENTRAL)).to.equal(CENTRAL);
    expect(entitledAccount(`${FUNCTION}:live`, CENTRAL)).to.equal(CENTRAL);
    expect(entitledAccount(`${FUNCTION}:7`, CENTRAL)).to.equal(CENTRAL);
    expect(entitledAccount(undefined, CENTRAL)).to.equal(CENTRAL);
    expect(entitledAccount(`${FUNCTION}:member-1234`, CENTRAL), 'not an account id').to.equal(CENTRAL);
    expect(entitledAccount(`${FUNCTION}:member-${MEMBER}x`, CENTRAL)).to.equal(CENTRAL);
  });
});

describe('shared/aws/target-account', () => {
  let sts: AwsClientStub<STSClient>;
  let aws: AwsClients;

  before(() => {
    sts = mockClient(STSClient);
  });
  beforeEach(() => {
    sts.reset();
    sts.on(GetCallerIdentityCommand).resolves({
      Account: CENTRAL,
      Arn: `arn:aws:sts::${CENTRAL}:assumed-role/rebaseline-prod-remediation/fn`,
      UserId: 'AROAEXAMPLE:fn',
    });
    sts.on(AssumeRoleCommand).resolves({ Credentials: ASSUMED });
    aws = new AwsClients({ region: 'eu-west-1' });
  });
  after(() => sts.restore());

  it('the Lambda’s own account → the same clients, and no AssumeRole', async () => {
    // Prepare
    const reach = targetAccountResolver('revoke-public-ingress', {
      [EXECUTION_ROLE_NAME_ENV]: 'rebaseline-execution',
    });

    // Act
    const target = await reach(aws, direct(CENTRAL));

    // Assess
    expect(target.aws).to.equal(aws);
    expect(target).to.deep.include({ accountId: CENTRAL, partition: 'aws' });
    expect(target).to.not.have.property('roleArn');
    expect(sts.commandCalls(AssumeRoleCommand)).to.have.length(0);
  });

  it('another account with EXECUTION_ROLE_NAME → assumes that role there, with the session name and external id', async () => {
    // Prepare
    const reach = targetAccountResolver('revoke-public-ingress', {
      [EXECUTION_ROLE_NAME_ENV]: 'rebaseline-execution',
      [EXECUTION_ROLE_EXTERNAL_ID_ENV]: 'ext-123',
    });

    // Act
    const target = await reach(aws, viaAlias(MEMBER));

    // Assess
    expect(sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input)).to.deep.equal([
      {
        RoleArn: `arn:aws:iam::${MEMBER}:role/rebaseline-execution`,
        RoleSessionName: 'rebaseline-revoke-public-ingress',
        ExternalId: 'ext-123',
        DurationSeconds: 900,
      },
    ]);
    expect(target).to.deep.include({
      accountId: MEMBER,
      partition: 'aws',
      roleArn: `arn:aws:iam::${MEMBER}:role/rebaseline-execution`,
    });
    expect(target.aws).to.not.equal(aws);
    expect(target.aws.region).to.equal('eu-west-1');
    expect(await target.aws.get(EC2).config.credentials()).to.deep.include({
      accessKeyId: ASSUMED.AccessKeyId,
      secretAccessKey: ASSUMED.SecretAccessKey,
      sessionToken: ASSUMED.SessionToken,
    });
  });

  it('builds the role ARN in the Lambda’s partition, and sends no external id when none is set', async () => {
    sts.on(GetCallerIdentityCommand).resolves({
      Account: CENTRAL,
      Arn: `arn:aws-cn:sts::${CENTRAL}:assumed-role/r/fn`,
    });
    const reach = targetAccountResolver('enable-cloudtrail', {
      [EXECUTION_ROLE_NAME_ENV]: 'member-reader',
      [EXECUTION_ROLE_EXTERNAL_ID_ENV]: '',
    });

    await reach(aws, viaAlias(MEMBER));

    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input).to.deep.equal({
      RoleArn: `arn:aws-cn:iam::${MEMBER}:role/member-reader`,
      RoleSessionName: 'rebaseline-enable-cloudtrail',
      ExternalId: undefined,
      DurationSeconds: 900,
    });
  });

  it('another account without EXECUTION_ROLE_NAME → TargetAccountUnreachableError, and reads nothing', async () => {
    // Prepare
    const reach = targetAccountResolver('block-s3-bucket-public-access', {});

    // Act
    const error = await reach(aws, viaAlias(MEMBER)).catch((e: unknown) => e);

    // Assess
    expect(error).to.be.instanceOf(TargetAccountUnreachableError);
    expect(error).to.include({ targetAccountId: MEMBER, lambdaAccountId: CENTRAL });
    expect((error as Error).message).to.include(
      `block-s3-bucket-public-access: the automation runs in account ${MEMBER}, but this Lambda runs in account ${CENTRAL} and EXECUTION_ROLE_NAME is not set`,
    );
    expect(sts.commandCalls(AssumeRoleCommand)).to.have.length(0);
  });

  it('asks STS who it is once per resolver (one per container), not once per invocation', async () => {
    const reach = targetAccountResolver('revoke-public-ingress', {
      [EXECUTION_ROLE_NAME_ENV]: 'rebaseline-execution',
    });

    await reach(aws, direct(CENTRAL));
    await reach(new AwsClients({ region: 'eu-west-1' }), viaAlias(MEMBER));
    await reach(aws, direct(CENTRAL));

    expect(sts.commandCalls(GetCallerIdentityCommand)).to.have.length(1);
    expect(sts.commandCalls(AssumeRoleCommand)).to.have.length(1);
  });

  it('does not remember a failed identity lookup', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
      .resolves({ Account: CENTRAL, Arn: `arn:aws:sts::${CENTRAL}:assumed-role/r/fn` });
    const reach = targetAccountResolver('revoke-public-ingress', {});

    const first = await reach(aws, direct(CENTRAL)).catch((e: unknown) => e);
    const second = await reach(aws, direct(CENTRAL));

    expect(first).to.have.property('name', 'Throttling');
    expect(second.accountId).to.equal(CENTRAL);
    expect(sts.commandCalls(GetCallerIdentityCommand)).to.have.length(2);
  });

  it('a refused AssumeRole → RemediationDeniedError naming the role, with the cause', async () => {
    const denied = Object.assign(new Error('not authorized to perform: sts:AssumeRole'), {
      name: 'AccessDenied',
    });
    sts.on(AssumeRoleCommand).rejects(denied);
    const reach = targetAccountResolver('revoke-public-ingress', {
      [EXECUTION_ROLE_NAME_ENV]: 'rebaseline-execution',
    });

    const error = await reach(aws, viaAlias(MEMBER)).catch((e: unknown) => e);

    expect(error).to.be.instanceOf(RemediationDeniedError);
    expect((error as Error).message).to.include(
      `sts:AssumeRole into arn:aws:iam::${MEMBER}:role/rebaseline-execution failed (AccessDenied)`,
    );
    expect((error as Error).cause).to.equal(denied);
  });

  it('reads the role name when called, so the deployed environment decides', async () => {
    const env: NodeJS.ProcessEnv = {};
    const reach = targetAccountResolver('revoke-public-ingress', env);
    expect(await reach(aws, viaAlias(MEMBER)).catch((e: unknown) => e)).to.be.instanceOf(
      TargetAccountUnreachableError,
    );

    env[EXECUTION_ROLE_NAME_ENV] = 'rebaseline-execution';

    expect((await reach(aws, viaAlias(MEMBER))).roleArn).to.equal(
      `arn:aws:iam::${MEMBER}:role/rebaseline-execution`,
    );
  });

  describe('a member can never steer the Lambda into another account', () => {
    const reach = () =>
      targetAccountResolver('revoke-public-ingress', {
        [EXECUTION_ROLE_NAME_ENV]: 'rebaseline-execution',
        [EXECUTION_ROLE_EXTERNAL_ID_ENV]: 'ext-123',
      });

    for (const [what, request] of [
      ['member A’s alias naming member B', viaAlias(MEMBER, OTHER_MEMBER)],
      ['member A’s alias naming the central account', viaAlias(MEMBER, CENTRAL)],
      ['the unqualified function naming a member', direct(MEMBER)],
      [
        'member A’s alias, one field naming A and another B',
        { ...viaAlias(MEMBER), accountIds: [MEMBER, OTHER_MEMBER] },
      ],
      ['no invocation ARN (a direct call) naming a member', { accountIds: [MEMBER] }],
    ] as const)
      it(`${what} → RemediationDeniedError before any AssumeRole`, async () => {
        const error = await reach()(aws, request).catch((e: unknown) => e);

        expect(error).to.be.instanceOf(RemediationDeniedError);
        expect((error as Error).message).to.include('Nothing was read or changed');
        expect(sts.commandCalls(AssumeRoleCommand)).to.have.length(0);
      });

    it('member A’s alias naming A → A, through A’s execution role', async () => {
      const target = await reach()(aws, viaAlias(MEMBER));
      expect(target.roleArn).to.equal(`arn:aws:iam::${MEMBER}:role/rebaseline-execution`);
    });

    it('ownCredentials (sts:AssumeRoot) → the member of the alias with the Lambda’s own clients, no AssumeRole', async () => {
      const target = await targetAccountResolver(
        'remove-root-access-keys',
        {},
        'ownCredentials',
      )(aws, viaAlias(MEMBER));
      expect(target).to.deep.include({ accountId: MEMBER });
      expect(target.aws).to.equal(aws);
      expect(sts.commandCalls(AssumeRoleCommand)).to.have.length(0);
      const refused = await targetAccountResolver(
        'remove-root-access-keys',
        {},
        'ownCredentials',
      )(aws, viaAlias(MEMBER, OTHER_MEMBER)).catch((e: unknown) => e);
      expect(refused).to.be.instanceOf(RemediationDeniedError);
    });
  });
});
