import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateTagsCommand,
  DescribeNetworkAclsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
} from '@aws-sdk/client-ec2';
import { CreateTopicCommand, SubscribeCommand } from '@aws-sdk/client-sns';
import { expect } from 'chai';
import { recordResponse } from '../../app/history/incidents';
import { HistoryStore } from '../../app/history/store';
import { respondToFindings } from '../../app/respond';
import { PLAYBOOKS } from '../../playbooks';
import type { AwsClients } from '../../shared/aws/clients';
import { EC2 } from '../../shared/aws/services/ec2';
import { SNS } from '../../shared/aws/services/sns';
import { MalformedFindingError } from '../../shared/errors';
import { guardDutyEvent, merge } from '../helpers/findings';
import { FIXTURES, fixture } from '../helpers/fixtures';
import { useMoto } from '../helpers/moto';
import { startSubscriber } from '../helpers/sns-subscriber';
import {
  ACCOUNT,
  createWorkload,
  motoClients,
  replaceGroupsLikeAws,
  type Workload,
} from '../playbooks/helpers';

/** The corpus SSH brute-force sample, adapted to a workload of the emulator (its account, its instance). */
function findingFor(w: Workload, patch: unknown = {}) {
  return guardDutyEvent(
    merge(
      {
        severity: 8,
        resource: {
          instanceDetails: {
            instanceId: w.instanceId,
            networkInterfaces: [
              { subnetId: w.subnetId, vpcId: w.vpcId, networkInterfaceId: w.primaryInterfaceId },
            ],
          },
        },
      },
      patch,
    ),
  );
}

/**
 * A recorded finding pointed at a workload of the emulator: its instance, interface, subnet, VPC and group ids, and
 * every account id, become the workload's (the rest of the finding is kept as recorded).
 */
function adaptedTo(w: Workload, finding: unknown): unknown {
  const ids: [RegExp, string][] = [
    [/^i-[0-9a-f]{8,17}$/, w.instanceId],
    [/^eni-[0-9a-f]{8,17}$/, w.primaryInterfaceId],
    [/^subnet-[0-9a-f]{8,17}$/, w.subnetId],
    [/^vpc-[0-9a-f]{8,17}$/, w.vpcId],
    [/^sg-[0-9a-f]{8,17}$/, w.appGroupId],
  ];
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    if (typeof value !== 'string') return value;
    const id = ids.find(([pattern]) => pattern.test(value));
    return id ? id[1] : value.replace(/\b\d{12}\b/g, ACCOUNT);
  };
  return walk(finding);
}

async function denies(aws: AwsClients, w: Workload) {
  const acl = (
    await aws.get(EC2).send(
      new DescribeNetworkAclsCommand({
        Filters: [{ Name: 'association.subnet-id', Values: [w.subnetId] }],
      }),
    )
  ).NetworkAcls![0]!;
  return (acl.Entries ?? [])
    .filter((e) => e.RuleAction === 'deny' && e.RuleNumber! < 32767)
    .map((e) => `${e.Egress ? 'out' : 'in'} ${e.CidrBlock ?? e.Ipv6CidrBlock}`);
}

async function groupsOf(aws: AwsClients, w: Workload) {
  const eni = (
    await aws
      .get(EC2)
      .send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [w.primaryInterfaceId] }))
  ).NetworkInterfaces![0]!;
  return eni.Groups!.map((g) => g.GroupName);
}

