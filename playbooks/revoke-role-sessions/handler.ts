import { DescribeIamInstanceProfileAssociationsCommand } from '@aws-sdk/client-ec2';
import {
  GetInstanceProfileCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { AwsClients } from '../../shared/aws/clients';
import { EC2 } from '../../shared/aws/services/ec2';
import { IAM } from '../../shared/aws/services/iam';
import { awsErrorName, PlaybookRefusedError } from '../../shared/errors';
import { type StepResult, stepResult } from '../../shared/incident/calls';
import { checkSkipTag, readInstance } from '../../shared/incident/instance';
import {
  type PlaybookInvocation,
  playbookLambda,
  runStage,
  sender,
  TEXT_FIELD,
  verified,
} from '../../shared/incident/playbook-lambda';
import { ACCOUNT_ID_FIELD, payloadParser } from '../../shared/remediation/payload';
import { cutoffOf, planRevoke, REVOKE_POLICY } from './plan';

export const PLAYBOOK_ID = 'revoke-role-sessions';

const MODES = ['plan', 'revoke', 'verify'] as const;
type Mode = (typeof MODES)[number];

export interface RevokePayload {
  Mode: Mode;
  AccountId: string;
  RoleName?: string;
  InstanceId?: string;
  FindingId?: string;
  DetectedAt?: string;
  SkipTagKey?: string;
  SkipTagValue?: string;
  DryRun?: boolean;
}

export const parsePayload = payloadParser<RevokePayload>(PLAYBOOK_ID, {
  type: 'object',
  required: ['Mode', 'AccountId'],
  properties: {
    Mode: { enum: [...MODES] },
    AccountId: ACCOUNT_ID_FIELD,
    RoleName: {
      type: ['string', 'null'],
      pattern: '^$|^[\\w+=,.@-]{1,64}$',
      default: '',
      description: 'an IAM role name',
    },
    InstanceId: {
      type: ['string', 'null'],
      pattern: '^$|^i-[0-9a-f]{8,17}$',
      default: '',
      description: 'an instance id',
    },
    FindingId: { ...TEXT_FIELD, default: '' },
    DetectedAt: {
      type: ['string', 'null'],
      pattern: '^$|^\\d{4}-\\d{2}-\\d{2}T[\\d:.]+Z$',
      default: '',
      description: 'an ISO 8601 UTC time',
    },
    SkipTagKey: { ...TEXT_FIELD, default: 'rebaseline:incident-response' },
    SkipTagValue: { ...TEXT_FIELD, default: 'skip' },
  },
});

/** The role: named, or the instance's (profile association → instance profile → role). */
async function roleOf(
  aws: AwsClients,
  payload: RevokePayload,
): Promise<{ role?: string; notes: string[]; skipped?: string }> {
  const notes: string[] = [];
  if (payload.InstanceId) {
    const instance = await readInstance(aws, payload.InstanceId, { attributes: false }).catch((error) => {
      if (payload.RoleName && error instanceof PlaybookRefusedError) return undefined;
      throw error;
    });
    const skipped = instance && checkSkipTag(instance, payload.SkipTagKey ?? '', payload.SkipTagValue ?? '');
    if (skipped) return { notes, skipped };
  }
  if (payload.RoleName) return { role: payload.RoleName, notes };
  const associations = await aws.get(EC2).send(
    new DescribeIamInstanceProfileAssociationsCommand({
      Filters: [{ Name: 'instance-id', Values: [payload.InstanceId as string] }],
    }),
  );
  const arn = associations.IamInstanceProfileAssociations?.find((a) => a.State === 'associated')
    ?.IamInstanceProfile?.Arn;
  if (!arn)
    throw new PlaybookRefusedError(
      `${payload.InstanceId} has no instance profile and no role is named: nothing to revoke, nothing was changed.`,
    );
  const profile = await aws
    .get(IAM)
    .send(new GetInstanceProfileCommand({ InstanceProfileName: arn.split('/').at(-1) as string }));
  const role = profile.InstanceProfile?.Roles?.[0]?.RoleName;
  if (!role)
    throw new PlaybookRefusedError(
      `The instance profile ${arn} has no role: nothing to revoke, nothing was changed.`,
    );
  notes.push(`${payload.InstanceId} runs as ${role} (profile ${arn}).`);
  return { role, notes };
}

async function existingPolicy(aws: AwsClients, role: string): Promise<unknown> {
  try {
    const out = await aws
      .get(IAM)
      .send(new GetRolePolicyCommand({ RoleName: role, PolicyName: REVOKE_POLICY }));
    return JSON.parse(decodeURIComponent(out.PolicyDocument ?? '%7B%7D'));
  } catch (error) {
    if (awsErrorName(error) === 'NoSuchEntity' || awsErrorName(error) === 'NoSuchEntityException')
      return undefined;
    throw error;
  }
}

async function roleSkipped(
  aws: AwsClients,
  role: string,
  payload: RevokePayload,
): Promise<string | undefined> {
  const tags = (await aws.get(IAM).send(new GetRoleCommand({ RoleName: role }))).Role?.Tags ?? [];
  const key = payload.SkipTagKey ?? '';
  return key && tags.some((t) => t.Key === key && t.Value === payload.SkipTagValue)
    ? `Role ${role} is tagged ${key}=${payload.SkipTagValue}: nothing is changed.`
    : undefined;
}

export const SENDS = { 'iam:PutRolePolicy': [IAM, PutRolePolicyCommand] } as const;

async function stage(aws: AwsClients, payload: RevokePayload, now: Date): Promise<StepResult> {
  const dryRun = payload.DryRun === true;
  const { role, notes, skipped: instanceSkipped } = await roleOf(aws, payload);
  const skipped = instanceSkipped ?? (role ? await roleSkipped(aws, role, payload) : undefined);
  if (skipped || !role)
    return { ...stepResult(payload.Mode, dryRun, [], [skipped ?? ''], skipped ?? ''), Proceed: false };
  const detectedAt = payload.DetectedAt ? new Date(payload.DetectedAt) : undefined;
  const existing = await existingPolicy(aws, role);
  const plan = planRevoke(role, existing, detectedAt, now);
  if (payload.Mode === 'plan')
    return {
      ...stepResult(
        'plan',
        dryRun,
        [],
        [...notes, ...plan.notes],
        `Revoke the sessions of ${role} issued before now: ${plan.calls.length ? 'a policy is written' : 'already done'}.`,
      ),
      Proceed: true,
    };
  if (payload.Mode === 'revoke')
    return runStage(
      'revoke',
      dryRun,
      { calls: plan.calls, notes: [...notes, ...plan.notes] },
      sender(aws, SENDS),
      `Revoke the older sessions of ${role}.`,
    );
  const cutoff = cutoffOf(existing);
  const problems = !cutoff
    ? [`${role} has no ${REVOKE_POLICY} policy.`]
    : detectedAt && cutoff < detectedAt
      ? [
          `the sessions of ${role} are denied only before ${cutoff.toISOString()}, before the finding was detected.`,
        ]
      : [];
  return verified(
    'verify',
    dryRun,
    problems,
    `the sessions of ${role} issued before ${cutoff?.toISOString() ?? 'now'} are denied`,
  );
}

/** The Lambda of `revoke-role-sessions`. */
export function createHandler(
  clients?: (region: string) => AwsClients,
  options: { now?: () => Date } = {},
): (payload: unknown, context?: PlaybookInvocation) => Promise<StepResult> {
  const run = async (payload: RevokePayload, aws: AwsClients) =>
    stage(aws, payload, options.now?.() ?? new Date());
  return playbookLambda({ id: PLAYBOOK_ID, parse: parsePayload, run }, clients);
}

export const handler = createHandler();
