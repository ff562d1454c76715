import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { expect } from 'chai';
import { matchesEventPattern } from '../../../shared/incident/event-pattern';
import { guardDutyEvent } from '../../helpers/findings';
import { TEST_CREDENTIALS, useMoto } from '../../helpers/moto';

type Json = Record<string, unknown>;

/**
 * The local matcher against the emulator's own PutEvents → rule → SQS delivery, where the emulator is faithful
 * (exact, prefix, numeric, anything-but, exists, $or, cidr). Arrays of objects are left out: the emulator never
 * matches them, EventBridge flattens them (event-pattern.test.ts has that case, from EventBridge's documentation).
 */
const PATTERNS: [string, Json][] = [
  ['guardduty-high', { source: ['aws.guardduty'], detail: { severity: [{ numeric: ['>=', 7] }] } }],
  ['instances', { source: ['aws.guardduty'], detail: { resource: { resourceType: ['Instance'] } } }],
  ['brute-force-prefix', { detail: { type: [{ prefix: 'UnauthorizedAccess:EC2/' }] } }],
  ['not-canary', { detail: { type: [{ 'anything-but': { prefix: 'Canary:' } }] } }],
  ['has-account', { detail: { accountId: [{ exists: true }] } }],
  ['no-account', { detail: { accountId: [{ exists: false }] } }],
  [
    'either',
    {
      $or: [{ detail: { severity: [{ numeric: ['<', 3] }] } }, { detail: { type: ['Recon:EC2/Portscan'] } }],
    },
  ],
  [
    'attacker-in-test-net',
    {
      detail: {
        service: {
          action: {
            networkConnectionAction: { remoteIpDetails: { ipAddressV4: [{ cidr: '198.51.100.0/24' }] } },
          },
        },
      },
    },
  ],
];

const EVENTS: [string, Json][] = [
  ['ssh-high', guardDutyEvent({ severity: 8 })],
  ['ssh-low', guardDutyEvent({ severity: 2 })],
  ['portscan', guardDutyEvent({ severity: 5, type: 'Recon:EC2/Portscan' })],
  [
    'canary-no-account',
    guardDutyEvent({ severity: 9, type: 'Canary:EC2/Stateless.IntegTest', accountId: undefined }),
  ],
  ['access-key', guardDutyEvent({ severity: 7, resource: { resourceType: 'AccessKey' } })],
  [
    'other-attacker',
    guardDutyEvent({
      service: { action: { networkConnectionAction: { remoteIpDetails: { ipAddressV4: '203.0.113.9' } } } },
    }),
  ],
];

describe('EventBridge event patterns: the local matcher agrees with the emulator’s delivery', function () {
  this.timeout(120_000);
  const moto = useMoto();

  it('for every pattern and event', async () => {
    const config = { region: 'us-east-1', endpoint: moto.endpoint, credentials: TEST_CREDENTIALS };
    const events = new EventBridgeClient(config);
    const sqs = new SQSClient(config);
    await events.send(new CreateEventBusCommand({ Name: 'findings' }));
    const queues = new Map<string, string>();
    for (const [name, pattern] of PATTERNS) {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
      );
      await events.send(
        new PutRuleCommand({ Name: name, EventBusName: 'findings', EventPattern: JSON.stringify(pattern) }),
      );
      await events.send(
        new PutTargetsCommand({
          Rule: name,
          EventBusName: 'findings',
          Targets: [{ Id: 'q', Arn: Attributes!.QueueArn! }],
        }),
      );
      queues.set(name, QueueUrl!);
    }
    for (const [, event] of EVENTS) {
      const {
        source,
        'detail-type': detailType,
        detail,
      } = event as { source: string; 'detail-type': string; detail: Json };
      await events.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: 'findings',
              Source: source,
              DetailType: detailType,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
    }
    const delivered: string[] = [];
    const expected: string[] = [];
    for (const [name, pattern] of PATTERNS) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queues.get(name), MaxNumberOfMessages: 10 }),
      );
      for (const message of Messages) {
        const body = JSON.parse(message.Body ?? '{}') as { detail: Json };
        const match = EVENTS.find(([, e]) => JSON.stringify(e.detail) === JSON.stringify(body.detail));
        delivered.push(`${name} ← ${match?.[0] ?? 'unknown event'}`);
      }
      for (const [eventName, event] of EVENTS)
        if (matchesEventPattern(pattern, event)) expected.push(`${name} ← ${eventName}`);
    }
    expect(delivered.sort()).to.deep.equal(expected.sort());
    expect(expected.length).to.be.greaterThan(10);
  });
});
