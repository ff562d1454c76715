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
import { AwsClients } from '../../shared/aws/clients';
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
import { logger } from '../../shared/logger';
import type { RootAccessKey } from '../../shared/models/credential-report';
import { ACCOUNT_ID_FIELD, payloadParser } from '../../shared/remediation/payload';

/**
 * Scenarios
 * - Given the Lambda runs in the organization's management account (or the IAM delegated administrator) and the
 *   target is an active member account, then it opens a root session (sts:AssumeRoot, task policy
 *   IAMDeleteRootUserCredentials), records every root key with its last use, deactivates it, deletes it, and checks
 *   that none remains.
 * - Given the root user has no key any more, then it changes nothing and says so (idempotent).
 * - Given any other place (not in an organization, not management/delegated admin, the target is the management
 *   account or not a member, centralized root access is off), then it changes nothing and publishes exact manual
 *   instructions to the SNS topic; the verification step then fails, saying a person must act.
 * - Given DryRun, then it returns the plan (key ids, last use, calls) or the notification it would send, and
 *   changes nothing (the plan is read in a root session scoped to IAMAuditRootUserCredentials).
 */

export const REMEDIATION_ID = 'remove-root-access-keys';

/** Root-task policies (AWS managed, under `policy/root-task/`) that scope an `sts:AssumeRoot` session. */
export const ROOT_TASK_POLICIES = {
  delete: 'IAMDeleteRootUserCredentials',
  audit: 'IAMAuditRootUserCredentials',
} as const;

/** The longest (and default) privileged root session. */
const ROOT_SESSION_SECONDS = 900;

/** IAM's principal for delegated administration of centralized root access. */
const IAM_SERVICE_PRINCIPAL = 'iam.amazonaws.com';

export type Mode = 'Remediate' | 'Verify';

/** What the document sends (`InputPayload`); the runner adds `DryRun: true` in a dry run. */
export interface Payload {
  Mode: Mode;
  /**
   * The account the automation runs in (`{{ global:ACCOUNT_ID }}`, as every remediation's Lambda receives it), for
   * the log only. Unlike the other remediation Lambdas, this one never reads it through the execution role: it acts
   * on TargetAccountId with its own credentials (sts:AssumeRoot), which only the management account or the IAM
   * delegated administrator have.
   */
  AccountId?: string;
  TargetAccountId: string;
  /** Empty when no topic is configured: the manual instructions then travel in the failure message only. */
  NotificationTopicArn: string;
  DryRun: boolean;
}

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

/** One root access key as read in the root session. */
export interface RootKeyRecord {
  accessKeyId: string;
  status: string;
  createDate?: string;
  /** ISO date, or `undefined` when the key was never used. */
  lastUsedDate?: string;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

/**
 * One API call a dry run would make, in the runner's plan shape (`Payload.plan` joins the execution's plan): the
 * key calls are signed by the root session, the notification by the Lambda's own role.
 */
export interface PlannedCall {
  service: 'iam' | 'sns';
  api: 'UpdateAccessKey' | 'DeleteAccessKey' | 'Publish';
  inputs: Record<string, string>;
}

/** What happened to one key. */
export interface KeyAction {
  accessKeyId: string;
  deactivated: 'yes' | 'already-inactive' | 'not-permitted' | 'gone';
  deleted: 'yes' | 'gone';
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

/**
 * Reads and checks the payload the document sends.
 * @throws RemediationInputError naming the field that is wrong.
 * @example
 * parsePayload({ Mode: 'Remediate', TargetAccountId: '111122223333', NotificationTopicArn: '' })
 * // → { Mode: 'Remediate', TargetAccountId: '111122223333', NotificationTopicArn: '', DryRun: false }
 */
export const parsePayload = payloadParser<Payload>(REMEDIATION_ID, {
  type: 'object',
  required: ['TargetAccountId'],
  properties: {
    Mode: { enum: ['Remediate', 'Verify', null], default: 'Remediate' },
    TargetAccountId: ACCOUNT_ID_FIELD,
    NotificationTopicArn: {
      type: ['string', 'null'],
      pattern: '^$|^arn:aws[a-z-]*:sns:[a-z0-9-]+:\\d{12}:[\\w-]{1,256}$',
      default: '',
      description: 'empty or an SNS topic ARN',
    },
    AccountId: ACCOUNT_ID_FIELD,
  },
});

/**
 * The ARN of an AWS managed root-task policy.
 * @example
 * rootTaskPolicyArn('aws', 'IAMDeleteRootUserCredentials') // → 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials'
 */
export function rootTaskPolicyArn(partition: string, name: string): string {
  return `arn:${partition}:iam::aws:policy/root-task/${name}`;
}

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

/**
 * The calls that remove the keys: deactivate an active key first, then delete every key.
 * @example
 * planCalls([{ accessKeyId: 'AKIA…', status: 'Inactive' }]) // → [{ service: 'iam', api: 'DeleteAccessKey', inputs: { AccessKeyId: 'AKIA…' } }]
 */
export function planCalls(keys: readonly RootKeyRecord[]): PlannedCall[] {
  return keys.flatMap((k): PlannedCall[] => [
    ...(k.status === 'Active'
      ? [
          {
            service: 'iam' as const,
            api: 'UpdateAccessKey' as const,
            inputs: { AccessKeyId: k.accessKeyId, Status: 'Inactive' },
          },
        ]
      : []),
    { service: 'iam' as const, api: 'DeleteAccessKey' as const, inputs: { AccessKeyId: k.accessKeyId } },
  ]);
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
      if (isGone(error)) return { accessKeyId: key.accessKeyId, deactivated: 'gone', deleted: 'gone' };
      // The IAMDeleteRootUserCredentials task policy grants DeleteAccessKey but not UpdateAccessKey: deleting
      // still removes the key, so a refused deactivation is recorded, not fatal.
      if (!isDenied(error)) throw error;
      deactivated = 'not-permitted';
    }
  }
  try {
    await iam.send(new DeleteAccessKeyCommand({ AccessKeyId: key.accessKeyId }));
  } catch (error) {
    if (isGone(error)) return { accessKeyId: key.accessKeyId, deactivated, deleted: 'gone' };
    throw error;
  }
  return { accessKeyId: key.accessKeyId, deactivated, deleted: 'yes' };
}

