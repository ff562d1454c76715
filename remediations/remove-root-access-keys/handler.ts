import {
  DeleteAccessKeyCommand,
  GetAccessKeyLastUsedCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListOrganizationsFeaturesCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  paginateListDelegatedAdministrators,
} from '@aws-sdk/client-organizations';
import { PublishCommand } from '@aws-sdk/client-sns';
import {
  AssumeRootCommand,
  type AssumeRootCommandOutput,
  GetCallerIdentityCommand,
} from '@aws-sdk/client-sts';
import { collectRootAccessKeys, rule } from '../../rules/iam-root-access-keys-absent/evaluate';
import type { AwsClients } from '../../shared/aws/clients';
import { IAM } from '../../shared/aws/services/iam';
import { Organizations } from '../../shared/aws/services/organizations';
import { SNS } from '../../shared/aws/services/sns';
import { STS } from '../../shared/aws/services/sts';
import { LiveReader } from '../../shared/collectors/live-reader';
import {
  awsErrorName,
  ManualActionRequiredError,
  RemediationDeniedError,
  RemediationVerificationError,
} from '../../shared/errors';
import { remediationLambda } from '../../shared/lambda/remediation';
import { logger } from '../../shared/logger';
import { remediationMetadata } from '../../shared/metadata';
import { type Payload as ParsedPayload, payloadParserOf } from '../../shared/remediation/payload';
import {
  describeKey,
  type KeyAction,
  manualInstructions,
  maskKeyId,
  type PlannedCall,
  planCalls,
  ROOT_TASK_POLICIES,
  type RootKeyRecord,
  rootTaskPolicyArn,
} from './plan';
import json from './remediation.json';

export {
  type KeyAction,
  manualInstructions,
  maskKeyId,
  type PlannedCall,
  planCalls,
  ROOT_TASK_POLICIES,
  type RootKeyRecord,
  rootTaskPolicyArn,
} from './plan';

const meta = remediationMetadata(json);
export const REMEDIATION_ID = meta.id;

/** The longest (and default) privileged root session. */
const ROOT_SESSION_SECONDS = 900;

/** IAM's principal for delegated administration of centralized root access. */
const IAM_SERVICE_PRINCIPAL = 'iam.amazonaws.com';

const FIELDS = ['TargetAccountId', 'NotificationTopicArn'] as const;

/**
 * What the document sends: `Mode` (`apply` removes the keys in a root session, `verify` checks none remains), the
 * automation's account, the target account (the rule's resource id: the same account, which the invocation must
 * be entitled to) and the notification topic.
 */
export type Payload = ParsedPayload<(typeof FIELDS)[number]>;

/**
 * Reads and checks the payload the document sends, against remediation.json.
 * @throws RemediationInputError naming the field that is wrong.
 * @example
 * parsePayload({ Mode: 'apply', AccountId: '111122223333', TargetAccountId: '111122223333' }).NotificationTopicArn // → ''
 */
export const parsePayload = payloadParserOf(meta, FIELDS);

/** Where the Lambda stands in the organization, and whether it may act on the target from there. */
export interface Standing {
  callerAccountId: string;
  partition: string;
  organizationId?: string;
  managementAccountId?: string;
  /** How the caller is entitled to open root sessions; `none` when it is not. */
  role: 'management' | 'delegated-administrator' | 'none';
  targetAccountName?: string;
  /** Why the Lambda must not act; absent when it may. */
  refusal?: string;
}

export interface Notification {
  topicArn?: string;
  subject: string;
  message: string;
  messageId?: string;
}

