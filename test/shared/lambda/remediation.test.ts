import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import sinon from 'sinon';
import { AwsClients } from '../../../shared/aws/clients';
import { EXECUTION_ROLE_NAME_ENV } from '../../../shared/aws/target-account';
import { TargetAccountUnreachableError } from '../../../shared/errors';
import { remediationLambda } from '../../../shared/lambda/remediation';
import { logger } from '../../../shared/logger';
import { ACCOUNT_ID_FIELD, payloadParser } from '../../../shared/remediation/payload';

const ACCOUNT = '123456789012';
const OTHER = '111122223333';

interface Payload {
  Mode: 'plan' | 'verify';
  AccountId: string;
  GroupId: string;
  DryRun?: boolean;
}

const parse = payloadParser<Payload>('test-remediation', {
  type: 'object',
  required: ['Mode', 'AccountId', 'GroupId'],
  properties: {
    Mode: { enum: ['plan', 'verify'] },
    AccountId: ACCOUNT_ID_FIELD,
    GroupId: { type: 'string', description: 'a group id' },
  },
});

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

  const lambda = (spec: { reachAccount?: 'first' | 'onDemand'; region?: (p: Payload) => string }) =>
    remediationLambda<Payload, { Mode: Payload['Mode']; Message: string; reachedAccount?: string }>(
      {
        id: 'test-remediation',
        parse,
        modes: {
          plan: async () => ({ Mode: 'plan', Message: 'planned without reading' }),
          verify: async (payload, account) => ({
            Mode: 'verify',
            Message: `verified ${payload.GroupId}`,
            reachedAccount: (await account()).accountId,
          }),
        },
        logFields: (result) => ({ reached: result.reachedAccount }),
        ...spec,
      },
      clients,
    );

  it('runs the payload’s mode, reaching the account once per invocation, and logs one line with its Message', async () => {
    // Act
    const result = await lambda({})({ ...VALID, Mode: 'verify', DryRun: true });

    // Assess
    expect(result).to.deep.equal({
      Mode: 'verify',
      Message: 'verified sg-0123456789abcdef0',
      reachedAccount: ACCOUNT,
    });
    expect(regions).to.have.length(1);
    expect(sts.commandCalls(GetCallerIdentityCommand)).to.have.length(1);
    expect(info.callCount).to.equal(1);
    expect(info.firstCall.args).to.deep.equal([
      {
        remediation: 'test-remediation',
        mode: 'verify',
        accountId: ACCOUNT,
        dryRun: true,
        reached: ACCOUNT,
      },
      'verified sg-0123456789abcdef0',
    ]);
  });

  it('reachAccount first (default): an unreachable account fails before the mode runs', async () => {
    // Act
    const error = await lambda({})({ ...VALID, AccountId: OTHER }).catch((e: unknown) => e);

    // Assess
    expect(error).to.be.instanceOf(TargetAccountUnreachableError);
    expect(info.callCount).to.equal(0);
  });

  it('reachAccount onDemand: a mode that never asks reads nothing, not even the Lambda’s identity', async () => {
    // Act
    const result = await lambda({ reachAccount: 'onDemand' })({ ...VALID, AccountId: OTHER });

    // Assess
    expect(result.Message).to.equal('planned without reading');
    expect(regions).to.deep.equal([]);
    expect(sts.commandCalls(GetCallerIdentityCommand)).to.have.length(0);
  });

  it('builds the clients in the payload’s region when the spec names one, else in the Lambda’s', async () => {
    // Prepare
    const savedRegion = process.env.AWS_REGION;
    process.env.AWS_REGION = 'eu-west-1';

    // Act
    try {
      await lambda({ region: () => 'ap-south-1' })(VALID);
      await lambda({ region: () => '' })(VALID);
    } finally {
      if (savedRegion === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = savedRegion;
    }

    // Assess
    expect(regions).to.deep.equal(['ap-south-1', 'eu-west-1']);
  });
});
