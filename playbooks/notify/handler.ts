import { GetTopicAttributesCommand, PublishCommand } from '@aws-sdk/client-sns';
import type { AwsClients } from '../../shared/aws/clients';
import { SNS } from '../../shared/aws/services/sns';
import { awsErrorName, RemediationInputError } from '../../shared/errors';
import type { StepResult } from '../../shared/incident/calls';
import {
  type PlaybookInvocation,
  playbookLambda,
  runStage,
  sender,
  verified,
} from '../../shared/incident/playbook-lambda';
import type { ResponseSummary } from '../../shared/incident/summary';
import { ACCOUNT_ID_FIELD, payloadParser } from '../../shared/remediation/payload';
import { messageOf, subjectOf } from './plan';

export const PLAYBOOK_ID = 'notify';

const MODES = ['publish', 'verify'] as const;
type Mode = (typeof MODES)[number];

export interface NotifyPayload {
  Mode: Mode;
  AccountId: string;
  TopicArn: string;
  /** The response, as JSON (`ResponseSummary`). */
  Summary: string;
  DryRun?: boolean;
}

export const parsePayload = payloadParser<NotifyPayload>(PLAYBOOK_ID, {
  type: 'object',
  required: ['Mode', 'AccountId', 'TopicArn', 'Summary'],
  properties: {
    Mode: { enum: [...MODES] },
    AccountId: ACCOUNT_ID_FIELD,
    TopicArn: {
      type: 'string',
      pattern: '^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}$',
      description: 'an SNS topic ARN',
    },
    Summary: { type: 'string', description: 'a response summary as JSON' },
  },
});

function summaryOf(payload: NotifyPayload): ResponseSummary {
  try {
    const summary = JSON.parse(payload.Summary) as ResponseSummary;
    if (!summary?.finding?.type || !summary.decision || !Array.isArray(summary.playbooks))
      throw new TypeError('not a response summary');
    return summary;
  } catch (cause) {
    throw new RemediationInputError(
      `notify: Summary must be a response summary as JSON (finding, decision, playbooks).`,
      { cause },
    );
  }
}

export const SENDS = { 'sns:Publish': [SNS, PublishCommand] } as const;

async function stage(aws: AwsClients, payload: NotifyPayload): Promise<StepResult> {
  const dryRun = payload.DryRun === true;
  const summary = summaryOf(payload);
  if (payload.Mode === 'publish') {
    const subject = subjectOf(summary);
    const call = {
      service: 'sns',
      api: 'Publish',
      resource: payload.TopicArn,
      inputs: { TopicArn: payload.TopicArn, Subject: subject, Message: messageOf(summary) },
      why: `Tell the subscribers of ${payload.TopicArn}: ${subject}`,
    };
    return runStage('publish', dryRun, { calls: [call], notes: [] }, sender(aws, SENDS), 'Notify.');
  }
  try {
    const attributes =
      (await aws.get(SNS).send(new GetTopicAttributesCommand({ TopicArn: payload.TopicArn }))).Attributes ??
      {};
    const confirmed = Number(attributes.SubscriptionsConfirmed ?? '0');
    return verified('verify', dryRun, [], `the topic ${payload.TopicArn} exists`, [
      confirmed > 0
        ? `${confirmed} confirmed subscription(s).`
        : 'Nobody has confirmed a subscription to the topic: the message reaches no one.',
    ]);
  } catch (error) {
    if (awsErrorName(error) !== 'NotFound' && awsErrorName(error) !== 'NotFoundException') throw error;
    return verified(
      'verify',
      dryRun,
      [`the topic ${payload.TopicArn} does not exist.`],
      'the notification was published',
    );
  }
}

/** The Lambda of `notify`: composes and publishes the response's one message, then checks the topic. */
export function createHandler(
  clients?: (region: string) => AwsClients,
): (payload: unknown, context?: PlaybookInvocation) => Promise<StepResult> {
  const run = async (payload: NotifyPayload, aws: AwsClients) => stage(aws, payload);
  return playbookLambda({ id: PLAYBOOK_ID, parse: parsePayload, run }, clients);
}

export const handler = createHandler();
