import { DeploymentConfigError } from '../../shared/errors';
import type { RemediationIamStatement } from '../../shared/remediation/metadata';
import type { IamStatement } from '../../shared/rule';

/** A CloudFormation template value: plain JSON plus intrinsic functions (which are JSON objects too). */
export type Cfn = string | number | boolean | null | Cfn[] | { [key: string]: Cfn };

/** One statement of an IAM policy document as CloudFormation receives it. */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Resource: Cfn[];
  Condition?: Record<string, Record<string, Cfn>>;
}

/**
 * Actions that may be granted on `Resource: "*"`, each with the reason. Everything else must name its resources
 * (the least-privilege test walks every generated policy). Sources: the Service Authorization Reference (the
 * action lists no resource type, so IAM only accepts `*`), or a reason why the resources cannot be known.
 */
export const WILDCARD_RESOURCE_ACTIONS: Readonly<Record<string, string>> = {
  'config:putevaluations':
    'Config PutEvaluations has no resource type (the result token identifies the rule).',
  'config:getresourceconfighistory': 'Config GetResourceConfigHistory has no resource type.',
  'ec2:describesecuritygroups': 'EC2 Describe* actions do not support resource-level permissions.',
  'ec2:describesecuritygrouprules': 'EC2 Describe* actions do not support resource-level permissions.',
  'ec2:describemanagedprefixlists': 'EC2 Describe* actions do not support resource-level permissions.',
  'ec2:getmanagedprefixlistentries':
    'The prefix lists a security group references may be AWS-managed (owner "aws") or shared by any account, so their ARNs cannot be known in advance.',
  's3:listallmybuckets': 'ListBuckets has no resource type.',
  's3:getaccountpublicaccessblock': 'Account-level Block Public Access has no resource type.',
  's3:putaccountpublicaccessblock': 'Account-level Block Public Access has no resource type.',
  'iam:generatecredentialreport': 'The credential report is account-wide; the action has no resource type.',
  'iam:getcredentialreport': 'The credential report is account-wide; the action has no resource type.',
  'iam:getaccountsummary': 'GetAccountSummary has no resource type.',
  'cloudtrail:describetrails': 'CloudTrail DescribeTrails has no resource type.',
  'cloudtrail:listtrails': 'CloudTrail ListTrails has no resource type.',
  'sts:getcalleridentity': 'GetCallerIdentity has no resource type.',
  'organizations:describeorganization': 'DescribeOrganization has no resource type.',
  'organizations:listdelegatedadministrators': 'ListDelegatedAdministrators has no resource type.',
  'iam:listorganizationsfeatures':
    'ListOrganizationsFeatures (centralized root access) has no resource type.',
  // Incident response (playbooks/): reads of the instance, its network and its groups.
  'ec2:describeinstances': 'EC2 Describe* actions do not support resource-level permissions.',
  'ec2:describeinstanceattribute': 'EC2 Describe* actions do not support resource-level permissions.',
  'ec2:describenetworkinterfaces': 'EC2 Describe* actions do not support resource-level permissions.',
  'ec2:describeiaminstanceprofileassociations':
    'EC2 Describe* actions do not support resource-level permissions.',
  'ec2:describesnapshots': 'EC2 Describe* actions do not support resource-level permissions.',
  'ec2:describenetworkacls': 'EC2 Describe* actions do not support resource-level permissions.',
  'ec2:describevpcs': 'EC2 Describe* actions do not support resource-level permissions.',
  'autoscaling:describeautoscalinginstances': 'Auto Scaling Describe* actions have no resource type.',
  'elasticloadbalancing:describetargetgroups':
    'Elastic Load Balancing Describe* actions have no resource type.',
  'elasticloadbalancing:describetargethealth':
    'Elastic Load Balancing Describe* actions have no resource type.',
  'ssm:getcommandinvocation': 'GetCommandInvocation has no resource type (the command id names it).',
};

