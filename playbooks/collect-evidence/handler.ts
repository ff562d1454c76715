import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { GetObjectTaggingCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../shared/aws/clients';
import { EC2 } from '../../shared/aws/services/ec2';
import { S3 } from '../../shared/aws/services/s3';
import { awsErrorName } from '../../shared/errors';
import { type StepResult, stepResult } from '../../shared/incident/calls';
import { checkSkipTag, readInstance } from '../../shared/incident/instance';
import {
  type PlaybookInvocation,
  playbookLambda,
  TEXT_FIELD,
  verified,
} from '../../shared/incident/playbook-lambda';
import { ACCOUNT_ID_FIELD, payloadParser } from '../../shared/remediation/payload';
import { EVIDENCE_TAGS, evidenceKey, evidencePrefix } from './plan';

export const PLAYBOOK_ID = 'collect-evidence';

const MODES = ['plan', 'verify'] as const;
type Mode = (typeof MODES)[number];

export interface CollectPayload {
  Mode: Mode;
  AccountId: string;
  InstanceId: string;
  FindingId: string;
  EvidenceBucket: string;
  /** verify: the prefix the plan chose. */
  EvidencePrefix?: string;
  SkipTagKey?: string;
  SkipTagValue?: string;
  DryRun?: boolean;
}

export const parsePayload = payloadParser<CollectPayload>(PLAYBOOK_ID, {
  type: 'object',
  required: ['Mode', 'AccountId', 'InstanceId', 'FindingId', 'EvidenceBucket'],
  properties: {
    Mode: { enum: [...MODES] },
    AccountId: ACCOUNT_ID_FIELD,
    InstanceId: { type: 'string', pattern: '^i-[0-9a-f]{8,17}$', description: 'an instance id' },
    FindingId: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,255}$',
      description: 'a finding id',
    },
    EvidenceBucket: {
      type: 'string',
      pattern: '^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$',
      description: 'a bucket name',
    },
    EvidencePrefix: { ...TEXT_FIELD, default: '' },
    SkipTagKey: { ...TEXT_FIELD, default: 'rebaseline:incident-response' },
    SkipTagValue: { ...TEXT_FIELD, default: 'skip' },
  },
});

async function platformOf(aws: AwsClients, instanceId: string): Promise<'Linux' | 'Windows'> {
  const out = await aws.get(EC2).send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const platform = out.Reservations?.[0]?.Instances?.[0]?.Platform;
  return platform?.toLowerCase() === 'windows' ? 'Windows' : 'Linux';
}

async function stage(aws: AwsClients, payload: CollectPayload, now: Date): Promise<StepResult> {
  const dryRun = payload.DryRun === true;
  const instance = await readInstance(aws, payload.InstanceId, { attributes: false });
  const skipped = checkSkipTag(instance, payload.SkipTagKey ?? '', payload.SkipTagValue ?? '');
  const stopped =
    instance.state !== 'running'
      ? `${payload.InstanceId} is ${instance.state}: there is no volatile data to capture.`
      : undefined;
  const platform = await platformOf(aws, payload.InstanceId);
  if (payload.Mode === 'plan') {
    const prefix = evidencePrefix(payload.FindingId, payload.InstanceId, now);
    const why = skipped ?? stopped;
    return {
      ...stepResult(
        'plan',
        dryRun,
        [],
        why ? [why] : [],
        why ??
          `Capture the volatile data of ${payload.InstanceId} (${platform}) to s3://${payload.EvidenceBucket}/${evidenceKey(prefix, platform)}.`,
      ),
      Proceed: !why,
      Prefix: prefix,
      Platform: platform,
    } as StepResult;
  }
  if (skipped || stopped)
    return verified('verify', dryRun, [], 'nothing was to be captured', [(skipped ?? stopped) as string]);
  const key = evidenceKey(payload.EvidencePrefix ?? '', platform);
  const problems: string[] = [];
  try {
    const tags =
      (await aws.get(S3).send(new GetObjectTaggingCommand({ Bucket: payload.EvidenceBucket, Key: key })))
        .TagSet ?? [];
    const tag = (k: string) => tags.find((t) => t.Key === k)?.Value;
    if (tag(EVIDENCE_TAGS.finding) !== payload.FindingId)
      problems.push(
        `s3://${payload.EvidenceBucket}/${key} is not tagged ${EVIDENCE_TAGS.finding}=${payload.FindingId}.`,
      );
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchBucket')
      problems.push(`the evidence bucket ${payload.EvidenceBucket} does not exist.`);
    else if (awsErrorName(error) !== 'NoSuchKey' && awsErrorName(error) !== 'NotFound') throw error;
    else
      problems.push(
        `s3://${payload.EvidenceBucket}/${key} does not exist: the command did not upload its archive (the instance's role needs s3:PutObject and s3:PutObjectTagging there).`,
      );
  }
  return verified(
    'verify',
    dryRun,
    problems,
    `the volatile data of ${payload.InstanceId} is at s3://${payload.EvidenceBucket}/${key}`,
  );
}

/** The Lambda of `collect-evidence`: plans the capture (read-only) and verifies the archive arrived. */
export function createHandler(
  clients?: (region: string) => AwsClients,
  options: { now?: () => Date } = {},
): (payload: unknown, context?: PlaybookInvocation) => Promise<StepResult> {
  const run = async (payload: CollectPayload, aws: AwsClients) =>
    stage(aws, payload, options.now?.() ?? new Date());
  return playbookLambda({ id: PLAYBOOK_ID, parse: parsePayload, run }, clients);
}

export const handler = createHandler();
