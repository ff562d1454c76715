import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import sinon from 'sinon';
import { AwsClients } from '../../../shared/aws/clients';
import { EXECUTION_ROLE_NAME_ENV } from '../../../shared/aws/target-account';
import {
  DeploymentConfigError,
  RemediationDeniedError,
  RemediationInputError,
  TargetAccountUnreachableError,
} from '../../../shared/errors';
import { remediationLambda } from '../../../shared/lambda/remediation';
import { logger } from '../../../shared/logger';
import type { RemediationMetadata } from '../../../shared/remediation/metadata';

const ACCOUNT = '123456789012';
const OTHER = '111122223333';
const FUNCTION = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:rebaseline-prod-test-remediation`;

/** remediation.json of a synthetic remediation: the Lambda's payload schema and modes come from here only. */
const META: RemediationMetadata = {
  id: 'test-remediation',
  title: 'A synthetic remediation for tests',
  description: 'Exercises the remediation Lambda wiring.',
  rules: ['ec2-security-group-no-public-ingress'],
  document: 'document.yaml',
  parameters: {
    GroupId: { source: 'resourceId' },
    AuthorizedTcpPorts: { source: 'ruleParameter', ruleParameter: 'authorizedTcpPorts' },
  },
  iam: [{ actions: ['ec2:CreateTags'], resources: ['*'], reason: 'Synthetic.' }],
  lambda: {
    handler: 'handler.ts',
    timeoutSeconds: 10,
    modes: ['plan', 'verify'],
    regionField: 'Region',
    payload: {
      required: ['GroupId'],
      properties: {
        GroupId: { type: 'string', pattern: '^sg-[0-9a-f]{8,17}$', description: 'a group id' },
        Region: { type: ['string', 'null'], default: '', description: 'a region' },
      },
    },
    iam: [{ actions: ['ec2:DescribeSecurityGroups'], resources: ['*'], reason: 'Synthetic.' }],
  },
};

const VALID = { Mode: 'plan', AccountId: ACCOUNT, GroupId: 'sg-0123456789abcdef0' };

describe('shared/lambda/remediation remediationLambda', () => {
  let sts: AwsClientStub<STSClient>;
  let regions: string[];
  let info: sinon.SinonStub;
  const clients = (region: string) => {
    regions.push(region);
    return new AwsClients({ region });
  };
  const savedRole = process.env[EXECUTION_ROLE_NAME_ENV];

  before(() => {
    sts = mockClient(STSClient);
    delete process.env[EXECUTION_ROLE_NAME_ENV];
  });
  beforeEach(() => {
    sts.reset();
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/r/fn` });
    regions = [];
    info = sinon.stub(logger, 'info');
  });
  afterEach(() => info.restore());
  after(() => {
    sts.restore();
    if (savedRole !== undefined) process.env[EXECUTION_ROLE_NAME_ENV] = savedRole;
  });

  const lambda = () =>
    remediationLambda<'GroupId' | 'AuthorizedTcpPorts', { Mode: string; Message: string; reached: string }>(
      {
        meta: META,
        fields: ['GroupId', 'AuthorizedTcpPorts'],
        modes: {
          plan: async (payload, target) => ({
            Mode: 'plan',
            Message: `planned ${payload.GroupId} with ports "${payload.AuthorizedTcpPorts}"`,
            reached: target.accountId,
          }),
          verify: async (payload, target) => ({
            Mode: 'verify',
            Message: `verified ${payload.GroupId}`,
            reached: target.accountId,
          }),
        },
        logFields: (result) => ({ reached: result.reached }),
      },
      clients,
    );

  it('parses the payload with the schema remediation.json declares (rule parameters in Config’s form)', async () => {
    const result = await lambda()({ ...VALID, AuthorizedTcpPorts: ['80', '443'] });
    expect(result.Message).to.equal('planned sg-0123456789abcdef0 with ports "80,443"');
    const error = await lambda()({ ...VALID, Mode: 'apply' }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(RemediationInputError);
    expect((error as Error).message).to.equal(
      'test-remediation: Mode must be "plan" or "verify", got "apply".',
    );
  });

  it('runs the payload’s mode, reaching the account once per invocation, and logs one line with its Message', async () => {
    // Act
    const result = await lambda()(
      { ...VALID, Mode: 'verify', DryRun: true },
      { invokedFunctionArn: FUNCTION },
    );

    // Assess
    expect(result).to.deep.equal({
      Mode: 'verify',
      Message: 'verified sg-0123456789abcdef0',
      reached: ACCOUNT,
    });
    expect(regions).to.have.length(1);
    expect(sts.commandCalls(GetCallerIdentityCommand)).to.have.length(1);
    expect(info.callCount).to.equal(1);
    expect(info.firstCall.args).to.deep.equal([
      { remediation: 'test-remediation', mode: 'verify', accountId: ACCOUNT, dryRun: true, reached: ACCOUNT },
      'verified sg-0123456789abcdef0',
    ]);
  });

  it('a payload naming another account than the invocation’s is refused before the mode runs', async () => {
    // Act
    const error = await lambda()({ ...VALID, AccountId: OTHER }, { invokedFunctionArn: FUNCTION }).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).to.be.instanceOf(RemediationDeniedError);
    expect(info.callCount).to.equal(0);
    expect(sts.commandCalls(AssumeRoleCommand)).to.have.length(0);
  });

  it('a member’s alias naming that member, without an execution role → unreachable, before the mode runs', async () => {
    const error = await lambda()(
      { ...VALID, AccountId: OTHER },
      { invokedFunctionArn: `${FUNCTION}:member-${OTHER}` },
    ).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(TargetAccountUnreachableError);
    expect(info.callCount).to.equal(0);
  });

  it('builds the clients in the region the payload’s region field names, else in the Lambda’s', async () => {
    // Prepare
    const savedRegion = process.env.AWS_REGION;
    process.env.AWS_REGION = 'eu-west-1';

    // Act
    try {
      await lambda()({ ...VALID, Region: 'ap-south-1' });
      await lambda()(VALID);
    } finally {
      if (savedRegion === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = savedRegion;
    }

    // Assess
    expect(regions).to.deep.equal(['ap-south-1', 'eu-west-1']);
  });

  it('refuses, at construction, a declared mode without a function and a field remediation.json does not declare', () => {
    expect(() =>
      remediationLambda({ meta: META, fields: [], modes: { plan: async () => ({ Message: '' }) } }),
    ).to.throw(DeploymentConfigError, /no function for mode\(s\) verify/);
    const modes = { plan: async () => ({ Message: '' }), verify: async () => ({ Message: '' }) };
    expect(() => remediationLambda({ meta: META, fields: ['BucketName'], modes })).to.throw(
      DeploymentConfigError,
      /reads payload field\(s\) BucketName that remediation.json does not declare/,
    );
  });
});
