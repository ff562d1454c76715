import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  GetAutomationExecutionCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  SSMClient,
  type SSMClientResolvedConfig,
  StartAutomationExecutionCommand,
} from '@aws-sdk/client-ssm';
import { type AwsStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import { createRouter } from '../../playbooks/router/handler';
import { SNS } from '../../shared/aws/services/sns';
import { guardDutyEvent, merge, portProbe } from '../helpers/findings';
import { fixture } from '../helpers/fixtures';
import { useMoto } from '../helpers/moto';
import { startSubscriber } from '../helpers/sns-subscriber';
import { motoClients } from './helpers';

/**
 * The deployed router. SSM Automation executions are missing from the emulator, so StartAutomationExecution and
 * GetAutomationExecution are answered in SSM's shapes (aws-sdk-client-mock); the notification goes through the
 * emulator's SNS to a real HTTP subscriber on loopback.
 */
describe('playbooks/router (the deployed entry point)', function () {
  this.timeout(60_000);
  const moto = useMoto();
  // Created in before(), not while mocha loads the files: another file's mockClient(SSMClient) + restore() in
  // between would otherwise undo this one.
  let ssm: AwsStub<ServiceInputTypes, ServiceOutputTypes, SSMClientResolvedConfig>;
  before(() => {
    ssm = mockClient(SSMClient);
  });
  afterEach(() => ssm.reset());
  after(() => ssm.restore());

  async function setup(automatic: string, settings: Record<string, string> = {}) {
    const aws = motoClients(moto.endpoint);
    const subscriber = await startSubscriber();
    const { TopicArn } = await aws.get(SNS).send(new CreateTopicCommand({ Name: 'incidents' }));
    await aws.get(SNS).send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: subscriber.url }));
    ssm.on(StartAutomationExecutionCommand).callsFake((input: { DocumentName: string }) => ({
      AutomationExecutionId: `0000000${input.DocumentName.length}-aaaa-bbbb-cccc-dddddddddddd`,
    }));
    ssm.on(GetAutomationExecutionCommand).resolves({
      AutomationExecution: {
        AutomationExecutionStatus: 'Success',
        StepExecutions: [
          {
            StepName: 'BlockInNetworkAcls',
            Action: 'aws:invokeLambdaFunction',
            StepStatus: 'Success',
            Outputs: {
              Payload: [
                JSON.stringify({
                  Calls: [
                    {
                      service: 'ec2',
                      api: 'CreateNetworkAclEntry',
                      resource: 'acl-1',
                      why: 'Deny 198.51.100.0/32 inbound (rule 1).',
                      outcome: 'done',
                    },
                  ],
                }),
              ],
            },
          },
        ],
      },
    });
    const env = {
      PLAYBOOK_PREFIX: 'rebaseline-prod-',
      AUTOMATIC_PLAYBOOKS: automatic,
      AUTOMATION_ROLES: JSON.stringify({
        'block-ip': 'arn:aws:iam::123456789012:role/rebaseline/prod/incident/block',
      }),
      CUSTOM_ACTIONS: JSON.stringify({ RblProdIso: 'isolate-ec2-instance' }),
      RESPONSE_SETTINGS: JSON.stringify({
        topicArn: TopicArn,
        stateTable: 'rebaseline-prod-incident-state',
        ...settings,
      }),
      MIN_SEVERITY: '7',
      WAIT_SECONDS: '10',
    };
    const router = createRouter(() => aws, { env, sleep: async () => undefined });
    return { router, subscriber };
  }

  it('automatic response on: starts the playbook with the finding’s parameters and notifies what it did', async () => {
    const { router, subscriber } = await setup('block-ip');
    try {
      const [summary] = await router(guardDutyEvent({ severity: 8 }));
      const start = ssm.commandCalls(StartAutomationExecutionCommand)[0]!.args[0].input;
      expect(start.DocumentName).to.equal('rebaseline-prod-block-ip');
      expect(start.Parameters).to.deep.include({
        IpAddresses: ['198.51.100.0'],
        InstanceId: ['i-99999999'],
        FindingId: ['02be5693b63eea1d67e6f321c6aee4f3'],
        AutomationAssumeRole: ['arn:aws:iam::123456789012:role/rebaseline/prod/incident/block'],
        LambdaFunctionName: ['rebaseline-prod-block-ip'],
        StateTable: ['rebaseline-prod-incident-state'],
      });
      expect(summary!.playbooks.map((p) => [p.playbook, p.status])).to.deep.equal([['block-ip', 'Success']]);
      const delivery = await subscriber.next();
      expect(delivery.Subject).to.contain('UnauthorizedAccess:EC2/SSHBruteForce');
      expect(delivery.Message).to.contain(
        '[done] ec2:CreateNetworkAclEntry acl-1: Deny 198.51.100.0/32 inbound (rule 1).',
      );
    } finally {
      await subscriber.close();
    }
  });

  it('automatic response off (the default): nothing starts; the notification says how a person runs it', async () => {
    const { router, subscriber } = await setup('');
    try {
      const [summary] = await router(guardDutyEvent({ severity: 8 }));
      expect(ssm.commandCalls(StartAutomationExecutionCommand)).to.have.length(0);
      expect(summary!.playbooks[0]!.message).to.contain('Automatic response is off for block-ip');
      expect((await subscriber.next()).Message).to.contain('rebaseline respond --finding');
    } finally {
      await subscriber.close();
    }
  });

  it('a Security Hub custom action is a person’s choice: it runs even with automatic response off', async () => {
    const { router, subscriber } = await setup('');
    try {
      const event = fixture<{ detail: { findings: Record<string, unknown>[] }; resources: string[] }>(
        'corpus/eventbridge/c7n__event-securityhub-iamkey-finding-action.json',
      );
      event.resources = ['arn:aws:securityhub:us-east-1:123456789012:action/custom/RblProdIso'];
      event.detail.findings[0] = {
        ...event.detail.findings[0],
        AwsAccountId: '123456789012',
        Resources: [
          {
            Type: 'AwsEc2Instance',
            Id: 'arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0',
            Region: 'us-east-1',
          },
        ],
      };
      const [summary] = await router(event);
      expect(
        ssm.commandCalls(StartAutomationExecutionCommand).map((c) => c.args[0].input.DocumentName),
      ).to.deep.equal(['rebaseline-prod-isolate-ec2-instance']);
      expect(summary!.actor).to.equal('Security Hub custom action RblProdIso');
      await subscriber.next();
    } finally {
      await subscriber.close();
    }
  });

  it('a finding about another account is only notified', async () => {
    const { router, subscriber } = await setup('block-ip');
    try {
      const [summary] = await router(guardDutyEvent({ severity: 8, accountId: '210987654321' }));
      expect(ssm.commandCalls(StartAutomationExecutionCommand)).to.have.length(0);
      expect(summary!.playbooks[0]!.message).to.contain('this stack acts in 123456789012 only');
      await subscriber.next();
    } finally {
      await subscriber.close();
    }
  });

  it('a malformed finding starts nothing and is not thrown back for retries: one notification names the field', async () => {
    const { router, subscriber } = await setup('block-ip,isolate-ec2-instance');
    try {
      const batch = {
        source: 'aws.securityhub',
        'detail-type': 'Security Hub Findings - Imported',
        detail: { findings: ['not a finding'] },
      };
      for (const [input, field] of [
        [guardDutyEvent({ severity: '8' }), 'detail.severity'],
        [
          guardDutyEvent({ resource: { instanceDetails: { instanceId: 'i-$(reboot)' } } }),
          'detail.resource.instanceDetails.instanceId',
        ],
        [batch, 'detail.findings[0]'],
      ] as const) {
        expect(await router(input)).to.deep.equal([]);
        const delivery = await subscriber.next();
        expect(delivery.Subject).to.equal(`[rebaseline] Malformed finding: ${field}`);
        expect(delivery.Message).to.contain(`cannot read: ${field} `);
        expect(delivery.Message).to.contain('No playbook was started.');
      }
      expect(ssm.commandCalls(StartAutomationExecutionCommand)).to.have.length(0);
    } finally {
      await subscriber.close();
    }
  });

  it('a port probe of 60 addresses: block-ip in executions whose parameters SSM accepts (≤ 512 characters), every address once', async () => {
    const { router, subscriber } = await setup('block-ip');
    try {
      const addresses = Array.from({ length: 60 }, (_, i) => `203.0.113.${100 + i}`);
      const [summary] = await router(
        guardDutyEvent(
          merge(portProbe(addresses), { severity: 8, type: 'Recon:EC2/PortProbeUnprotectedPort' }),
        ),
      );
      const sent = ssm
        .commandCalls(StartAutomationExecutionCommand)
        .map((c) => c.args[0].input.Parameters!.IpAddresses!);
      expect(sent).to.have.length(2);
      for (const values of sent) {
        expect(values).to.have.length(1);
        expect(values[0]!.length).to.be.at.most(512);
      }
      expect(sent.flatMap((v) => v[0]!.split(','))).to.deep.equal(addresses);
      expect(summary!.playbooks.map((p) => [p.playbook, p.status])).to.deep.equal([
        ['block-ip', 'Success'],
        ['block-ip', 'Success'],
      ]);
      await subscriber.next();
    } finally {
      await subscriber.close();
    }
  });

  it('a parameter longer than SSM takes: the playbook is not started, the notification says which and why', async () => {
    const arn = (n: number) =>
      `arn:aws:wafv2:us-east-1:123456789012:regional/ipset/rebaseline-prod-blocked-extra-${n}/a1b2c3d4-5678-90ab-cdef-0000000000${n}`;
    const { router, subscriber } = await setup('block-ip', {
      wafIpSetArns: [1, 2, 3, 4, 5].map(arn).join(','),
    });
    try {
      const [summary] = await router(guardDutyEvent({ severity: 8 }));
      expect(ssm.commandCalls(StartAutomationExecutionCommand)).to.have.length(0);
      expect(summary!.playbooks[0]).to.deep.include({ playbook: 'block-ip', status: 'Failed' });
      expect(summary!.playbooks[0]!.message).to.match(/at most 512 characters .* WafIpSetArns has \d{3}/);
      expect((await subscriber.next()).Message).to.contain('WafIpSetArns has');
    } finally {
      await subscriber.close();
    }
  });
});
