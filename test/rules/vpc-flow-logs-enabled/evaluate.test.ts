import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FlowLog } from '@aws-sdk/client-ec2';
import { expect } from 'chai';
import {
  collectVpcs,
  evaluate,
  type FlowLogFacts,
  flowLogFacts,
  type Parameters,
  rule,
  type VpcFlowLogsModel,
} from '../../../rules/vpc-flow-logs-enabled/evaluate';
import type { EvaluationSnapshot } from '../../../shared/collectors/reader';
import { SnapshotReader } from '../../../shared/collectors/snapshot-reader';
import { evaluateModels } from '../../../shared/engine';
import { CollectionError, InvalidParametersError, UnreadableDependencyError } from '../../../shared/errors';
import { params, SCOPE } from '../../helpers/rules';

const HERE = join(__dirname, 'fixtures');
const snapshotHere = (name: string): EvaluationSnapshot => JSON.parse(readFileSync(join(HERE, name), 'utf8'));

const p = (input: Record<string, string> = {}) => params<Parameters>(rule, input);
const log = (facts: Partial<FlowLogFacts> = {}): FlowLogFacts => ({
  id: 'fl-1',
  destination: 'arn:aws:s3:::flow-logs',
  trafficType: 'ALL',
  active: true,
  delivers: true,
  deliveryError: undefined,
  unreadable: [],
  ...facts,
});
const vpc = (...flowLogs: FlowLogFacts[]): VpcFlowLogsModel => ({
  resourceType: 'AWS::EC2::VPC',
  resourceId: 'vpc-1',
  accountId: SCOPE.accountId,
  region: SCOPE.region,
  isDefault: false,
  flowLogs,
});

async function verdictsOf(snapshot: EvaluationSnapshot, input: Record<string, string> = {}) {
  const reader = new SnapshotReader(snapshot, SCOPE.accountId, SCOPE.region, rule.reads);
  const items = (await rule.collect?.(reader, SCOPE, p(input))) ?? [];
  return evaluateModels(rule, items, p(input), reader, SCOPE, SCOPE.now);
}

