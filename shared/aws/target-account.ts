import { awsErrorName, RemediationDeniedError, TargetAccountUnreachableError } from '../errors';
import { onceResolved } from '../once';
import { assumeRole, callerIdentity } from './assume-role';
import type { AwsClients } from './clients';

/** Role a central remediation Lambda assumes in a member account (set by the stack in central mode). */
export const EXECUTION_ROLE_NAME_ENV = 'EXECUTION_ROLE_NAME';

/** `sts:ExternalId` the member's execution role requires (set by the stack in central mode). */
export const EXECUTION_ROLE_EXTERNAL_ID_ENV = 'EXECUTION_ROLE_EXTERNAL_ID';

/** Prefix of the alias of a central remediation Lambda that one member account, and only it, may invoke. */
export const MEMBER_ALIAS_PREFIX = 'member-';

/**
 * The alias of a central remediation Lambda through which member account `accountId` invokes it: the stack grants
 * `lambda:InvokeFunction` on it to that account alone, so an invocation through it proves the caller's account.
 * @example
 * memberAlias('111122223333') // → 'member-111122223333'
 */
export function memberAlias(accountId: string): string {
  return `${MEMBER_ALIAS_PREFIX}${accountId}`;
}

/**
 * The account an invocation is entitled to act on, from the ARN Lambda says it was invoked through: the member
 * whose alias it is (`…:function:<name>:member-<account>`, which only that account may invoke), else the Lambda's
 * own account (the unqualified function, a version, or another alias: only principals of this account are
 * granted those, and an absent ARN is a direct, in-process call).
 * @example
 * entitledAccount('arn:aws:lambda:eu-west-1:999988887777:function:f:member-111122223333', '999988887777') // → '111122223333'
 * entitledAccount('arn:aws:lambda:eu-west-1:999988887777:function:f', '999988887777') // → '999988887777'
 */
export function entitledAccount(invokedFunctionArn: string | undefined, ownAccountId: string): string {
  const qualifier = /:function:[^:]+:([^:]+)$/.exec(invokedFunctionArn ?? '')?.[1];
  const member = qualifier?.startsWith(MEMBER_ALIAS_PREFIX)
    ? qualifier.slice(MEMBER_ALIAS_PREFIX.length)
    : undefined;
  return member && /^\d{12}$/.test(member) ? member : ownAccountId;
}

/** Clients that read the target account, and how they were obtained. */
export interface TargetAccount {
  /** The Lambda's own clients when the target is its own account, else clients of the assumed role. */
  aws: AwsClients;
  accountId: string;
  partition: string;
  /** The execution role assumed in the target; absent when the target is the Lambda's own account. */
  roleArn?: string;
}

/** How a remediation Lambda reaches an account other than its own (remediation.json `lambda.crossAccount`). */
export type CrossAccountReach = 'executionRole' | 'ownCredentials';

/** One invocation's request to act on an account. */
export interface TargetRequest {
  /** Every account id the payload names (the automation's `AccountId`, a `TargetAccountId`): all must agree. */
  accountIds: readonly string[];
  /** `context.invokedFunctionArn`; absent for a direct call. */
  invokedFunctionArn?: string;
}

/** Reaches the account a remediation's automation runs in; see {@link targetAccountResolver}. */
export type TargetAccountResolver = (aws: AwsClients, request: TargetRequest) => Promise<TargetAccount>;

/**
 * How a remediation Lambda reaches the account it acts on. That account is the one the invocation is entitled to
 * ({@link entitledAccount}): a payload naming any other account is refused before anything is read, so a principal
 * of member A, which can invoke only A's alias, can never make the Lambda read or change member B. In its own
 * account the Lambda uses its own clients, unchanged. For a member (a member's automation invoking the central
 * security account's Lambda through the member's alias) it assumes
 * `arn:<partition>:iam::<member>:role/<EXECUTION_ROLE_NAME>` with the session `rebaseline-<remediation id>` and
 * `EXECUTION_ROLE_EXTERNAL_ID`, and fails when no role is configured, rather than read its own account in the
 * member's place; with `ownCredentials` (remove-root-access-keys, which acts through sts:AssumeRoot) it keeps its
 * own clients. The Lambda's own identity is asked once per resolver: the deployed handler builds one per container.
 * @throws RemediationDeniedError when the payload names an account the invocation is not entitled to, or the
 * execution role cannot be assumed.
 * @throws TargetAccountUnreachableError when a member must be read and no execution role is configured.
 * @example
 * const reach = targetAccountResolver('revoke-public-ingress');
 * const target = await reach(aws, { accountIds: [payload.AccountId], invokedFunctionArn: context.invokedFunctionArn });
 * await target.aws.get(EC2).send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
 */
export function targetAccountResolver(
  remediationId: string,
  env: NodeJS.ProcessEnv = process.env,
  reach: CrossAccountReach = 'executionRole',
): TargetAccountResolver {
  // Looked up once per container; a failed lookup (throttling, a network error) is not remembered.
  const own = onceResolved(callerIdentity);
  return async (aws, request) => {
    const { accountId, partition } = await own(aws);
    const entitled = entitledAccount(request.invokedFunctionArn, accountId);
    const foreign = request.accountIds.find((id) => id !== entitled);
    if (foreign !== undefined)
      throw new RemediationDeniedError(
        `${remediationId}: this invocation may act on account ${entitled} only (${
          entitled === accountId
            ? `the Lambda's own account: it was not invoked through a member alias`
            : `it was invoked through the alias ${memberAlias(entitled)}, which only that account may invoke`
        }), but the payload names account ${foreign}. Nothing was read or changed. A member account's automation invokes the central Lambda through its own alias (${memberAlias('<account>')}) and names its own account.`,
      );
    if (entitled === accountId || reach === 'ownCredentials') return { aws, accountId: entitled, partition };
    const roleName = env[EXECUTION_ROLE_NAME_ENV];
    if (!roleName)
      throw new TargetAccountUnreachableError(
        entitled,
        accountId,
        `${remediationId}: the automation runs in account ${entitled}, but this Lambda runs in account ${accountId} and ${EXECUTION_ROLE_NAME_ENV} is not set, so it cannot read account ${entitled}. Nothing was read or changed. Deploy the Lambda in central mode (stage parameter central=true) with the execution role in account ${entitled} (member-roles.yaml), or point the document at a Lambda of account ${entitled}.`,
      );
    const roleArn = `arn:${partition}:iam::${entitled}:role/${roleName}`;
    try {
      const target = await assumeRole(
        aws,
        roleArn,
        `rebaseline-${remediationId}`,
        env[EXECUTION_ROLE_EXTERNAL_ID_ENV] || undefined,
      );
      return { aws: target, accountId: entitled, partition, roleArn };
    } catch (cause) {
      throw new RemediationDeniedError(
        `${remediationId}: sts:AssumeRole into ${roleArn} failed (${awsErrorName(cause) ?? 'error'}). Nothing was read or changed. Check that the role exists in account ${entitled} (member-roles.yaml), that it trusts this Lambda's role in account ${accountId} with the external id ${EXECUTION_ROLE_EXTERNAL_ID_ENV} holds, and that both accounts are in the organization the condition names.`,
        { cause },
      );
    }
  };
}