export type Result =
  | {
      outcome: 'AlreadyCompliant';
      targetAccountId: string;
      role: Standing['role'];
      message: string;
      keys: [];
      /** In a dry run: nothing to do. */
      plan?: [];
    }
  | {
      outcome: 'Planned';
      targetAccountId: string;
      role: Standing['role'];
      message: string;
      keys: RootKeyRecord[];
      plan: PlannedCall[];
    }
  | {
      outcome: 'Removed';
      targetAccountId: string;
      role: Standing['role'];
      message: string;
      keys: RootKeyRecord[];
      actions: KeyAction[];
      remaining: 0;
    }
  | {
      outcome: 'ManualActionRequired';
      targetAccountId: string;
      role: Standing['role'];
      message: string;
      reason: string;
      /** Sent (or, in a dry run, to be sent) to the topic. */
      notification: Notification;
      published: boolean;
      /** In a dry run: the Publish call, when a topic is configured. */
      plan?: PlannedCall[];
    }
  | { outcome: 'Verified'; targetAccountId: string; message: string; remaining: 0 }
  | { outcome: 'WouldVerify'; targetAccountId: string; message: string };

const isDenied = (error: unknown) =>
  ['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation'].includes(awsErrorName(error) ?? '');

async function delegatedAdministrators(aws: AwsClients): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of paginateListDelegatedAdministrators(
    { client: aws.get(Organizations) },
    { ServicePrincipal: IAM_SERVICE_PRINCIPAL },
  ))
    for (const a of page.DelegatedAdministrators ?? []) if (a.Id) ids.push(a.Id);
  return ids;
}

/**
 * Where the caller stands: management account or IAM delegated administrator of an organization whose active
 * member account is the target, with centralized root credentials management enabled. Anything else is a refusal
 * (a reason, not an error): the remediation then notifies instead of acting.
 * @example
 * await organizationStanding(aws, '111122223333')
 * // → { callerAccountId: '999988887777', partition: 'aws', role: 'management', managementAccountId: '999988887777', … }
 */
export async function organizationStanding(aws: AwsClients, targetAccountId: string): Promise<Standing> {
  const identity = await aws.get(STS).send(new GetCallerIdentityCommand({}));
  const callerAccountId = identity.Account ?? '';
  const partition = identity.Arn?.split(':')[1] || 'aws';
  const standing: Standing = { callerAccountId, partition, role: 'none' };
  const refuse = (refusal: string): Standing => ({ ...standing, refusal });

  let organization: { Id?: string; MasterAccountId?: string } | undefined;
  try {
    organization = (await aws.get(Organizations).send(new DescribeOrganizationCommand({}))).Organization;
  } catch (error) {
    if (awsErrorName(error) === 'AWSOrganizationsNotInUseException')
      return refuse(`account ${callerAccountId} is not in an AWS Organization`);
    if (isDenied(error))
      return refuse(`organizations:DescribeOrganization was denied to account ${callerAccountId}`);
    throw error;
  }
  standing.organizationId = organization?.Id;
  standing.managementAccountId = organization?.MasterAccountId;

  if (callerAccountId === standing.managementAccountId) standing.role = 'management';
  else {
    let admins: string[] = [];
    try {
      admins = await delegatedAdministrators(aws);
    } catch (error) {
      // A member account that administers no service may not list delegated administrators: it is none.
      if (!isDenied(error)) throw error;
    }
    if (admins.includes(callerAccountId)) standing.role = 'delegated-administrator';
    else
      return refuse(
        `account ${callerAccountId} is neither the management account (${standing.managementAccountId ?? 'unknown'}) of organization ${standing.organizationId ?? 'unknown'} nor its delegated administrator for IAM, so it cannot open a root session`,
      );
  }

  if (targetAccountId === standing.managementAccountId)
    return refuse(
      `account ${targetAccountId} is the organization's management account; sts:AssumeRoot only reaches member accounts, so its root user must delete the keys`,
    );
  try {
    const account = (
      await aws.get(Organizations).send(new DescribeAccountCommand({ AccountId: targetAccountId }))
    ).Account;
    standing.targetAccountName = account?.Name;
    const state = account?.State ?? account?.Status;
    if (state && state !== 'ACTIVE')
      return refuse(`member account ${targetAccountId} is ${state}, not ACTIVE`);
  } catch (error) {
    if (awsErrorName(error) === 'AccountNotFoundException')
      return refuse(
        `account ${targetAccountId} is not a member of organization ${standing.organizationId ?? 'unknown'}`,
      );
    throw error;
  }

  try {
    const features = await aws.get(IAM).send(new ListOrganizationsFeaturesCommand({}));
    if (!(features.EnabledFeatures ?? []).includes('RootCredentialsManagement'))
      return refuse(
        `centralized root access is not enabled in organization ${standing.organizationId ?? 'unknown'} (IAM > Root access management > Root credentials management, or iam:EnableOrganizationsRootCredentialsManagement)`,
      );
  } catch (error) {
    // Only a pre-flight check: if it cannot be read, AssumeRoot itself will say what is missing.
    logger.warn(
      { error: awsErrorName(error) },
      'iam:ListOrganizationsFeatures unreadable; trying AssumeRoot',
    );
  }
  return standing;
}

