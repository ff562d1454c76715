import type { RootAccessKey } from '../../shared/models/credential-report';

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

/** Root-task policies (AWS managed, under `policy/root-task/`) that scope an `sts:AssumeRoot` session. */
export const ROOT_TASK_POLICIES = {
  delete: 'IAMDeleteRootUserCredentials',
  audit: 'IAMAuditRootUserCredentials',
} as const;

/**
 * The ARN of an AWS managed root-task policy.
 * @example
 * rootTaskPolicyArn('aws', 'IAMDeleteRootUserCredentials') // → 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials'
 */
export function rootTaskPolicyArn(partition: string, name: string): string {
  return `arn:${partition}:iam::aws:policy/root-task/${name}`;
}

/**
 * A root access key id as rebaseline shows it anywhere outside the root session (messages, outputs, plans, logs):
 * its first four and last four characters, as the console's "Security credentials" page lets a person match it.
 * @example
 * maskKeyId('AKIAIOSFODNN7EXAMPLE') // → 'AKIA…MPLE'
 */
export function maskKeyId(accessKeyId: string): string {
  return accessKeyId.length <= 8 ? '…' : `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`;
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
            inputs: { AccessKeyId: maskKeyId(k.accessKeyId), Status: 'Inactive' },
          },
        ]
      : []),
    {
      service: 'iam' as const,
      api: 'DeleteAccessKey' as const,
      inputs: { AccessKeyId: maskKeyId(k.accessKeyId) },
    },
  ]);
}

export const describeKey = (k: RootKeyRecord) =>
  `${maskKeyId(k.accessKeyId)} (${k.status}${k.createDate ? `, created ${k.createDate}` : ''}, ${
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