describe('rebaseline respond: the flow (moto_server)', function () {
  this.timeout(180_000);
  const moto = useMoto();

  it('every corpus finding, adapted to a workload of the emulator: decided, dry-run changes nothing, --apply acts', async () => {
    const aws = replaceGroupsLikeAws(motoClients(moto.endpoint));
    // What each recorded finding gets with no severity floor: archived samples and types no row answers are only
    // notified; the brute force against the instance blocks its attacker; the C&C domain query isolates.
    const expected: Record<string, string[]> = {
      'aws-samples__automated-response__guardduty_ec2_event.json': ['notify'],
      'aws-samples__automated-response__guardduty_iam_event.json': ['notify'],
      'aws-samples__automated-response__guardduty_s3_event.json': ['notify'],
      'aws-samples__guardduty-waf-acl__gd2acl_test_event.json': ['block-ip', 'notify'],
      'c7n__ec2-duty-event.json': ['isolate-ec2-instance', 'notify'],
      'c7n__iam-duty-event.json': ['notify'],
    };
    const files = readdirSync(join(FIXTURES, 'corpus', 'guardduty')).filter((f) => f.endsWith('.json'));
    expect(files.sort()).to.deep.equal(Object.keys(expected).sort());
    for (const [index, file] of files.entries()) {
      const w = await createWorkload(aws, `corpus${index}`);
      const input = adaptedTo(w, fixture(join('corpus', 'guardduty', file)));
      const run = (apply: boolean) =>
        respondToFindings({ input, clients: aws, playbooks: PLAYBOOKS, apply, decision: { minSeverity: 0 } });
      const outcomes = (r: Awaited<ReturnType<typeof run>>[number]) =>
        JSON.stringify(
          r.runs.map((x) => [x.playbook, x.execution?.status, x.execution?.failureMessage ?? x.skipped]),
        );

      const [dry] = await run(false);
      expect(
        dry!.decision.responses.map((r) => r.playbook),
        file,
      ).to.deep.equal(expected[file]);
      expect(dry!.failed, `${file} ${outcomes(dry!)}`).to.equal(false);
      expect(dry!.applied).to.equal(false);
      expect(await denies(aws, w), file).to.deep.equal([]);
      expect(await groupsOf(aws, w), file).to.deep.equal([`corpus${index}-app`]);

      const [applied] = await run(true);
      expect(applied!.failed, `${file} ${outcomes(applied!)}`).to.equal(false);
      const playbooks = expected[file]!;
      expect(await denies(aws, w), file).to.deep.equal(
        playbooks.includes('block-ip') ? ['in 198.51.100.0/32'] : [],
      );
      expect(await groupsOf(aws, w), file).to.deep.equal(
        playbooks.includes('isolate-ec2-instance') ? ['rebaseline-isolation'] : [`corpus${index}-app`],
      );
    }
  });

  it('a malformed finding is a typed error before anything runs', async () => {
    const aws = motoClients(moto.endpoint);
    const error = await respondToFindings({
      input: guardDutyEvent({ type: undefined }),
      clients: aws,
      playbooks: PLAYBOOKS,
      apply: true,
    }).catch((e) => e);
    expect(error).to.be.instanceOf(MalformedFindingError);
  });

  it('SSH brute force against the instance: dry-run plans, --apply blocks, one notification, recorded in the history', async () => {
    const aws = replaceGroupsLikeAws(motoClients(moto.endpoint));
    const w = await createWorkload(aws);
    const subscriber = await startSubscriber();
    const store = HistoryStore.open(':memory:');
    try {
      const { TopicArn } = await aws.get(SNS).send(new CreateTopicCommand({ Name: 'incidents' }));
      await aws.get(SNS).send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: subscriber.url }));
      const input = findingFor(w, {
        service: { action: { networkConnectionAction: { remoteIpDetails: { ipAddressV4: '203.0.113.7' } } } },
      });
      const settings = { topicArn: TopicArn! };
      const [dry] = await respondToFindings({
        input,
        clients: aws,
        playbooks: PLAYBOOKS,
        apply: false,
        settings,
      });
      expect(dry!.decision.responses.map((r) => r.playbook)).to.deep.equal(['block-ip', 'notify']);
      expect(
        dry!.steps
          .filter((s) => s.action === 'ec2:CreateNetworkAclEntry')
          .map((s) => [s.outcome, s.inputs.CidrBlock]),
      ).to.deep.equal([['planned', '203.0.113.7/32']]);
      expect(await denies(aws, w)).to.deep.equal([]);
      expect(
        dry!.steps.find((s) => s.action === 'sns:Publish')?.outcome,
        'a dry-run only plans the message',
      ).to.equal('planned');

      const [applied] = await respondToFindings({
        input,
        clients: aws,
        playbooks: PLAYBOOKS,
        apply: true,
        settings,
        actor: 'tester',
      });
      expect(applied!.failed, JSON.stringify(applied!.runs.map((r) => r.execution?.failureMessage))).to.equal(
        false,
      );
      expect(await denies(aws, w)).to.deep.equal(['in 203.0.113.7/32']);
      expect(await groupsOf(aws, w), 'the victim keeps running as it was').to.deep.equal(['web-app']);
      const message = await subscriber.next();
      expect(subscriber.deliveries, 'the dry-run sent nothing, the apply one message').to.deep.equal([]);
      expect(message.Subject).to.equal(
        `[rebaseline] HIGH 8 UnauthorizedAccess:EC2/SSHBruteForce on ${w.instanceId} (contained)`,
      );
      expect(message.Message).to.contain('[done] ec2:CreateNetworkAclEntry');

      recordResponse(store.incidents(), applied!);
      const [row] = store.incidents().list();
      expect(row).to.deep.include({
        findingId: '02be5693b63eea1d67e6f321c6aee4f3',
        status: 'contained',
        applied: true,
        actor: 'tester',
        resource: w.instanceId,
      });
      expect(row!.containedAt).to.be.a('string');
      expect(row!.notifiedAt).to.be.a('string');
      expect(
        row!.steps.some((s) => s.action === 'ec2:CreateNetworkAclEntry' && s.outcome === 'done'),
      ).to.equal(true);
    } finally {
      store.close();
      await subscriber.close();
    }
  });

  it('Recon:EC2/Portscan: the instance is isolated and its victim is never blocked', async () => {
    const aws = replaceGroupsLikeAws(motoClients(moto.endpoint));
    const w = await createWorkload(aws);
    const input = findingFor(w, {
      type: 'Recon:EC2/Portscan',
      service: {
        resourceRole: 'ACTOR',
        action: {
          networkConnectionAction: {
            connectionDirection: 'OUTBOUND',
            remoteIpDetails: { ipAddressV4: '203.0.113.99' },
          },
        },
      },
    });
    const [response] = await respondToFindings({ input, clients: aws, playbooks: PLAYBOOKS, apply: true });
    expect(response!.failed, JSON.stringify(response!.runs.map((r) => r.execution?.failureMessage))).to.equal(
      false,
    );
    expect(response!.decision.spared.map((s) => s.address)).to.deep.equal(['203.0.113.99']);
    expect(await denies(aws, w)).to.deep.equal([]);
    expect(await groupsOf(aws, w)).to.deep.equal(['rebaseline-isolation']);
  });

  it('command and control: blocked both ways, then isolated', async () => {
    const aws = replaceGroupsLikeAws(motoClients(moto.endpoint));
    const w = await createWorkload(aws);
    const input = findingFor(w, {
      type: 'Backdoor:EC2/C&CActivity.B',
      service: {
        resourceRole: 'ACTOR',
        action: {
          networkConnectionAction: {
            connectionDirection: 'OUTBOUND',
            remoteIpDetails: { ipAddressV4: '203.0.113.66' },
          },
        },
      },
    });
    const [response] = await respondToFindings({ input, clients: aws, playbooks: PLAYBOOKS, apply: true });
    expect(response!.runs.map((r) => [r.playbook, r.execution?.status ?? r.skipped])).to.deep.equal([
      ['block-ip', 'Success'],
      ['isolate-ec2-instance', 'Success'],
      ['notify', 'No SNS topic is configured (--topic-arn): nobody is told.'],
    ]);
    expect((await denies(aws, w)).sort()).to.deep.equal(['in 203.0.113.66/32', 'out 203.0.113.66/32']);
    expect(await groupsOf(aws, w)).to.deep.equal(['rebaseline-isolation']);
  });

  describe('filters: nothing but a notification', () => {
    for (const [name, patch, tag] of [
      ['a severity below the threshold', { severity: 5 }, false],
      ['the skip tag (read live: the finding does not carry it)', {}, true],
      ['an unknown finding type', { type: 'Canary:EC2/Stateless.IntegTest' }, false],
    ] as const)
      it(name, async () => {
        const aws = motoClients(moto.endpoint);
        const w = await createWorkload(aws);
        if (tag)
          await aws.get(EC2).send(
            new CreateTagsCommand({
              Resources: [w.instanceId],
              Tags: [{ Key: 'rebaseline:incident-response', Value: 'skip' }],
            }),
          );
        const subscriber = await startSubscriber();
        try {
          const { TopicArn } = await aws.get(SNS).send(new CreateTopicCommand({ Name: 'incidents' }));
          await aws
            .get(SNS)
            .send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: subscriber.url }));
          const groups = await aws.get(EC2).send(new DescribeSecurityGroupsCommand({}));
          const input = findingFor(
            w,
            merge(
              {
                service: {
                  action: { networkConnectionAction: { remoteIpDetails: { ipAddressV4: '203.0.113.7' } } },
                },
              },
              patch,
            ),
          );
          const [response] = await respondToFindings({
            input,
            clients: aws,
            playbooks: PLAYBOOKS,
            apply: true,
            settings: { topicArn: TopicArn! },
          });
          expect(await denies(aws, w)).to.deep.equal([]);
          expect(
            (await aws.get(EC2).send(new DescribeSecurityGroupsCommand({}))).SecurityGroups,
          ).to.have.length(groups.SecurityGroups!.length);
          const delivery = await subscriber.next();
          if (tag) {
            // The finding does not carry the tag, so the decision blocks; block-ip reads the tag live and refuses.
            expect(
              response!.steps.filter((s) => s.outcome === 'done' && s.playbook !== 'notify'),
            ).to.deep.equal([]);
            expect(delivery.Message).to.contain('is tagged rebaseline:incident-response=skip');
          } else {
            expect(response!.decision.notifyOnly).to.equal(true);
            expect(response!.runs.map((r) => r.playbook)).to.deep.equal(['notify']);
            expect(delivery.Subject).to.contain('(notified)');
          }
        } finally {
          await subscriber.close();
        }
      });
  });

  it('refuses to act in another account than the finding’s', async () => {
    const aws = motoClients(moto.endpoint);
    const w = await createWorkload(aws);
    const [response] = await respondToFindings({
      input: findingFor(w, { accountId: '210987654321' }),
      clients: aws,
      playbooks: PLAYBOOKS,
      apply: true,
    });
    expect(response!.failed).to.equal(true);
    expect(response!.runs[0]!.skipped).to.contain(
      'The finding is about account 210987654321, but these credentials are for account 123456789012',
    );
    expect(await denies(aws, w)).to.deep.equal([]);
  });
});
