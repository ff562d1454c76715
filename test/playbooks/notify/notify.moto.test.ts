import { CreateTopicCommand, PublishCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { expect } from 'chai';
import { messageOf, subjectOf } from '../../../playbooks/notify/plan';
import { SNS } from '../../../shared/aws/services/sns';
import type { ResponseSummary } from '../../../shared/incident/summary';
import { useMoto } from '../../helpers/moto';
import { startSubscriber } from '../../helpers/sns-subscriber';
import { motoClients, runPlaybook } from '../helpers';

/** A response as rebaseline writes it: an SSH brute force from 203.0.113.7 against i-0123…, blocked. */
function summary(applied = true): ResponseSummary {
  return {
    finding: {
      source: 'guardduty',
      id: '02be5693b63eea1d67e6f321c6aee4f3',
      type: 'UnauthorizedAccess:EC2/SSHBruteForce',
      severity: 8,
      severityBand: 'HIGH',
      accountId: '123456789012',
      region: 'us-east-1',
      partition: 'aws',
      resourceRole: 'TARGET',
      connectionDirection: 'INBOUND',
      title: '203.0.113.7 is performing SSH brute force attacks against i-0123456789abcdef0.',
      sample: false,
      resource: 'i-0123456789abcdef0',
      instanceId: 'i-0123456789abcdef0',
      remoteIps: ['203.0.113.7', '10.1.2.3'],
      domains: [],
    },
    decision: {
      notifyOnly: false,
      playbooks: ['block-ip', 'notify'],
      reasons: ['The remote address attacks the instance (resource role TARGET): its traffic is denied.'],
      spared: [{ address: '10.1.2.3', reason: 'is in the allow-list (10.0.0.0/8)' }],
    },
    applied,
    playbooks: [
      {
        playbook: 'block-ip',
        status: 'Success',
        executionId: '5f0c2f1e-2b1a-4c55-8d7e-0a1b2c3d4e5f',
        calls: [
          {
            step: 'BlockInNetworkAcls',
            action: 'ec2:CreateNetworkAclEntry',
            resource: 'acl-0123456789abcdef0',
            why: 'Deny 203.0.113.7/32 inbound (rule 1).',
            outcome: applied ? 'done' : 'planned',
          },
        ],
        notes: [],
      },
    ],
    startedAt: '2026-11-28T10:00:00.000Z',
    endedAt: '2026-11-28T10:00:02.000Z',
    actor: 'alice',
  };
}

describe('playbook notify', function () {
  this.timeout(60_000);

  it('the subject names severity, type and resource in at most 100 printable characters', () => {
    expect(subjectOf(summary())).to.equal(
      '[rebaseline] HIGH 8 UnauthorizedAccess:EC2/SSHBruteForce on i-0123456789abcdef0 (contained)',
    );
    expect(subjectOf(summary(false))).to.contain('(dry-run)');
    const long = summary();
    long.finding.type = `Recon:EC2/${'x'.repeat(200)}`;
    long.finding.resource = 'i-ü';
    expect(subjectOf(long)).to.have.length(100);
    expect(subjectOf(long)).to.match(/^[\x20-\x7E]+$/);
  });

  it('the body: what was found, the decision, each step, how to release, console links', () => {
    const body = messageOf(summary());
    for (const part of [
      'WHAT WAS FOUND',
      'UnauthorizedAccess:EC2/SSHBruteForce, severity 8 (HIGH)',
      'Remote addresses: 203.0.113.7, 10.1.2.3',
      'Not blocked: 10.1.2.3 is in the allow-list (10.0.0.0/8).',
      '[done] ec2:CreateNetworkAclEntry acl-0123456789abcdef0: Deny 203.0.113.7/32 inbound (rule 1).',
      'rebaseline release --ip 203.0.113.7 --apply',
      'https://us-east-1.console.aws.amazon.com/guardduty/home?region=us-east-1#/findings?fId=02be5693b63eea1d67e6f321c6aee4f3',
      'InstanceDetails:instanceId=i-0123456789abcdef0',
      'systems-manager/automation/execution/5f0c2f1e-2b1a-4c55-8d7e-0a1b2c3d4e5f',
    ])
      expect(body).to.contain(part);
    expect(messageOf(summary(false))).to.contain('DRY-RUN: nothing was changed');
    expect(messageOf(summary(false))).to.contain('[planned] ec2:CreateNetworkAclEntry');
  });

  describe('on moto_server, with a real HTTP subscriber on loopback', () => {
    const moto = useMoto();

    it('delivers one message with that subject and body', async () => {
      const aws = motoClients(moto.endpoint);
      const subscriber = await startSubscriber();
      try {
        const { TopicArn } = await aws.get(SNS).send(new CreateTopicCommand({ Name: 'security-incidents' }));
        await aws
          .get(SNS)
          .send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: subscriber.url }));
        const execution = await runPlaybook('notify', aws, { TopicArn, Summary: JSON.stringify(summary()) });
        expect(execution.status, execution.failureMessage).to.equal('Success');
        const delivery = await subscriber.next();
        expect(delivery).to.include({ Type: 'Notification', TopicArn, Subject: subjectOf(summary()) });
        expect(delivery.Message).to.equal(messageOf(summary()));
        expect(subscriber.deliveries, 'one message per response').to.deep.equal([]);
      } finally {
        await subscriber.close();
      }
    });

    it('dry-run: the exact message is planned, nothing is delivered', async () => {
      const aws = motoClients(moto.endpoint);
      const subscriber = await startSubscriber();
      try {
        const { TopicArn } = await aws.get(SNS).send(new CreateTopicCommand({ Name: 'security-incidents' }));
        await aws
          .get(SNS)
          .send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: subscriber.url }));
        const execution = await runPlaybook(
          'notify',
          aws,
          { TopicArn, Summary: JSON.stringify(summary(false)) },
          { dryRun: true },
        );
        expect(execution.status, execution.failureMessage).to.equal('Success');
        expect(execution.plan).to.have.length(1);
        expect(execution.plan[0]!.inputs).to.deep.equal({
          TopicArn,
          Subject: subjectOf(summary(false)),
          Message: messageOf(summary(false)),
        });
        // Nothing was sent: the first message the subscriber gets is a marker published after the dry-run.
        await aws.get(SNS).send(new PublishCommand({ TopicArn, Message: 'marker' }));
        expect((await subscriber.next()).Message).to.equal('marker');
      } finally {
        await subscriber.close();
      }
    });
  });
});
