import type { DeployableRemediation, DeployRegistry } from '../../scripts/deploy/registry';
import type { RuleMetadata } from '../../shared/rule';

/**
 * A rule that exists in no folder: the generators must pick it up from the registry alone, which is what "adding
 * a rule folder makes it appear" means. Change-triggered and periodic, with a list, a boolean and an integer.
 */
export const SYNTHETIC_RULE: RuleMetadata = {
  id: 'synthetic-widget-locked',
  title: 'Widgets are locked',
  description: 'A rule written for the deployment tests only.',
  severity: 'low',
  trigger: {
    configurationChange: { resourceTypes: ['AWS::EC2::Volume'] },
    periodic: { maximumExecutionFrequency: 'Six_Hours', resourceType: 'AWS::EC2::Volume' },
  },
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      allowedOwners: {
        type: 'array',
        items: { type: 'string', pattern: '^\\d{12}$' },
        default: [],
        description: 'Accounts whose widgets may stay unlocked.',
      },
      strict: { type: 'boolean', default: true, description: 'Whether unknown widgets fail.' },
      maxAgeDays: { type: 'integer', minimum: 1, default: 30, description: 'Oldest acceptable lock.' },
    },
  },
  remediation: 'synthetic-lock-widget',
  iam: [{ actions: ['ec2:DescribeSecurityGroups'], resources: ['*'], reason: 'Read the widgets.' }],
  controls: {},
};

/** The synthetic rule's remediation, with a Lambda and every kind of parameter source. */
export const SYNTHETIC_REMEDIATION: DeployableRemediation = {
  folder: 'remediations/synthetic-lock-widget',
  meta: {
    id: 'synthetic-lock-widget',
    title: 'Lock a widget',
    description: 'A remediation written for the deployment tests only.',
    rules: ['synthetic-widget-locked'],
    document: 'document.yaml',
    parameters: {
      VolumeId: { source: 'resourceId' },
      AllowedOwners: { source: 'ruleParameter', ruleParameter: 'allowedOwners' },
      Strict: { source: 'ruleParameter', ruleParameter: 'strict' },
      Account: { source: 'accountId' },
      Topic: { source: 'static', default: '', stageParameter: 'widgetTopicArn' },
      Mode: { source: 'static', default: 'lock' },
      FunctionName: { source: 'lambda' },
      AutomationAssumeRole: { source: 'assumeRole' },
    },
    iam: [
      {
        actions: ['ec2:ModifyVolume'],
        resources: [`arn:\${Partition}:ec2:\${Region}:\${AccountId}:volume/*`],
        reason: 'Lock the widget.',
      },
    ],
    lambda: {
      handler: 'handler.ts',
      timeoutSeconds: 42,
      modes: ['plan', 'verify'],
      payload: { properties: {} },
      iam: [{ actions: ['ec2:DescribeSecurityGroups'], resources: ['*'], reason: 'Read the widget.' }],
    },
  },
  document: {
    schemaVersion: '0.3',
    description: 'Synthetic.',
    assumeRole: '{{ AutomationAssumeRole }}',
    parameters: {
      VolumeId: { type: 'String', allowedPattern: '^vol-[0-9a-f]+$' },
      AllowedOwners: { type: 'String', default: '', allowedPattern: '^[\\d,]*$' },
      Strict: { type: 'String', default: 'true', allowedPattern: '^(true|false)$' },
      Account: { type: 'String', allowedPattern: '^\\d{12}$' },
      Topic: { type: 'String', default: '', allowedPattern: '^(arn:\\S+)?$' },
      Mode: { type: 'String', default: 'lock', allowedPattern: '^(lock|unlock)$' },
      FunctionName: { type: 'String', allowedPattern: '^\\S+$' },
      AutomationAssumeRole: { type: 'String', allowedPattern: '^arn:\\S+$' },
    },
    mainSteps: [{ name: 'Noop', action: 'aws:sleep', inputs: { Duration: 'PT1S' }, isEnd: true }],
  },
};

/**
 * The registry plus the synthetic rule and remediation.
 * @example
 * const registry = withSynthetic(loadRegistry());
 */
export function withSynthetic(registry: DeployRegistry): DeployRegistry {
  return {
    rules: [...registry.rules, SYNTHETIC_RULE],
    remediations: [...registry.remediations, SYNTHETIC_REMEDIATION],
  };
}

/** Properties of a template resource, typed loosely for assertions. */
export function props(template: { Resources: Record<string, unknown> }, id: string): Record<string, unknown> {
  const resource = template.Resources[id] as { Properties?: Record<string, unknown> } | undefined;
  if (!resource) throw new Error(`Resource ${id} is not in the template.`);
  return resource.Properties ?? {};
}

/** Every inline policy of every IAM role in a template, by role. */
export function rolePolicies(resources: Record<string, unknown>): [string, { Statement?: unknown }][] {
  const out: [string, { Statement?: unknown }][] = [];
  for (const [id, r] of Object.entries(resources)) {
    const resource = r as {
      Type?: string;
      Properties?: { Policies?: { PolicyDocument: { Statement?: unknown } }[] };
    };
    if (resource.Type !== 'AWS::IAM::Role') continue;
    for (const p of resource.Properties?.Policies ?? []) out.push([id, p.PolicyDocument]);
  }
  return out;
}
