import { ORGANIZATION_SCAN_STATEMENTS, SCAN_READS } from '../../app/scan/iam';
import { PLAYBOOKS } from '../../playbooks';
import { REMEDIATIONS } from '../../remediations';
import { RULES } from '../../rules';
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
 * Actions the framework's own statements grant on `Resource: "*"` (the Config adapter's), each with the reason.
 * Source: the Service Authorization Reference (the action lists no resource type, so IAM only accepts `*`).
 */
export const FRAMEWORK_WILDCARD_ACTIONS: Readonly<Record<string, string>> = {
  'config:putevaluations':
    'Config PutEvaluations has no resource type (the result token identifies the rule).',
  'config:getresourceconfighistory': 'Config GetResourceConfigHistory has no resource type.',
};

/**
 * Actions that may be granted on `Resource: "*"`, lower-cased, each with the reason: the framework's, and those of
 * every statement on `"*"` in a rule.json, remediation.json or playbook.json, whose `wildcardReason` says why (the
 * registry tests require one exactly on such statements). Everything else must name its resources: the
 * least-privilege test walks every generated policy.
 * @example
 * wildcardResourceActions([ruleMeta], [])['cloudtrail:describetrails'] // → 'CloudTrail DescribeTrails has no resource type.'
 */
export function wildcardResourceActions(
  rules: readonly { iam: readonly IamStatement[] }[],
  remediations: readonly {
    iam: readonly RemediationIamStatement[];
    lambda?: { iam: readonly RemediationIamStatement[] };
  }[],
): Record<string, string> {
  const out: Record<string, string> = { ...FRAMEWORK_WILDCARD_ACTIONS };
  const statements = [
    ...rules.flatMap((r) => r.iam),
    ...remediations.flatMap((r) => [...r.iam, ...(r.lambda?.iam ?? [])]),
  ];
  for (const s of statements)
    if (s.resources.includes('*') && s.wildcardReason)
      for (const action of s.actions) out[action.toLowerCase()] ??= s.wildcardReason;
  return out;
}

/** Every action the registered rules, remediations and playbooks, and the framework, may grant on `Resource: "*"`. */
export const WILDCARD_RESOURCE_ACTIONS: Readonly<Record<string, string>> = wildcardResourceActions(
  [...RULES.map((r) => r.meta), { iam: [...SCAN_READS, ...ORGANIZATION_SCAN_STATEMENTS] }],
  [...REMEDIATIONS.map((r) => r.meta), ...PLAYBOOKS.map((p) => p.meta)],
);

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
            `${where}: ${action} is granted on Resource "*" but supports resource-level permissions (name its resources, or say in the statement's wildcardReason why it cannot).`,
          );
  });
  return problems;
}