describe('rule vpc-flow-logs-enabled', () => {
  describe('semantics', () => {
    const cases: {
      name: string;
      model: VpcFlowLogsModel;
      input?: Record<string, string>;
      expected: string;
      annotation: string;
    }[] = [
      {
        name: 'no flow log',
        model: vpc(),
        expected: 'NON_COMPLIANT',
        annotation: 'VPC vpc-1 has no flow log.',
      },
      {
        name: 'ALL captured, REJECT required (the default)',
        model: vpc(log()),
        expected: 'COMPLIANT',
        annotation: 'VPC vpc-1 has ACTIVE flow log fl-1 capturing ALL traffic.',
      },
      {
        name: 'REJECT captured, REJECT required',
        model: vpc(log({ trafficType: 'REJECT' })),
        expected: 'COMPLIANT',
        annotation: 'VPC vpc-1 has ACTIVE flow log fl-1 capturing REJECT traffic.',
      },
      {
        name: 'only ACCEPT captured, REJECT required',
        model: vpc(log({ trafficType: 'ACCEPT' })),
        expected: 'NON_COMPLIANT',
        annotation: 'VPC vpc-1 has no ACTIVE flow log capturing REJECT traffic: fl-1 captures only ACCEPT.',
      },
      {
        name: 'ACCEPT and REJECT together count as ALL',
        model: vpc(log({ id: 'fl-a', trafficType: 'ACCEPT' }), log({ id: 'fl-r', trafficType: 'REJECT' })),
        input: { trafficType: 'ALL' },
        expected: 'COMPLIANT',
        annotation:
          "VPC vpc-1's ACTIVE flow logs fl-a (ACCEPT) and fl-r (REJECT) capture ALL traffic together.",
      },
      {
        name: 'only REJECT when ALL is required',
        model: vpc(log({ trafficType: 'REJECT' })),
        input: { trafficType: 'ALL' },
        expected: 'NON_COMPLIANT',
        annotation:
          'VPC vpc-1 has no ACTIVE flow log capturing ACCEPT traffic (trafficType ALL): fl-1 captures only REJECT.',
      },
      {
        name: 'ACCEPT required and captured by ALL',
        model: vpc(log()),
        input: { trafficType: 'ACCEPT' },
        expected: 'COMPLIANT',
        annotation: 'VPC vpc-1 has ACTIVE flow log fl-1 capturing ALL traffic.',
      },
      {
        name: 'a flow log whose delivery fails does not count',
        model: vpc(log({ delivers: false, deliveryError: 'Access error' })),
        expected: 'NON_COMPLIANT',
        annotation:
          'VPC vpc-1 has no ACTIVE flow log capturing REJECT traffic: fl-1 cannot deliver its records (Access error).',
      },
      {
        name: 'a failing one and a delivering one: the delivering one decides',
        model: vpc(
          log({ id: 'fl-bad', delivers: false, deliveryError: 'DeliverLogsStatus FAILED' }),
          log({ id: 'fl-ok' }),
        ),
        expected: 'COMPLIANT',
        annotation: 'VPC vpc-1 has ACTIVE flow log fl-ok capturing ALL traffic.',
      },
    ];
    for (const c of cases)
      it(`${c.name} → ${c.expected}`, () => {
        expect(evaluate(c.model, p(c.input))).to.deep.equal({
          complianceType: c.expected,
          annotation: c.annotation,
        });
      });

    it('a flow log of undefined traffic type or status that could decide → not evaluated (UnreadableDependencyError)', () => {
      const odd = log({
        trafficType: undefined,
        unreadable: ['TrafficType is "SOME", not one of ACCEPT, REJECT, ALL'],
      });
      expect(() => evaluate(vpc(odd), p())).to.throw(UnreadableDependencyError, /TrafficType is "SOME"/);
      expect(() => evaluate(vpc(log({ active: undefined })), p())).to.throw(UnreadableDependencyError);
    });

    it('an unknown flow log does not matter when another one already covers the VPC', () => {
      const odd = log({ id: 'fl-odd', trafficType: undefined });
      expect(evaluate(vpc(odd, log({ id: 'fl-ok' })), p()).complianceType).to.equal('COMPLIANT');
    });

    it('refuses a trafficType EC2 does not define, naming the values', () => {
      expect(() => p({ trafficType: 'DENY' })).to.throw(InvalidParametersError, /ACCEPT|REJECT|ALL/);
    });
  });

  describe('reading flow logs', () => {
    it('keeps what EC2 says: a FAILED delivery and an error message both mean records are lost', () => {
      const base: FlowLog = {
        FlowLogId: 'fl-1',
        ResourceId: 'vpc-1',
        TrafficType: 'REJECT',
        FlowLogStatus: 'ACTIVE',
      };
      expect(
        flowLogFacts({ ...base, DeliverLogsStatus: 'SUCCESS', LogDestination: 'arn:aws:s3:::flow-logs' }),
      ).to.deep.include({
        destination: 'arn:aws:s3:::flow-logs',
        trafficType: 'REJECT',
        active: true,
        delivers: true,
        deliveryError: undefined,
      });
      expect(flowLogFacts({ ...base, DeliverLogsStatus: 'FAILED', DeliverLogsErrorMessage: 'Rate limited' }))
        .to.have.property('deliveryError')
        .that.equals('DeliverLogsStatus FAILED: Rate limited');
      expect(flowLogFacts({ ...base, DeliverLogsErrorMessage: 'Access error' }).deliveryError).to.equal(
        'Access error',
      );
    });

    it('never guesses a traffic type or status EC2 does not define', () => {
      const facts = flowLogFacts({
        FlowLogId: 'fl-1',
        ResourceId: 'vpc-1',
        TrafficType: 'SOME' as never,
        DeliverLogsStatus: 'MAYBE',
      });
      expect(facts).to.deep.include({ trafficType: undefined, active: undefined, delivers: undefined });
      expect(facts.unreadable).to.deep.equal([
        'TrafficType is "SOME", not one of ACCEPT, REJECT, ALL',
        'FlowLogStatus is undefined, not ACTIVE',
        'DeliverLogsStatus is "MAYBE", DeliverLogsErrorMessage undefined',
      ]);
    });

    it('a flow log entry that cannot be placed in a VPC fails the whole list: every VPC not evaluated', async () => {
      const { evaluations, failures } = await verdictsOf({
        vpcs: [{ VpcId: 'vpc-1' }, { VpcId: 'vpc-2' }],
        flowLogs: [{ FlowLogId: 'fl-1', TrafficType: 'ALL', FlowLogStatus: 'ACTIVE' }],
      });
      expect(evaluations).to.deep.equal([]);
      expect(failures.map((f) => f.message)).to.deep.equal([
        'Could not read AWS::EC2::VPC vpc-1: flow logs: Could not read AWS::EC2::VPC (DescribeFlowLogs): FlowLogs[0].ResourceId is missing.',
        'Could not read AWS::EC2::VPC vpc-2: flow logs: Could not read AWS::EC2::VPC (DescribeFlowLogs): FlowLogs[0].ResourceId is missing.',
      ]);
    });

    it('a VPC list that is not a list → one malformed-list error, no verdict', async () => {
      const { evaluations, failures } = await verdictsOf({ vpcs: null as never, flowLogs: [] });
      expect(evaluations).to.deep.equal([]);
      expect(failures.map((f) => f.message)).to.deep.equal([
        'Could not read AWS::EC2::VPC (DescribeVpcs): Vpcs is null.',
      ]);
    });
  });

  describe('on recorded responses (Cloud Custodian placebo, before and after a flow log was created)', () => {
    it('before: no flow log in two VPCs, a flow log that cannot deliver in the default VPC → 3 NON_COMPLIANT', async () => {
      const { evaluations, failures } = await verdictsOf(snapshotHere('recorded.snapshot.json'));
      expect(failures).to.deep.equal([]);
      expect(evaluations.map((e) => [e.complianceResourceId, e.complianceType, e.annotation])).to.deep.equal([
        ['vpc-f1516b97', 'NON_COMPLIANT', 'VPC vpc-f1516b97 has no flow log.'],
        ['vpc-3065db49', 'NON_COMPLIANT', 'VPC vpc-3065db49 has no flow log.'],
        [
          'vpc-d2d616b5',
          'NON_COMPLIANT',
          'VPC vpc-d2d616b5 has no ACTIVE flow log capturing REJECT traffic: fl-a41befcd cannot deliver its records (Access error).',
        ],
      ]);
    });

    it('after: the VPC given an ALL flow log → COMPLIANT; the flow log of a VPC not listed is ignored', async () => {
      const { evaluations } = await verdictsOf(snapshotHere('recorded-after.snapshot.json'));
      expect(evaluations.map((e) => [e.complianceResourceId, e.complianceType])).to.deep.equal([
        ['vpc-f1516b97', 'NON_COMPLIANT'],
        ['vpc-3065db49', 'COMPLIANT'],
        ['vpc-d2d616b5', 'NON_COMPLIANT'],
      ]);
    });

    it('names a VPC by its Name tag, and carries its tags (for exemptions)', async () => {
      const reader = new SnapshotReader(
        snapshotHere('recorded.snapshot.json'),
        SCOPE.accountId,
        SCOPE.region,
        rule.reads,
      );
      const [first] = (await collectVpcs(reader, SCOPE)) as VpcFlowLogsModel[];
      expect(first).to.deep.include({ resourceName: 'FancyTestVPC', isDefault: false });
      expect(first?.tags).to.deep.equal({ Name: 'FancyTestVPC', tagfancykey: 'tagfanncyvalue' });
    });
  });

  describe('fails closed', () => {
    const VPCS = [
      { VpcId: 'vpc-own', OwnerId: SCOPE.accountId },
      { VpcId: 'vpc-shared', OwnerId: '999988887777' },
    ];

    it('evaluates only the VPCs the account owns (a shared VPC is its owner’s)', async () => {
      const { evaluations } = await verdictsOf({ vpcs: VPCS, flowLogs: [] });
      expect(evaluations.map((e) => e.complianceResourceId)).to.deep.equal(['vpc-own']);
    });

    it('flow logs that cannot be read → every VPC not evaluated, none COMPLIANT', async () => {
      const { evaluations, failures } = await verdictsOf({ vpcs: VPCS });
      expect(evaluations).to.deep.equal([]);
      expect(failures).to.have.length(1);
      expect(failures[0]).to.be.instanceOf(CollectionError);
      expect(failures[0]?.message).to.match(/^Could not read AWS::EC2::VPC vpc-own: flow logs: .*"flowLogs"/);
    });

    it('VPCs that cannot be listed → the collection fails, nothing is reported', async () => {
      const reader = new SnapshotReader({ flowLogs: [] }, SCOPE.accountId, SCOPE.region, rule.reads);
      const error = await collectVpcs(reader, SCOPE).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as Error).message).to.include('"vpcs"');
    });

    it('a VPC without its VpcId → malformed, not evaluated', async () => {
      const { failures } = await verdictsOf({ vpcs: [{ OwnerId: SCOPE.accountId }], flowLogs: [] });
      expect(failures[0]?.message).to.equal(
        'Could not read AWS::EC2::VPC (DescribeVpcs): Vpcs[0].VpcId is missing.',
      );
    });
  });
});
