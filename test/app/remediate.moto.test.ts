import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import {
  GetAutomationExecutionCommand,
  SSMClient,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { recordRemediate } from '../../app/history/record';
import { HistoryStore } from '../../app/history/store';
import { documentParameters, remediateAccount, stageParametersOf } from '../../app/remediate';
import type { ScanFinding } from '../../app/scan';
import { REMEDIATIONS } from '../../remediations';
import { RULES } from '../../rules';
import { AwsClients } from '../../shared/aws/clients';
import { EC2 } from '../../shared/aws/services/ec2';
import { UsageError } from '../../shared/errors';
import { TEST_CREDENTIALS, useMoto } from '../helpers/moto';

const SG_RULE = RULES.filter((r) => r.meta.id === 'ec2-security-group-no-public-ingress');
const noWait = async () => undefined;

describe('remediateAccount', () => {
  describe('documentParameters', () => {
    const revoke = REMEDIATIONS.find((r) => r.meta.id === 'revoke-public-ingress');
    const rule = SG_RULE[0];
    it('maps every parameter source, rule parameters in Config’s string form with the rule’s defaults', () => {
      const params = documentParameters(
        revoke!.meta,
        { complianceResourceId: 'sg-0123456789abcdef0', accountId: '123456789012' },
        { authorizedTcpPorts: '80,443' },
        rule!.meta.parameters.properties,
        { assumeRoleArn: 'arn:aws:iam::123456789012:role/automation', lambdaPrefix: 'rebaseline-prod-' },
      );
      expect(params).to.include({
        GroupId: 'sg-0123456789abcdef0',
        AuthorizedTcpPorts: '80,443',
        AuthorizedUdpPorts: '',
        AllowIcmp: 'true',
        AutomationAssumeRole: 'arn:aws:iam::123456789012:role/automation',
        LambdaFunctionName: 'rebaseline-prod-revoke-public-ingress',
      });
    });
    it('takes a static source from the stage parameters given, else its default', () => {
      const trail = REMEDIATIONS.find((r) => r.meta.id === 'enable-cloudtrail')!;
      const trailRule = RULES.find((r) => r.meta.id === 'cloudtrail-multi-region-logging')!;
      const deployment = { assumeRoleArn: '', lambdaPrefix: 'rebaseline-' };
      const of = (stageParameters?: Record<string, string>) =>
        documentParameters(
          trail.meta,
          { complianceResourceId: '123456789012', accountId: '123456789012' },
          {},
          trailRule.meta.parameters.properties,
          { ...deployment, ...(stageParameters ? { stageParameters } : {}) },
        ).TrailName;
      expect(of()).to.equal('rebaseline-trail');
      expect(of({ cloudTrailName: 'org-audit' })).to.equal('org-audit');
      expect(stageParametersOf(REMEDIATIONS)).to.include({ cloudTrailName: 'rebaseline-trail' });
    });

    it('refuses a stage parameter no remediation uses, naming those they use', async () => {
      const error = await remediateAccount({
        rules: SG_RULE,
        remediations: REMEDIATIONS,
        clients: new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS }),
        apply: false,
        stageParameters: { cloudTrailNmae: 'typo' },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(UsageError);
      expect((error as Error).message).to.match(
        /^Unknown stage parameter cloudTrailNmae; the remediations use: .*cloudTrailName/,
      );
    });
  });

  describe('against moto_server', function () {
    this.timeout(60_000);
    const moto = useMoto();
    let aws: AwsClients;
    let open: string[];

    async function ingressOf(groupId: string) {
      const out = await aws.get(EC2).send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
      return out.SecurityGroups?.[0]?.IpPermissions ?? [];
    }

    beforeEach(async () => {
      aws = new AwsClients({ region: 'us-east-1', endpoint: moto.endpoint, credentials: TEST_CREDENTIALS });
      open = [];
      for (const port of [22, 3389, 5900]) {
        const sg = await aws
          .get(EC2)
          .send(new CreateSecurityGroupCommand({ GroupName: `open-${port}`, Description: 'test' }));
        await aws.get(EC2).send(
          new AuthorizeSecurityGroupIngressCommand({
            GroupId: sg.GroupId,
            IpPermissions: [
              { IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
            ],
          }),
        );
        open.push(sg.GroupId as string);
      }
    });

    it('without apply, plans the exact calls and changes nothing', async () => {
      const result = await remediateAccount({
        rules: SG_RULE,
        remediations: REMEDIATIONS,
        clients: aws,
        apply: false,
        sleep: noWait,
      });
      expect(result.dryRun).to.equal(true);
      expect(result.after).to.equal(undefined);
      const planned = result.records.filter((r) => r.outcome === 'planned');
      expect(planned.map((r) => r.resourceId).sort()).to.deep.equal([...open].sort());
      // The tag records a revocation that happened, so it comes after it.
      for (const r of planned)
        expect(r.execution?.plan.map((c) => c.api)).to.deep.equal([
          'RevokeSecurityGroupIngress',
          'CreateTags',
        ]);
      for (const id of open) expect(await ingressOf(id)).to.have.length(1);
    });

    it('stops at the blast-radius limit and leaves the rest untouched', async () => {
      const result = await remediateAccount({
        rules: SG_RULE,
        remediations: REMEDIATIONS,
        clients: aws,
        apply: true,
        maxChanges: 1,
        sleep: noWait,
      });
      expect(result.limitReached).to.equal(true);
      const byOutcome = (o: string) => result.records.filter((r) => r.outcome === o);
      expect(byOutcome('remediated')).to.have.length(1);
      expect(byOutcome('skipped-limit')).to.have.length(2);
      const fixed = byOutcome('remediated')[0]!;
      expect(await ingressOf(fixed.resourceId)).to.deep.equal([]);
      for (const r of byOutcome('skipped-limit')) {
        expect(r.message).to.match(/blast-radius limit of 1/);
        expect(await ingressOf(r.resourceId)).to.have.length(1);
      }
      expect(result.after?.findings.filter((f) => f.complianceType === 'NON_COMPLIANT')).to.have.length(2);
    });

    it('with --resource, remediates only that resource, verified by a live re-evaluation', async () => {
      const target = open[1]!;
      const result = await remediateAccount({
        rules: SG_RULE,
        remediations: REMEDIATIONS,
        clients: aws,
        apply: true,
        resourceId: target,
        sleep: noWait,
      });
      expect(result.records.map((r) => [r.resourceId, r.outcome])).to.deep.equal([[target, 'remediated']]);
      expect(result.records[0]?.after?.complianceType).to.equal('COMPLIANT');
      expect(result.records[0]?.timeToRemediateMs).to.be.at.least(0);
      expect(await ingressOf(target)).to.deep.equal([]);
      for (const id of open.filter((i) => i !== target)) expect(await ingressOf(id)).to.have.length(1);
    });

    it('rejects a resource no selected rule knows', async () => {
      let error: unknown;
      try {
        await remediateAccount({
          rules: SG_RULE,
          remediations: REMEDIATIONS,
          clients: aws,
          apply: true,
          resourceId: 'sg-nope',
        });
      } catch (e) {
        error = e;
      }
      expect(String(error)).to.match(/sg-nope was not found/);
    });

    it('is recorded in the history with the previous state for rollback', async () => {
      const result = await remediateAccount({
        rules: SG_RULE,
        remediations: REMEDIATIONS,
        clients: aws,
        apply: true,
        sleep: noWait,
      });
      const store = HistoryStore.open(':memory:');
      try {
        recordRemediate(store, result, { recordBefore: true });
        const rows = store.remediations();
        expect(rows).to.have.length(3);
        for (const row of rows) expect(JSON.stringify(row.previousState)).to.match(/0\.0\.0\.0\/0/);
        const verdicts = store.evaluations().map((e) => e.verdict);
        expect(verdicts).to.include('NON_COMPLIANT').and.to.include('COMPLIANT');
      } finally {
        store.close();
      }
    });
  });

  describe('--via-ssm', () => {
    it('starts the deployed document with list-valued parameters and waits for it', async () => {
      const ssm = mockClient(SSMClient);
      const sts = mockClient(STSClient);
      sts
        .on(GetCallerIdentityCommand)
        .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ci' });
      ssm.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'exec-1' });
      ssm
        .on(GetAutomationExecutionCommand)
        .resolvesOnce({ AutomationExecution: { AutomationExecutionStatus: 'InProgress' } })
        .resolves({
          AutomationExecution: {
            AutomationExecutionStatus: 'Success',
            StepExecutions: [
              {
                StepName: 'VerifyNoPublicIngress',
                Action: 'aws:invokeLambdaFunction',
                StepStatus: 'Success',
              },
            ],
          },
        });
      try {
        const finding: ScanFinding = {
          ruleId: 'ec2-security-group-no-public-ingress',
          accountId: '123456789012',
          region: 'us-east-1',
          complianceResourceType: 'AWS::EC2::SecurityGroup',
          complianceResourceId: 'sg-0123456789abcdef0',
          complianceType: 'NON_COMPLIANT',
          orderingTimestamp: new Date('2026-11-01T00:00:00Z'),
        };
        const clients = new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
        const rule = { ...SG_RULE[0]!, collect: async () => [] };
        const result = await remediateAccount({
          rules: [rule],
          remediations: REMEDIATIONS,
          clients,
          apply: true,
          before: {
            accountId: '123456789012',
            region: 'us-east-1',
            startedAt: new Date(),
            endedAt: new Date(),
            findings: [finding],
            failures: [],
          },
          viaSsm: { documentPrefix: 'rebaseline-prod-', pollMs: 0 },
          sleep: noWait,
        });
        const start = ssm.commandCalls(StartAutomationExecutionCommand)[0]?.args[0].input;
        expect(start?.DocumentName).to.equal('rebaseline-prod-revoke-public-ingress');
        expect(start?.Parameters?.GroupId).to.deep.equal(['sg-0123456789abcdef0']);
        expect(ssm.commandCalls(GetAutomationExecutionCommand)).to.have.length(2);
        expect(result.records[0]?.execution?.status).to.equal('Success');
        // The live re-evaluation (here: the resource is gone from the collector) decides, not SSM's word.
        expect(result.records[0]?.outcome).to.equal('failed');
      } finally {
        ssm.restore();
        sts.restore();
      }
    });

    it('an execution a person rejected has ended: polled no further, failed', async () => {
      const ssm = mockClient(SSMClient);
      const sts = mockClient(STSClient);
      sts
        .on(GetCallerIdentityCommand)
        .resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ci' });
      ssm.on(StartAutomationExecutionCommand).resolves({ AutomationExecutionId: 'exec-2' });
      ssm
        .on(GetAutomationExecutionCommand)
        .resolvesOnce({ AutomationExecution: { AutomationExecutionStatus: 'Rejected' } })
        .resolves({ AutomationExecution: { AutomationExecutionStatus: 'InProgress' } });
      try {
        const clients = new AwsClients({ region: 'us-east-1', credentials: TEST_CREDENTIALS });
        const result = await remediateAccount({
          rules: [{ ...SG_RULE[0]!, collect: async () => [] }],
          remediations: REMEDIATIONS,
          clients,
          apply: true,
          before: {
            accountId: '123456789012',
            region: 'us-east-1',
            startedAt: new Date(),
            endedAt: new Date(),
            findings: [
              {
                ruleId: 'ec2-security-group-no-public-ingress',
                accountId: '123456789012',
                region: 'us-east-1',
                complianceResourceType: 'AWS::EC2::SecurityGroup',
                complianceResourceId: 'sg-0123456789abcdef0',
                complianceType: 'NON_COMPLIANT',
                orderingTimestamp: new Date('2026-11-01T00:00:00Z'),
              },
            ],
            failures: [],
          },
          viaSsm: { documentPrefix: 'rebaseline-prod-', pollMs: 0 },
          sleep: noWait,
        });
        expect(ssm.commandCalls(GetAutomationExecutionCommand)).to.have.length(1);
        expect(result.records[0]?.execution?.status).to.not.equal('Success');
        expect(result.records[0]?.outcome).to.equal('failed');
      } finally {
        ssm.restore();
        sts.restore();
      }
    });
  });
});