const describeKey = (k: RootKeyRecord) =>
  `${k.accessKeyId} (${k.status}${k.createDate ? `, created ${k.createDate}` : ''}, ${
    k.lastUsedDate
      ? `last used ${k.lastUsedDate}${k.lastUsedService ? ` with ${k.lastUsedService}` : ''}${k.lastUsedRegion ? ` in ${k.lastUsedRegion}` : ''}`
      : 'never used'
  })`;

const describeReportKey = (k: RootAccessKey) =>
  `access key ${k.slot} (${k.active ? 'Active' : 'Inactive'}${k.lastRotated ? `, created ${k.lastRotated.toISOString()}` : ''}, ${
    k.lastUsedDate
      ? `last used ${k.lastUsedDate.toISOString()}${k.lastUsedService ? ` with ${k.lastUsedService}` : ''}${k.lastUsedRegion ? ` in ${k.lastUsedRegion}` : ''}`
      : 'never used'
  })`;

/**
 * The exact manual instructions for a person who can sign in as the target account's root user. Key details come
 * from the credential report when the Lambda runs in the target account itself; elsewhere they cannot be read.
 * @example
 * manualInstructions('111122223333', 'account 999988887777 is not the management account…', undefined).subject
 * // → 'rebaseline: delete the root access keys of AWS account 111122223333'
 */
export function manualInstructions(
  targetAccountId: string,
  reason: string,
  reportKeys: readonly RootAccessKey[] | undefined,
): { subject: string; message: string } {
  const keyLines =
    reportKeys === undefined
      ? [
          `The keys could not be read from where rebaseline runs; the Security credentials page (or the account's IAM credential report) lists them.`,
        ]
      : reportKeys.length === 0
        ? [
            'The latest credential report lists no root access key; if the page shows none, nothing is left to do.',
          ]
        : [
            'Root access keys to delete (from the IAM credential report; the page shows their ids next to these dates):',
            ...reportKeys.map((k) => `  - ${describeReportKey(k)}`),
          ];
  return {
    subject: `rebaseline: delete the root access keys of AWS account ${targetAccountId}`,
    message: [
      `The root user of AWS account ${targetAccountId} has access keys, and rebaseline did not delete them because ${reason}.`,
      '',
      'A person must act:',
      `1. Sign in to the AWS Management Console as the root user of account ${targetAccountId} (https://console.aws.amazon.com/, "Root user").`,
      '2. Open the account menu (top right) and choose "Security credentials".',
      '3. In "Access keys", for each key: choose Actions > Deactivate, confirm, then Actions > Delete, enter the key id and confirm.',
      ...keyLines,
      '4. Check that "Access keys" is empty. Before deleting, make sure nothing still signs requests with these keys (the last-used dates above say when they last did).',
      '',
      'Alternatively, from the organization management account (or the IAM delegated administrator) with centralized root access enabled:',
      `  aws sts assume-root --region <region> --target-principal ${targetAccountId} --task-policy-arn arn=arn:aws:iam::aws:policy/root-task/${ROOT_TASK_POLICIES.delete}`,
      '  then, with the returned credentials: aws iam list-access-keys; aws iam delete-access-key --access-key-id <id>',
    ].join('\n'),
  };
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
      keys,
      plan,
    };

  logger.info({ targetAccountId: target, keys }, 'removing root access keys');
  const actions: KeyAction[] = [];
  for (const key of keys) actions.push(await removeKey(iam, key));
  const remaining = await keysAfterDeletion(iam);
  if (remaining.length > 0)
    throw new RemediationVerificationError(
      `Root access key(s) ${remaining.map((k) => k.accessKeyId).join(', ')} of account ${target} still exist after deletion.`,
    );
  return {
    ...base,
    outcome: 'Removed',
    message: `Removed ${keys.length} root access key(s) of account ${target}: ${keys.map(describeKey).join('; ')}.`,
    keys,
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
 * Lambda uses the default credential chain in its own region).
 * @example
 * const run = createHandler(() => new AwsClients({ region: 'us-east-1' }));
 * await run({ Mode: 'Remediate', TargetAccountId: '111122223333', NotificationTopicArn: '', DryRun: true });
 */
export function createHandler(clients?: (region: string) => AwsClients): (raw: unknown) => Promise<Result> {
  return async (raw) => {
    const payload = parsePayload(raw);
    const region = process.env.AWS_REGION ?? 'us-east-1';
    const aws = clients?.(region) ?? new AwsClients({ region });
    const result = payload.Mode === 'Verify' ? await verify(aws, payload) : await remediate(aws, payload);
    logger.info(
      {
        remediation: REMEDIATION_ID,
        outcome: result.outcome,
        automationAccountId: payload.AccountId,
        targetAccountId: payload.TargetAccountId,
        dryRun: payload.DryRun,
      },
      result.message,
    );
    return result;
  };
}

export const handler = createHandler();
