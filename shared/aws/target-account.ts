import { awsErrorName, RemediationDeniedError, TargetAccountUnreachableError } from '../errors';
import { assumeRole, callerIdentity } from './assume-role';
import type { AwsClients } from './clients';

/** Role a central remediation Lambda assumes in a member account (set by the stack in central mode). */
export const EXECUTION_ROLE_NAME_ENV = 'EXECUTION_ROLE_NAME';

/** `sts:ExternalId` the member's execution role requires (set by the stack in central mode). */
export const EXECUTION_ROLE_EXTERNAL_ID_ENV = 'EXECUTION_ROLE_EXTERNAL_ID';

/** Clients that read the target account, and how they were obtained. */
export interface TargetAccount {
  /** The Lambda's own clients when the target is its own account, else clients of the assumed role. */
  aws: AwsClients;
  accountId: string;
  partition: string;
  /** The execution role assumed in the target; absent when the target is the Lambda's own account. */
  roleArn?: string;
}

/** Reaches the account a remediation's automation runs in; see {@link targetAccountResolver}. */
export type TargetAccountResolver = (aws: AwsClients, targetAccountId: string) => Promise<TargetAccount>;

/**
 * How a remediation Lambda reads the account its automation runs in (the payload's `AccountId`, which every
 * document sets to `{{ global:ACCOUNT_ID }}`). In its own account it uses its own clients, unchanged. In another
 * account (a member account's automation invoking the central security account's Lambda) it assumes
 * `arn:<partition>:iam::<target>:role/<EXECUTION_ROLE_NAME>` with the session `rebaseline-<remediation id>` and
 * `EXECUTION_ROLE_EXTERNAL_ID`, and fails when no role is configured, rather than read its own account in the
 * target's place. The Lambda's own identity is asked once per resolver: the deployed handler builds one per
 * container. Only reads go through these clients: the changes are the document's own API steps, which run under
 * the member's automation role.
 * @example
 * const reach = targetAccountResolver('revoke-public-ingress');
 * const target = await reach(aws, payload.AccountId);
 * await target.aws.get(EC2).send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
 */
export function targetAccountResolver(
  remediationId: string,
  env: NodeJS.ProcessEnv = process.env,
): TargetAccountResolver {
  let own: Promise<{ accountId: string; partition: string }> | undefined;
  return async (aws, targetAccountId) => {
    own ??= callerIdentity(aws).catch((error: unknown) => {
      // A failed lookup (throttling, a network error) must not be remembered for the container's life.
      own = undefined;
      throw error;
    });
    const { accountId, partition } = await own;
    if (targetAccountId === accountId) return { aws, accountId, partition };
    const roleName = env[EXECUTION_ROLE_NAME_ENV];
    if (!roleName)
      throw new TargetAccountUnreachableError(
        targetAccountId,
        accountId,
        `${remediationId}: the automation runs in account ${targetAccountId}, but this Lambda runs in account ${accountId} and ${EXECUTION_ROLE_NAME_ENV} is not set, so it cannot read account ${targetAccountId}. Nothing was read or changed. Deploy the Lambda in central mode (stage parameter central=true) with the execution role in account ${targetAccountId} (member-roles.yaml), or point the document at a Lambda of account ${targetAccountId}.`,
      );
    const roleArn = `arn:${partition}:iam::${targetAccountId}:role/${roleName}`;
    try {
      const target = await assumeRole(
        aws,
        roleArn,
        `rebaseline-${remediationId}`,
        env[EXECUTION_ROLE_EXTERNAL_ID_ENV] || undefined,
      );
      return { aws: target, accountId: targetAccountId, partition, roleArn };
    } catch (cause) {
      throw new RemediationDeniedError(
        `${remediationId}: sts:AssumeRole into ${roleArn} failed (${awsErrorName(cause) ?? 'error'}). Nothing was read or changed. Check that the role exists in account ${targetAccountId} (member-roles.yaml), that it trusts this Lambda's role in account ${accountId} with the external id ${EXECUTION_ROLE_EXTERNAL_ID_ENV} holds, and that both accounts are in the organization the condition names.`,
        { cause },
      );
    }
  };
}