/**
 * Clients signed with a privileged root session in the member account, scoped to one root-task policy. The STS
 * client of `aws` is regional (SDK v3 default): AssumeRoot has no global endpoint.
 * @throws RemediationDeniedError when STS refuses the session, naming what to check.
 * @example
 * const root = await openRootSession(aws, standing, '111122223333', ROOT_TASK_POLICIES.delete);
 * await readRootKeys(root.get(IAM));
 */
export async function openRootSession(
  aws: AwsClients,
  standing: Standing,
  targetAccountId: string,
  task: (typeof ROOT_TASK_POLICIES)[keyof typeof ROOT_TASK_POLICIES],
): Promise<AwsClients> {
  const policyArn = rootTaskPolicyArn(standing.partition, task);
  let out: AssumeRootCommandOutput;
  try {
    out = await aws.get(STS).send(
      new AssumeRootCommand({
        TargetPrincipal: targetAccountId,
        TaskPolicyArn: { arn: policyArn },
        DurationSeconds: ROOT_SESSION_SECONDS,
      }),
    );
  } catch (cause) {
    const name = awsErrorName(cause) ?? 'error';
    throw new RemediationDeniedError(
      `sts:AssumeRoot into account ${targetAccountId} with ${policyArn} failed (${name}): check that the Lambda role in account ${standing.callerAccountId} is allowed sts:AssumeRoot with that task policy, that centralized root access is enabled, that no SCP denies it, and that the call goes to a regional STS endpoint (region ${aws.region}).`,
      { cause },
    );
  }
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey)
    throw new RemediationDeniedError(
      `sts:AssumeRoot into account ${targetAccountId} returned no credentials.`,
    );
  return aws.withCredentials({
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  });
}

/**
 * The root user's access keys (ListAccessKeys without a user name, signed by the root session) with their last use.
 * @example
 * await readRootKeys(root.get(IAM))
 * // → [{ accessKeyId: 'AKIAIOSFODNN7EXAMPLE', status: 'Active', lastUsedDate: '2026-09-30T12:00:00.000Z', … }]
 */
export async function readRootKeys(iam: IAMClient): Promise<RootKeyRecord[]> {
  const keys: RootKeyRecord[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListAccessKeysCommand({ Marker: marker }));
    for (const k of page.AccessKeyMetadata ?? []) {
      if (!k.AccessKeyId) continue;
      const record: RootKeyRecord = {
        accessKeyId: k.AccessKeyId,
        status: k.Status ?? 'Unknown',
        createDate: k.CreateDate?.toISOString(),
      };
      try {
        const used = (await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: k.AccessKeyId })))
          .AccessKeyLastUsed;
        record.lastUsedDate = used?.LastUsedDate?.toISOString();
        record.lastUsedService = used?.ServiceName === 'N/A' ? undefined : used?.ServiceName;
        record.lastUsedRegion = used?.Region === 'N/A' ? undefined : used?.Region;
      } catch (error) {
        // Deleted between the two calls: it has no last use to record, and nothing is left to remove.
        if (awsErrorName(error) !== 'NoSuchEntity' && awsErrorName(error) !== 'NoSuchEntityException')
          throw error;
      }
      keys.push(record);
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return keys;
}

/** How often, and how far apart, the keys are listed again while IAM still shows a deleted key. */
const RELIST_ATTEMPTS = 3;
const RELIST_DELAY_MS = 1000;

