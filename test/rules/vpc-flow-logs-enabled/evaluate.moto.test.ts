import {
  CreateFlowLogsCommand,
  type CreateFlowLogsCommandInput,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeVpcsCommand,
} from '@aws-sdk/client-ec2';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { type Parameters, rule } from '../../../rules/vpc-flow-logs-enabled/evaluate';
import { AwsClients } from '../../../shared/aws/clients';
import { EC2 } from '../../../shared/aws/services/ec2';
import { S3 } from '../../../shared/aws/services/s3';
import { LiveReader } from '../../../shared/collectors/live-reader';
import { evaluateModels } from '../../../shared/engine';
import { TEST_CREDENTIALS, useMoto } from '../../helpers/moto';
import { params, SCOPE } from '../../helpers/rules';

const BUCKET = 'flow-logs-archive';

describe('rule vpc-flow-logs-enabled against moto_server (the live reader)', () => {
  const moto = useMoto();
  let aws: AwsClients;
  beforeEach(async () => {
    aws = new AwsClients({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    await aws.get(S3).send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  const verdicts = async (input: Record<string, string> = {}) => {
    const p = params<Parameters>(rule, input);
    const reader = new LiveReader(aws, SCOPE.accountId, rule.reads);
    const outcome = await evaluateModels(
      rule,
      (await rule.collect?.(reader, SCOPE, p)) ?? [],
      p,
      reader,
      SCOPE,
      SCOPE.now,
    );
    expect(outcome.failures).to.deep.equal([]);
    return Object.fromEntries(outcome.evaluations.map((e) => [e.complianceResourceId, e]));
  };
  const newVpc = async () =>
    (await aws.get(EC2).send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId as string;
  const flowLog = async (input: Partial<CreateFlowLogsCommandInput>) =>
    (
      await aws.get(EC2).send(
        new CreateFlowLogsCommand({
          ResourceType: 'VPC',
          ResourceIds: [],
          TrafficType: 'ALL',
          LogDestinationType: 's3',
          LogDestination: `arn:aws:s3:::${BUCKET}`,
          ...input,
        }),
      )
    ).FlowLogIds?.[0] as string;

  it('the emulator’s default VPC and a new one, without flow logs → NON_COMPLIANT each', async () => {
    const vpcId = await newVpc();
    const defaultVpc = (await aws.get(EC2).send(new DescribeVpcsCommand({}))).Vpcs?.find(
      (v) => v.IsDefault,
    )?.VpcId;

    const out = await verdicts();

    expect(Object.keys(out)).to.have.members([vpcId, defaultVpc]);
    expect(out[vpcId]).to.deep.include({
      complianceType: 'NON_COMPLIANT',
      annotation: `VPC ${vpcId} has no flow log.`,
    });
  });

  it('an ALL flow log to S3 → COMPLIANT; a subnet’s flow log does not cover its VPC', async () => {
    const covered = await newVpc();
    const partly = await newVpc();
    const subnet = (
      await aws.get(EC2).send(new CreateSubnetCommand({ VpcId: partly, CidrBlock: '10.0.1.0/24' }))
    ).Subnet?.SubnetId as string;
    const id = await flowLog({ ResourceIds: [covered] });
    await flowLog({ ResourceType: 'Subnet', ResourceIds: [subnet] });

    const out = await verdicts();

    expect(out[covered]).to.deep.include({
      complianceType: 'COMPLIANT',
      annotation: `VPC ${covered} has ACTIVE flow log ${id} capturing ALL traffic.`,
    });
    expect(out[partly]?.complianceType).to.equal('NON_COMPLIANT');
  });

  it('REJECT to S3 meets the default; with trafficType ALL an ACCEPT flow log to another destination completes it', async () => {
    const vpcId = await newVpc();
    await aws.get(S3).send(new CreateBucketCommand({ Bucket: `${BUCKET}-accept` }));
    await flowLog({ ResourceIds: [vpcId], TrafficType: 'REJECT' });

    expect((await verdicts())[vpcId]?.complianceType).to.equal('COMPLIANT');
    expect((await verdicts({ trafficType: 'ALL' }))[vpcId]?.annotation).to.match(
      /has no ACTIVE flow log capturing ACCEPT traffic \(trafficType ALL\): fl-\w+ captures only REJECT\.$/,
    );

    await flowLog({
      ResourceIds: [vpcId],
      TrafficType: 'ACCEPT',
      LogDestination: `arn:aws:s3:::${BUCKET}-accept`,
    });

    expect((await verdicts({ trafficType: 'ALL' }))[vpcId]?.annotation).to.match(
      /^VPC vpc-\w+'s ACTIVE flow logs fl-\w+ \(ACCEPT\) and fl-\w+ \(REJECT\) capture ALL traffic together\.$/,
    );
  });

  it('a flow log to a log group that does not exist fails its delivery → NON_COMPLIANT naming the error', async () => {
    const vpcId = await newVpc();
    const id = await flowLog({
      ResourceIds: [vpcId],
      LogDestinationType: 'cloud-watch-logs',
      LogDestination: undefined,
      LogGroupName: 'no-such-group',
      DeliverLogsPermissionArn: `arn:aws:iam::${SCOPE.accountId}:role/flow-logs`,
    });

    expect((await verdicts())[vpcId]?.annotation).to.equal(
      `VPC ${vpcId} has no ACTIVE flow log capturing REJECT traffic: ${id} cannot deliver its records (DeliverLogsStatus FAILED: Access error).`,
    );
  });
});
