import { DeploymentConfigError } from '../../shared/errors';

/** The osls service name: the prefix of every function, Config rule and SSM document the stack deploys. */
export const SERVICE = 'rebaseline';

/** Prefix of the names that `member-roles.yaml` and the conformance packs create in each member account. */
export const MEMBER_PREFIX = 'rebaseline';

const MAX_FUNCTION_NAME = 64;
const MAX_ROLE_NAME = 64;

/**
 * `ec2-security-group-no-public-ingress` → `Ec2SecurityGroupNoPublicIngress`: CloudFormation logical ids and
 * conformance pack parameter names allow only letters and digits.
 * @example
 * pascal('s3-bucket-no-public-access') // 'S3BucketNoPublicAccess'
 */
export function pascal(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part[0]!.toUpperCase() + part.slice(1))
    .join('');
}

/** osls function key of a rule's Lambda; letters only, so osls's logical ids stay readable. */
export function ruleFunctionKey(ruleId: string): string {
  return `rule${pascal(ruleId)}`;
}

/** osls function key of a remediation's Lambda. */
export function remediationFunctionKey(remediationId: string): string {
  return `remediation${pascal(remediationId)}`;
}

/** The logical id osls gives a function's `AWS::Lambda::Function` (its `getLambdaLogicalId` naming). */
export function lambdaLogicalId(functionKey: string): string {
  return `${functionKey[0]!.toUpperCase()}${functionKey.slice(1)}LambdaFunction`;
}

/**
 * Name of a Lambda, Config rule or SSM document in the osls stack: `rebaseline-<stage>-<id>`. A remediation's
 * function name ends with the remediation id, which is how the local runner finds its handler.
 * @example
 * deployedName('prod', 'revoke-public-ingress') // 'rebaseline-prod-revoke-public-ingress'
 */
export function deployedName(stage: string, id: string): string {
  return `${SERVICE}-${stage}-${id}`;
}

/** A Lambda function name, checked against Lambda's 64-character limit. */
export function functionName(stage: string, id: string): string {
  const name = deployedName(stage, id);
  if (name.length > MAX_FUNCTION_NAME)
    throw new DeploymentConfigError(
      `Function name ${name} is longer than ${MAX_FUNCTION_NAME} characters: use a shorter stage name.`,
    );
  return name;
}

/** IAM path of the rule Lambdas' roles: member accounts trust exactly the roles under it. */
export function ruleRolePath(stage: string): string {
  return `/${SERVICE}/${stage}/rule/`;
}

/** IAM path of the other roles the stack creates (remediation Lambdas, automation). */
export function stackRolePath(stage: string, kind: 'remediation' | 'automation'): string {
  return `/${SERVICE}/${stage}/${kind}/`;
}

/** Name of a remediation's SSM Automation document in member accounts (created by `member-roles.yaml`). */
export function memberDocumentName(remediationId: string): string {
  return `${MEMBER_PREFIX}-${remediationId}`;
}

/** Name of a remediation's automation assume role in member accounts (created by `member-roles.yaml`). */
export function memberAutomationRoleName(remediationId: string): string {
  const name = `${MEMBER_PREFIX}-automation-${remediationId}`;
  if (name.length > MAX_ROLE_NAME)
    throw new DeploymentConfigError(
      `Role name ${name} is longer than ${MAX_ROLE_NAME} characters: shorten the remediation id.`,
    );
  return name;
}

/** Name of a rule's Config rule in a conformance pack (Config appends the pack's suffix in organizations). */
export function packRuleName(ruleId: string): string {
  return `${MEMBER_PREFIX}-${ruleId}`;
}