/** IAM is eventually consistent: a key deleted a moment ago may still be listed, so a remaining key is re-read. */
async function keysAfterDeletion(iam: IAMClient): Promise<RootKeyRecord[]> {
  let remaining = await readRootKeys(iam);
  for (let attempt = 1; attempt < RELIST_ATTEMPTS && remaining.length > 0; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, RELIST_DELAY_MS));
    remaining = await readRootKeys(iam);
  }
  return remaining;
}

const isGone = (error: unknown) =>
  ['NoSuchEntity', 'NoSuchEntityException'].includes(awsErrorName(error) ?? '');

async function removeKey(iam: IAMClient, key: RootKeyRecord): Promise<KeyAction> {
  let deactivated: KeyAction['deactivated'] = key.status === 'Active' ? 'yes' : 'already-inactive';
  if (key.status === 'Active') {
    try {
      await iam.send(new UpdateAccessKeyCommand({ AccessKeyId: key.accessKeyId, Status: 'Inactive' }));
    } catch (error) {
      if (isGone(error))
        return { accessKeyId: maskKeyId(key.accessKeyId), deactivated: 'gone', deleted: 'gone' };
      // The IAMDeleteRootUserCredentials task policy grants DeleteAccessKey but not UpdateAccessKey: deleting
      // still removes the key, so a refused deactivation is recorded, not fatal.
      if (!isDenied(error)) throw error;
      deactivated = 'not-permitted';
    }
  }
  try {
    await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: key.accessKeyId }));
  } catch (error) {
    if (isGone(error)) return { accessKeyId: maskKeyId(key.accessKeyId), deactivated, deleted: 'gone' };
    throw error;
  }
  return { accessKeyId: maskKeyId(key.accessKeyId), deactivated, deleted: 'yes' };
}

async function reportKeysIfLocal(aws: AwsClients, standing: Standing, targetAccountId: string) {
  if (standing.callerAccountId !== targetAccountId) return undefined;
  try {
    return (
      await collectRootAccessKeys(new LiveReader(aws, targetAccountId, rule.reads), {
        accountId: targetAccountId,
        region: aws.region,
        partition: standing.partition,
        now: new Date(),
      })
    ).keys;
  } catch (error) {
    logger.warn(
      { error: awsErrorName(error) },
      'credential report unreadable; instructions without key details',
    );
    return undefined;
  }
}

async function notify(
  aws: AwsClients,
  standing: Standing,
  payload: Payload,
  reason: string,
): Promise<Result> {
  const target = payload.TargetAccountId;
  const notification: Notification = manualInstructions(
    target,
    reason,
    await reportKeysIfLocal(aws, standing, target),
  );
  if (payload.NotificationTopicArn) notification.topicArn = payload.NotificationTopicArn;
  let published = false;
  if (!payload.DryRun && notification.topicArn) {
    const out = await aws.get(SNS).send(
      new PublishCommand({
        TopicArn: notification.topicArn,
        Subject: notification.subject,
        Message: notification.message,
      }),
    );
    notification.messageId = out.MessageId;
    published = true;
  }
  const plan: PlannedCall[] = notification.topicArn
    ? [
        {
          service: 'sns',
          api: 'Publish',
          inputs: {
            TopicArn: notification.topicArn,
            Subject: notification.subject,
            Message: notification.message,
          },
        },
      ]
    : [];
  const where = notification.topicArn
    ? `${payload.DryRun ? 'would be published' : 'were published'} to ${notification.topicArn}`
    : 'are in this output (no notification topic is configured)';
  return {
    outcome: 'ManualActionRequired',
    targetAccountId: target,
    role: standing.role,
    reason,
    message: `Root access keys of account ${target} were not removed: ${reason}. A person must act; the instructions ${where}.`,
    notification,
    published,
    ...(payload.DryRun ? { plan } : {}),
  };
}

/** A key as it leaves the Lambda (outputs, messages): its id masked. */
const masked = (k: RootKeyRecord): RootKeyRecord => ({ ...k, accessKeyId: maskKeyId(k.accessKeyId) });

