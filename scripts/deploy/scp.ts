import { DeploymentConfigError } from '../../shared/errors';
import { COMMON_PARAMETERS } from '../../shared/params';
import { ACCOUNT_RESOURCE_TYPE, type RuleMetadata } from '../../shared/rule';
import type { Cfn } from './iam';
import { MEMBER_PREFIX, memberAutomationRoleName, memberDocumentName } from './naming';
import type { DeployRegistry } from './registry';

/** AWS's limit on the size of one service control policy document. */
export const MAX_SCP_CHARACTERS = 5120;

/** How the exemption tag is written on one resource type (see {@link taggingOf}). */
export type Tagging = { actions: string[]; resource: string; byTagKey: boolean } | { none: string };

/**
 * How the exemption tag is written on a resource type a rule evaluates: the tagging calls, their resources, and
 * whether the service evaluates `aws:TagKeys` on them. EC2 does for CreateTags/DeleteTags (every EC2 resource);
 * S3 bucket tagging replaces the whole tag set and is not conditioned on tag keys, so only the exemption
 * administrators may tag buckets at all, or the deployment leaves buckets to exemptResourceIds (template parameter
 * ProtectBucketTagging). Account-level resources carry no tags. Any other service is tagged through its
 * TagResource/UntagResource, which evaluate `aws:TagKeys`.
 * @example
 * taggingOf('AWS::GuardDuty::Detector') // → { actions: ['guardduty:TagResource', 'guardduty:UntagResource'], resource: '*', byTagKey: true }
 */
export function taggingOf(resourceType: string): Tagging {
  if (resourceType === ACCOUNT_RESOURCE_TYPE || resourceType === 'AWS::S3::AccountPublicAccessBlock')
    return { none: 'account-level settings carry no tags: exempt them by id (exemptResourceIds)' };
  const service = /^AWS::([A-Za-z0-9]+)::/.exec(resourceType)?.[1]?.toLowerCase();
  if (!service) throw new DeploymentConfigError(`${resourceType} is not an AWS resource type.`);
  if (service === 'ec2')
    return {
      actions: ['ec2:CreateTags', 'ec2:DeleteTags'],
      resource: `arn:\${AWS::Partition}:ec2:*:*:*`,
      byTagKey: true,
    };
  if (resourceType === 'AWS::S3::Bucket')
    return {
      actions: ['s3:PutBucketTagging', 's3:DeleteBucketTagging'],
      resource: `arn:\${AWS::Partition}:s3:::*`,
      byTagKey: false,
    };
  return { actions: [`${service}:TagResource`, `${service}:UntagResource`], resource: '*', byTagKey: true };
}

/** The resource types a rule evaluates (change-triggered and periodic). */
function resourceTypes(rule: RuleMetadata): string[] {
  return [
    ...(rule.trigger.configurationChange?.resourceTypes ?? []),
    ...(rule.trigger.periodic ? [rule.trigger.periodic.resourceType] : []),
  ];
}

/** Who may still do what the policy denies: the exemption administrators' role ARNs (patterns). */
const EXCEPT_ADMINS = { ArnNotLike: { 'aws:PrincipalArn': `\${ExemptionAdminArnPatterns}` } };

interface ScpStatement {
  Sid: string;
  Effect: 'Deny';
  Action: string[];
  Resource: string | string[];
  Condition: Record<string, Record<string, string>>;
}

/**
 * The policy's statements, from the registry: the tag exemption every rule reads (`exemptTagKey`, a common rule
 * parameter) protected on every resource type a rule evaluates, and the member-account resources rebaseline's
 * decisions rest on (the Config recorder, the execution and automation roles, the remediation documents).
 * `${…}` names template parameters.
 * @throws DeploymentConfigError when a rule's resource type is not an AWS resource type.
 */
export function scpStatements(registry: DeployRegistry, protectBucketTagging: boolean): ScpStatement[] {
  if (!COMMON_PARAMETERS.exemptTagKey || !COMMON_PARAMETERS.exemptTagValue)
    throw new DeploymentConfigError(
      'The rules have no tag exemption (exemptTagKey/exemptTagValue): no SCP needed.',
    );
  // The Resource Groups Tagging API tags any resource; the services' own permissions apply as well.
  const byKey = new Set<string>(['tag:TagResources', 'tag:UntagResources']);
  const whole = new Map<string, string>();
  for (const rule of registry.rules)
    for (const type of resourceTypes(rule)) {
      const tagging = taggingOf(type);
      if ('none' in tagging) continue;
      for (const action of tagging.actions)
        if (tagging.byTagKey) byKey.add(action);
        else whole.set(action, tagging.resource);
    }
  const statements: ScpStatement[] = [
    {
      Sid: 'ProtectExemptionTag',
      Effect: 'Deny',
      Action: [...byKey],
      // The condition names the tag key; tag:TagResources has no resource type, so the statement covers all.
      Resource: '*',
      Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': `\${ExemptTagKey}` }, ...EXCEPT_ADMINS },
    },
  ];
  if (protectBucketTagging && whole.size > 0)
    statements.push({
      Sid: 'ProtectTagSetsWithoutKeyConditions',
      Effect: 'Deny',
      Action: [...whole.keys()],
      Resource: [...new Set(whole.values())],
      Condition: EXCEPT_ADMINS,
    });
  const remediations = registry.remediations.map((r) => r.meta.id);
  statements.push(
    {
      Sid: 'ProtectConfigRecording',
      Effect: 'Deny',
      Action: [
        'config:StopConfigurationRecorder',
        'config:DeleteConfigurationRecorder',
        'config:DeleteDeliveryChannel',
        'config:DeleteConformancePack',
      ],
      Resource: '*',
      Condition: EXCEPT_ADMINS,
    },
    {
      Sid: 'ProtectRebaselineRoles',
      Effect: 'Deny',
      Action: [
        'iam:AttachRolePolicy',
        'iam:DeleteRole',
        'iam:DeleteRolePolicy',
        'iam:DetachRolePolicy',
        'iam:PutRolePolicy',
        'iam:UpdateAssumeRolePolicy',
      ],
      Resource: [
        `arn:\${AWS::Partition}:iam::*:role/\${ExecutionRoleName}`,
        `arn:\${AWS::Partition}:iam::*:role/${memberAutomationRoleName('*').replace(/\*$/, '')}*`,
      ],
      Condition: EXCEPT_ADMINS,
    },
    {
      Sid: 'ProtectRemediationDocuments',
      Effect: 'Deny',
      Action: ['ssm:DeleteDocument', 'ssm:UpdateDocument', 'ssm:UpdateDocumentDefaultVersion'],
      Resource: remediations.map((id) => `arn:\${AWS::Partition}:ssm:*:*:document/${memberDocumentName(id)}`),
      Condition: EXCEPT_ADMINS,
    },
  );
  return statements;
}

