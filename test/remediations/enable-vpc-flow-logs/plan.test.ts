import { expect } from 'chai';
import { bucketArn, planFlowLog } from '../../../remediations/enable-vpc-flow-logs/plan';
import type { FlowLogFacts, VpcFlowLogsModel } from '../../../rules/vpc-flow-logs-enabled/evaluate';
import { ManualActionRequiredError } from '../../../shared/errors';

const WHERE = { partition: 'aws', bucket: 'org-flow-logs' };
const DESTINATION = 'arn:aws:s3:::org-flow-logs';
const log = (facts: Partial<FlowLogFacts> = {}): FlowLogFacts => ({
  id: 'fl-1',
  destination: 'arn:aws:logs:us-east-1:123456789012:log-group:vpc',
  trafficType: 'REJECT',
  active: true,
  delivers: true,
  deliveryError: undefined,
  unreadable: [],
  ...facts,
});
const vpc = (...flowLogs: FlowLogFacts[]): VpcFlowLogsModel => ({
  resourceType: 'AWS::EC2::VPC',
  resourceId: 'vpc-1',
  accountId: '123456789012',
  region: 'us-east-1',
  isDefault: false,
  flowLogs,
});

describe('remediations/enable-vpc-flow-logs/plan planFlowLog (pure)', () => {
  it('compliant → ALREADY_COMPLIANT, nothing to create, the flow logs as they are recorded', () => {
    expect(planFlowLog(vpc(log()), { trafficType: 'REJECT' }, true, WHERE)).to.deep.equal({
      action: 'ALREADY_COMPLIANT',
      trafficType: '',
      logDestination: '',
      previous: [
        {
          FlowLogId: 'fl-1',
          TrafficType: 'REJECT',
          LogDestination: 'arn:aws:logs:us-east-1:123456789012:log-group:vpc',
          Delivers: true,
        },
      ],
      what: 'change nothing',
    });
  });

  it('no flow log → CREATE one capturing trafficType to the bucket', () => {
    expect(planFlowLog(vpc(), { trafficType: 'REJECT' }, false, WHERE)).to.deep.equal({
      action: 'CREATE',
      trafficType: 'REJECT',
      logDestination: DESTINATION,
      previous: [],
      what: 'create a flow log of VPC vpc-1 capturing REJECT traffic to arn:aws:s3:::org-flow-logs',
    });
    expect(planFlowLog(vpc(), { trafficType: 'ALL' }, false, WHERE).trafficType).to.equal('ALL');
  });

  it('ALL required with REJECT captured → only ACCEPT (together they capture ALL, nothing recorded twice)', () => {
    expect(planFlowLog(vpc(log()), { trafficType: 'ALL' }, false, WHERE)).to.deep.include({
      action: 'CREATE',
      trafficType: 'ACCEPT',
    });
    expect(
      planFlowLog(vpc(log({ trafficType: 'ACCEPT' })), { trafficType: 'ALL' }, false, WHERE).trafficType,
    ).to.equal('REJECT');
  });

  it('a flow log that cannot deliver does not count: its traffic is captured again, elsewhere', () => {
    const failing = log({ delivers: false, deliveryError: 'Access error' });
    expect(planFlowLog(vpc(failing), { trafficType: 'REJECT' }, false, WHERE)).to.deep.include({
      trafficType: 'REJECT',
      logDestination: DESTINATION,
    });
  });

  it('builds the destination in the account’s partition', () => {
    expect(bucketArn('aws-cn', 'logs-cn')).to.equal('arn:aws-cn:s3:::logs-cn');
    expect(
      planFlowLog(vpc(), { trafficType: 'REJECT' }, false, { partition: 'aws-us-gov', bucket: 'gov-logs' })
        .logDestination,
    ).to.equal('arn:aws-us-gov:s3:::gov-logs');
  });

  it('no log bucket, or not a bucket name → a person must act; nothing planned', () => {
    expect(() =>
      planFlowLog(vpc(), { trafficType: 'REJECT' }, false, { partition: 'aws', bucket: '' }),
    ).to.throw(
      ManualActionRequiredError,
      /no log bucket was given: set LogBucketName \(the stage parameter flowLogBucketName/,
    );
    expect(() =>
      planFlowLog(vpc(), { trafficType: 'REJECT' }, false, { partition: 'aws', bucket: 'Bad_Bucket' }),
    ).to.throw(ManualActionRequiredError, /"Bad_Bucket" is not an S3 bucket name/);
  });

  it('a flow log of the VPC already sending to the bucket → a person must act (EC2 refuses a second one)', () => {
    const stuck = log({
      id: 'fl-stuck',
      destination: `${DESTINATION}/`,
      delivers: false,
      deliveryError: 'Access error',
    });
    expect(() => planFlowLog(vpc(stuck), { trafficType: 'REJECT' }, false, WHERE)).to.throw(
      ManualActionRequiredError,
      /^Flow log fl-stuck of VPC vpc-1 already sends its records to arn:aws:s3:::org-flow-logs and cannot deliver them \(Access error\): EC2 refuses a second flow log/,
    );
    const half = log({ id: 'fl-half', destination: DESTINATION });
    expect(() => planFlowLog(vpc(half), { trafficType: 'ALL' }, false, WHERE)).to.throw(
      ManualActionRequiredError,
      /fl-half of VPC vpc-1 already sends its records to arn:aws:s3:::org-flow-logs but does not capture ALL traffic/,
    );
  });

  it('never plans a change when compliant, even without a bucket', () => {
    expect(
      planFlowLog(vpc(log()), { trafficType: 'REJECT' }, true, { partition: 'aws', bucket: '' }).action,
    ).to.equal('ALREADY_COMPLIANT');
  });
});