async function remediate(aws: AwsClients, payload: Payload): Promise<Result> {
  const target = payload.TargetAccountId;
  const standing = await organizationStanding(aws, target);
  if (standing.refusal) return notify(aws, standing, payload, standing.refusal);

  // A dry run reads the keys in a session that cannot change them.
  const task = payload.DryRun ? ROOT_TASK_POLICIES.audit : ROOT_TASK_POLICIES.delete;
  const iam = (await openRootSession(aws, standing, target, task)).get(IAM);
  const keys = await readRootKeys(iam);
  const base = { targetAccountId: target, role: standing.role };
  if (keys.length === 0)
    return {
      ...base,
      outcome: 'AlreadyCompliant',
      message: `The root user of account ${target} has no access keys; nothing to change.`,
      keys: [],
      ...(payload.DryRun ? { plan: [] as [] } : {}),
    };
  const plan = planCalls(keys);
  if (payload.DryRun)
    return {
      ...base,
      outcome: 'Planned',
      message: `Would remove ${keys.length} root access key(s) of account ${target}: ${keys.map(describeKey).join('; ')}.`,
      keys: keys.map(masked),
      plan,
    };

  logger.info({ targetAccountId: target, keyCount: keys.length }, 'removing root access keys');
  const actions: KeyAction[] = [];
  for (const key of keys) actions.push(await removeKey(iam, key));
  const remaining = await keysAfterDeletion(iam);
  if (remaining.length > 0)
    throw new RemediationVerificationError(
      `Root access key(s) ${remaining.map((k) => maskKeyId(k.accessKeyId)).join(', ')} of account ${target} still exist after deletion.`,
    );
  return {
    ...base,
    outcome: 'Removed',
    message: `Removed ${keys.length} root access key(s) of account ${target}: ${keys.map(describeKey).join('; ')}.`,
    keys: keys.map(masked),
    actions,
    remaining: 0,
  };
}

async function verify(aws: AwsClients, payload: Payload): Promise<Result> {
  const target = payload.TargetAccountId;
  if (payload.DryRun)
    return {
      outcome: 'WouldVerify',
      targetAccountId: target,
      message: `Would verify in a root session (${ROOT_TASK_POLICIES.audit}) that the root user of account ${target} has no access keys.`,
    };
  const standing = await organizationStanding(aws, target);
  if (standing.refusal)
    throw new ManualActionRequiredError(
      target,
      standing.refusal,
      `Root access keys of account ${target} cannot be removed from account ${standing.callerAccountId}: ${standing.refusal}. A person must act${
        payload.NotificationTopicArn
          ? `; the instructions were published to ${payload.NotificationTopicArn}`
          : '; the instructions are in the RemoveRootAccessKeys step output'
      }.`,
    );
  const remaining = await readRootKeys(
    (await openRootSession(aws, standing, target, ROOT_TASK_POLICIES.audit)).get(IAM),
  );
  if (remaining.length > 0)
    throw new RemediationVerificationError(
      `The root user of account ${target} still has access key(s): ${remaining.map(describeKey).join('; ')}.`,
    );
  return {
    outcome: 'Verified',
    targetAccountId: target,
    message: `Verified: the root user of account ${target} has no access keys.`,
    remaining: 0,
  };
}

/**
 * The Lambda of `remove-root-access-keys`, for given clients (tests and the local runner pass theirs; the deployed
 * Lambda uses the default credential chain in its own region). It acts with its own credentials (sts:AssumeRoot),
 * only on the account the invocation is entitled to: its own, or the member whose alias was invoked; a payload
 * naming any other TargetAccountId is refused before anything is read.
 * @example
 * const run = createHandler(() => new AwsClients({ region: 'us-east-1' }));
 * await run({ Mode: 'apply', AccountId: '111122223333', TargetAccountId: '111122223333', DryRun: true });
 */
export function createHandler(clients?: (region: string) => AwsClients) {
  return remediationLambda<(typeof FIELDS)[number], Result>(
    {
      meta,
      fields: FIELDS,
      modes: {
        apply: (payload, target) => remediate(target.aws, payload),
        verify: (payload, target) => verify(target.aws, payload),
      },
      logFields: (result) => ({ outcome: result.outcome, targetAccountId: result.targetAccountId }),
    },
    clients,
  );
}

export const handler = createHandler();