/** The policy text: minified JSON (SCPs count every character) with the template's `${…}` parameters. */
export function scpContent(registry: DeployRegistry, protectBucketTagging: boolean): string {
  const text = JSON.stringify({
    Version: '2012-10-17',
    Statement: scpStatements(registry, protectBucketTagging),
  });
  // Fn::Sub leaves `${!…}` alone; the policy has no literal `${` of its own.
  const estimate = text.replace(`\${ExemptionAdminArnPatterns}`, 'x'.repeat(200));
  if (estimate.length > MAX_SCP_CHARACTERS)
    throw new DeploymentConfigError(
      `The exemption SCP would be about ${estimate.length} characters; AWS allows ${MAX_SCP_CHARACTERS}.`,
    );
  return text;
}

/**
 * `rebaseline-exemption-scp.yaml`: an optional CloudFormation template for the management account that attaches a
 * service control policy protecting what rebaseline's verdicts rest on. Anyone who can write the exemption tag
 * could otherwise exempt a resource from every rule; anyone who can stop Config recording, or change the
 * execution role, the automation roles or the remediation documents, could blind or steer the rules and
 * remediations. Only principals matching ExemptionAdminArnPatterns keep those rights.
 * @example
 * renderTemplate('…', buildExemptionScp(loadRegistry()))
 */
export function buildExemptionScp(registry: DeployRegistry): Record<string, Cfn> {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'rebaseline: a service control policy that keeps the exemption tag, Config recording and rebaseline’s member roles and documents to the exemption administrators (deploy in the management account).',
    Parameters: {
      ExemptTagKey: {
        Type: 'String',
        Description: `The exemption tag key the rules use (exemptTagKey: ${COMMON_PARAMETERS.exemptTagKey?.description})`,
        AllowedPattern: '^[\\w\\s+=.:/@-]{1,128}$',
      },
      ExemptionAdminArnPatterns: {
        Type: 'String',
        Description:
          'ARN pattern of the principals that may still set the exemption tag and change what the policy protects, e.g. arn:aws:iam::*:role/security-admin.',
        AllowedPattern: '^arn:aws[a-z-]*:(iam|sts)::[\\d*]*:[\\w+=,.@/*-]+$',
      },
      ExecutionRoleName: {
        Type: 'String',
        Default: `${MEMBER_PREFIX}-execution`,
        Description: 'The member execution role (member-roles.yaml ExecutionRoleName).',
        AllowedPattern: '^[\\w+=,.@-]{1,64}$',
      },
      ProtectBucketTagging: {
        Type: 'String',
        Default: 'true',
        AllowedValues: ['true', 'false'],
        Description:
          'S3 bucket tagging replaces the whole tag set and is not conditioned on tag keys: true keeps all bucket tagging to the administrators; false leaves it open, and bucket exemptions must then use exemptResourceIds only.',
      },
      TargetIds: {
        Type: 'CommaDelimitedList',
        Description: 'Root, OU or account ids the policy is attached to.',
      },
    },
    Conditions: { ProtectBucketTagging: { 'Fn::Equals': [{ Ref: 'ProtectBucketTagging' }, 'true'] } },
    Resources: {
      ExemptionScp: {
        Type: 'AWS::Organizations::Policy',
        Properties: {
          Name: 'rebaseline-protect-exemptions',
          Description:
            'rebaseline: only the exemption administrators may exempt resources or blind the rules.',
          Type: 'SERVICE_CONTROL_POLICY',
          TargetIds: { Ref: 'TargetIds' },
          Content: {
            'Fn::If': [
              'ProtectBucketTagging',
              { 'Fn::Sub': scpContent(registry, true) },
              { 'Fn::Sub': scpContent(registry, false) },
            ],
          },
        },
      },
    },
    Outputs: { PolicyId: { Value: { Ref: 'ExemptionScp' } } },
  };
}