const PLACEHOLDERS = ['Partition', 'AccountId', 'Region', 'OrganizationId'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

/**
 * What each `${…}` placeholder of rule.json / remediation.json becomes in a template. `OrganizationId` is known
 * only where the deployment names an organization: a statement using it elsewhere fails the generation.
 */
export type PlaceholderValues = Record<Exclude<Placeholder, 'OrganizationId'>, string> & {
  OrganizationId?: string;
};

/** In a stack: the pseudo parameters of the account and region it is deployed to. */
export const STACK_PLACEHOLDERS: PlaceholderValues = {
  Partition: `\${AWS::Partition}`,
  AccountId: `\${AWS::AccountId}`,
  Region: `\${AWS::Region}`,
};

/**
 * Replaces `${Partition}`, `${AccountId}` and `${Region}` in a metadata ARN and wraps the result in `Fn::Sub`
 * when it still holds a pseudo parameter.
 * @throws DeploymentConfigError on an unknown placeholder.
 * @example
 * renderResource('arn:${Partition}:s3:::*', STACK_PLACEHOLDERS) // { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::*' }
 */
export function renderResource(resource: string, values: PlaceholderValues): Cfn {
  const text = resource.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
    if (!(PLACEHOLDERS as readonly string[]).includes(name))
      throw new DeploymentConfigError(
        `Unknown placeholder ${whole} in IAM resource ${resource} (use ${PLACEHOLDERS.map((p) => `\${${p}}`).join(', ')}).`,
      );
    const value = values[name as Placeholder];
    if (!value)
      throw new DeploymentConfigError(
        `${whole} in IAM ${resource} has no value in this deployment (set the stage parameter organizationId).`,
      );
    return value;
  });
  return text.includes('${') ? { 'Fn::Sub': text } : text;
}

/** The condition block of a statement, its values rendered like resources. */
function renderCondition(
  condition: NonNullable<RemediationIamStatement['condition']>,
  values: PlaceholderValues,
): Record<string, Record<string, Cfn>> {
  const out: Record<string, Record<string, Cfn>> = {};
  for (const [operator, keys] of Object.entries(condition)) {
    out[operator] = {};
    for (const [key, value] of Object.entries(keys))
      (out[operator] as Record<string, Cfn>)[key] = Array.isArray(value)
        ? value.map((v) => renderResource(v, values))
        : renderResource(value, values);
  }
  return out;
}

/**
 * Turns metadata statements (rule.json / remediation.json `iam`) into policy statements, with their conditions. A
 * statement `enabledBy` a stage parameter is left out unless `enabled` says that parameter is on.
 * @throws DeploymentConfigError on an unknown placeholder, or one without a value in this deployment.
 * @example
 * renderStatements(meta.iam, STACK_PLACEHOLDERS, 'Rule')
 */
export function renderStatements(
  statements: readonly (IamStatement | RemediationIamStatement)[],
  values: PlaceholderValues,
  sidPrefix: string,
  enabled: (stageParameter: string) => boolean = () => false,
): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  statements.forEach((s: RemediationIamStatement, i) => {
    if (s.enabledBy && !enabled(s.enabledBy)) return;
    out.push({
      Sid: `${sidPrefix}${i + 1}`,
      Effect: 'Allow',
      Action: [...s.actions],
      Resource: s.resources.map((r) => renderResource(r, values)),
      ...(s.condition ? { Condition: renderCondition(s.condition, values) } : {}),
    });
  });
  return out;
}

/** An IAM policy document. */
export function policyDocument(statements: PolicyStatement[]): {
  Version: string;
  Statement: PolicyStatement[];
} {
  return { Version: '2012-10-17', Statement: statements };
}

interface LooseStatement {
  Sid?: unknown;
  Effect?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
}

const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * What breaks least privilege in a policy document: a `*` in an action, `NotAction`/`NotResource`, or
 * `Resource: "*"` for an action that is not in {@link WILDCARD_RESOURCE_ACTIONS}. Empty when the policy is fine.
 * @example
 * leastPrivilegeProblems({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] })
 * // ['statement 1: action s3:* contains a wildcard.', …]
 */
export function leastPrivilegeProblems(document: { Statement?: unknown }): string[] {
  const problems: string[] = [];
  list(document.Statement).forEach((raw, index) => {
    const s = raw as LooseStatement;
    const where = `statement ${typeof s.Sid === 'string' ? s.Sid : index + 1}`;
    if (s.Effect !== 'Allow') return;
    if (s.NotAction !== undefined || s.NotResource !== undefined)
      problems.push(`${where}: NotAction/NotResource grants more than it names.`);
    const actions = list(s.Action).map(String);
    for (const action of actions)
      if (action.includes('*')) problems.push(`${where}: action ${action} contains a wildcard.`);
    if (list(s.Resource).some((r) => r === '*'))
      for (const action of actions)
        if (!WILDCARD_RESOURCE_ACTIONS[action.toLowerCase()])
          problems.push(
            `${where}: ${action} is granted on Resource "*" but supports resource-level permissions (name its resources, or add it to WILDCARD_RESOURCE_ACTIONS with the reason).`,
          );
  });
  return problems;
}
