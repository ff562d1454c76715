import {
  CreateFlowLogsCommand,
  CreateVpcCommand,
  DeleteFlowLogsCommand,
  DescribeFlowLogsCommand,
  type FlowLog,
} from '@aws-sdk/client-ec2';
import { CreateBucketCommand, GetBucketPolicyCommand } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import type { AwsClients } from '../../../shared/aws/clients';
import { EC2 } from '../../../shared/aws/services/ec2';
import { S3 } from '../../../shared/aws/services/s3';
import { awsErrorName } from '../../../shared/errors';
import { useMoto } from '../../helpers/moto';
import { motoClients, mutations, runRemediation } from '../helpers';

const ID = 'enable-vpc-flow-logs';
const BUCKET = 'org-flow-logs';
const STEPS_WITH_CHANGE = ['PlanFlowLog', 'CheckAnythingToChange', 'CreateFlowLog', 'VerifyFlowLog'];
const STEPS_WITHOUT_CHANGE = ['PlanFlowLog', 'CheckAnythingToChange', 'VerifyFlowLog'];

describe('remediation enable-vpc-flow-logs (runner + moto_server)', () => {
  const moto = useMoto();
  let aws: AwsClients;
  let calls: string[];
  let vpcId: string;
  const run = (parameters: Record<string, unknown> = {}, dryRun = false) =>
    runRemediation(ID, aws, { VpcId: vpcId, LogBucketName: BUCKET, ...parameters }, { dryRun });

  /** Every flow log of the region as EC2 answers now (the end state), the fields that matter. */
  const flowLogs = async () =>
    ((await aws.get(EC2).send(new DescribeFlowLogsCommand({}))).FlowLogs ?? []).map((f: FlowLog) => ({
      id: f.FlowLogId,
      resourceId: f.ResourceId,
      trafficType: f.TrafficType,
      destination: f.LogDestination ?? f.LogGroupName,
      status: f.FlowLogStatus,
      tags: Object.fromEntries((f.Tags ?? []).map((t) => [t.Key, t.Value])),
    }));
  const newVpc = async () =>
    (await aws.get(EC2).send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId as string;

  beforeEach(async () => {
    calls = [];
    aws = motoClients(moto.endpoint, calls);
    await aws.get(S3).send(new CreateBucketCommand({ Bucket: BUCKET }));
    vpcId = await newVpc();
    calls.length = 0;
  });

  it('a VPC without a flow log → one REJECT flow log of the VPC to the bucket, tagged, verified; the bucket untouched', async () => {
    // Act
    const execution = await run();

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(execution.steps.map((s) => `${s.name}:${s.status}`)).to.deep.equal(
      STEPS_WITH_CHANGE.map((s) => `${s}:Success`),
    );
    expect(mutations(calls)).to.deep.equal(['ec2:CreateFlowLogs']);
    const logs = await flowLogs();
    expect(logs).to.have.length(1);
    expect(logs[0]).to.deep.include({
      resourceId: vpcId,
      trafficType: 'REJECT',
      destination: `arn:aws:s3:::${BUCKET}`,
      status: 'ACTIVE',
      tags: { 'rebaseline:remediation': ID },
    });
    expect(execution.outputs['CreateFlowLog.FlowLogIds']).to.deep.equal([logs[0]!.id]);
    expect(execution.outputs['PlanFlowLog.PreviousFlowLogs']).to.equal('[]');
    expect(execution.outputs['VerifyFlowLog.Compliant']).to.equal(true);
    const policy = await aws
      .get(S3)
      .send(new GetBucketPolicyCommand({ Bucket: BUCKET }))
      .then(
        () => 'a policy',
        (e: unknown) => awsErrorName(e),
      );
    expect(policy).to.equal('NoSuchBucketPolicy');
  });

  it('trafficType ALL with a REJECT flow log to another bucket → adds only ACCEPT to the log bucket, keeps the other', async () => {
    // Prepare
    await aws.get(S3).send(new CreateBucketCommand({ Bucket: 'another-archive' }));
    await aws.get(EC2).send(
      new CreateFlowLogsCommand({
        ResourceType: 'VPC',
        ResourceIds: [vpcId],
        TrafficType: 'REJECT',
        LogDestinationType: 's3',
        LogDestination: 'arn:aws:s3:::another-archive',
      }),
    );
    const before = await flowLogs();
    calls.length = 0;

    // Act
    const execution = await run({ TrafficType: 'ALL' });

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    const after = await flowLogs();
    expect(after.filter((l) => before.some((b) => b.id === l.id))).to.deep.equal(before);
    expect(
      after.filter((l) => !before.some((b) => b.id === l.id)).map((l) => [l.trafficType, l.destination]),
    ).to.deep.equal([['ACCEPT', `arn:aws:s3:::${BUCKET}`]]);
    expect(execution.outputs['VerifyFlowLog.Message']).to.match(/capture ALL traffic together\.$/);
  });

  it('a second run is a no-op: no API mutation, only verification', async () => {
    // Prepare
    await run();
    const before = await flowLogs();
    calls.length = 0;

    // Act
    const second = await run();

    // Assess
    expect(second.status, second.failureMessage).to.equal('Success');
    expect(second.steps.map((s) => s.name)).to.deep.equal(STEPS_WITHOUT_CHANGE);
    expect(second.outputs['PlanFlowLog.Action']).to.equal('ALREADY_COMPLIANT');
    expect(mutations(calls)).to.deep.equal([]);
    expect(await flowLogs()).to.deep.equal(before);
  });

  it('dry-run changes nothing and plans the exact call', async () => {
    // Act
    const execution = await run({ TrafficType: 'ALL' }, true);

    // Assess
    expect(execution.status, execution.failureMessage).to.equal('Success');
    expect(mutations(calls)).to.deep.equal([]);
    expect(await flowLogs()).to.deep.equal([]);
    expect(
      execution.plan.map(({ step, service, api, inputs }) => ({ step, service, api, inputs })),
    ).to.deep.equal([
      {
        step: 'CreateFlowLog',
        service: 'ec2',
        api: 'CreateFlowLogs',
        inputs: {
          ResourceType: 'VPC',
          ResourceIds: [vpcId],
          TrafficType: 'ALL',
          LogDestinationType: 's3',
          LogDestination: `arn:aws:s3:::${BUCKET}`,
          TagSpecifications: [
            { ResourceType: 'vpc-flow-log', Tags: [{ Key: 'rebaseline:remediation', Value: ID }] },
          ],
        },
      },
    ]);
    expect(execution.outputs['PlanFlowLog.Message']).to.equal(
      `Would create a flow log of VPC ${vpcId} capturing ALL traffic to arn:aws:s3:::${BUCKET}; the VPC's other flow logs are kept. Now: VPC ${vpcId} has no flow log.`,
    );
  });

  it('no log bucket → stops before any change, saying which parameter to set', async () => {
    // Act
    const execution = await run({ LogBucketName: '' });

    // Assess
    expect(execution.status).to.equal('Failed');
    expect(execution.failureMessage).to.match(
      /PlanFlowLog failed: .*ManualActionRequiredError: VPC vpc-\w+ needs a flow log, and no log bucket was given/,
    );
    expect(mutations(calls)).to.deep.equal([]);
    expect(await flowLogs()).to.deep.equal([]);
  });

  it('a bucket that does not exist: EC2 creates nothing, and the verification fails the execution', async () => {
    // Act
    const execution = await run({ LogBucketName: 'no-such-bucket' });

    // Assess
    expect(execution.status).to.equal('Failed');
    expect(execution.failureMessage).to.match(
      /VerifyFlowLog failed: .*RemediationVerificationError: VPC vpc-\w+ is not compliant: VPC vpc-\w+ has no flow log\./,
    );
    expect(await flowLogs()).to.deep.equal([]);
  });

  it('a flow log deleted right after the change fails the verification', async () => {
    const execution = await runRemediation(
      ID,
      aws,
      { VpcId: vpcId, LogBucketName: BUCKET },
      {
        onStep: async (step) => {
          if (step.name !== 'CreateFlowLog') return;
          const ids = (await flowLogs()).map((l) => l.id as string);
          await aws.get(EC2).send(new DeleteFlowLogsCommand({ FlowLogIds: ids }));
        },
      },
    );
    expect(execution.status).to.equal('Failed');
    expect(execution.failureMessage).to.match(/VerifyFlowLog failed: .*is not compliant/);
  });

  it('a VPC that is not there (deleted, or another account’s) → the plan fails naming it; nothing changes', async () => {
    const execution = await run({ VpcId: 'vpc-0123456789abcdef0' });
    expect(execution.status).to.equal('Failed');
    expect(execution.failureMessage).to.match(
      /PlanFlowLog failed: .*vpc-0123456789abcdef0: not found in us-east-1, or owned by another account\./,
    );
    expect(mutations(calls)).to.deep.equal([]);
  });
});
