import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { PLAYBOOKS } from '../../playbooks';
import { DeploymentConfigError, InvalidParametersError } from '../../shared/errors';
import { PLAYBOOK_IDS, parseAllowList } from '../../shared/incident/decision';
import type { PlaybookMetadata } from '../../shared/incident/playbook';
import type { ResponseSettings } from '../../shared/incident/settings';
import { type Cfn, type PolicyStatement, policyDocument, renderStatements, STACK_PLACEHOLDERS } from './iam';
import { deployedName, functionName, lambdaLogicalId, pascal, SERVICE } from './naming';
import { REPO_ROOT } from './registry';

/**
 * Incident response in the stack (generated like the rest, from `playbooks/index.ts`): per playbook its SSM
 * Automation document, its automation role and its Lambda (each least privilege); the incident state table; the
 * notification topic (unless one is given); two WAF IP sets; the router Lambda that EventBridge invokes for GuardDuty
 * findings and Security Hub custom actions (created by a custom resource: CloudFormation has no type for them); a rule that notifies NON_COMPLIANT results of this stage's Config rules;
 * an hourly prune of expired blocks. Automatic response is off for every playbook until a stage parameter turns it on.
 */

/** One stage parameter of incident response (serverless.yml `params.default` lists them with these defaults). */
interface RespondParameter {
  default: string;
  description: string;
}

/** Security Hub custom actions: a person's choice in the console, run whatever the automatic switches say. */
export const CUSTOM_ACTIONS = [
  {
    suffix: 'Rsp',
    name: 'Respond (decide)',
    playbook: 'respond',
    description: 'Run the playbooks rebaseline decides for the finding.',
  },
  {
    suffix: 'Iso',
    name: 'Isolate instance',
    playbook: 'isolate-ec2-instance',
    description: "Isolate the finding's instance, evidence first.",
  },
  {
    suffix: 'Blk',
    name: 'Block IP',
    playbook: 'block-ip',
    description: "Deny the finding's remote addresses (network ACLs, WAF).",
  },
  {
    suffix: 'Rev',
    name: 'Revoke sessions',
    playbook: 'revoke-role-sessions',
    description: "Revoke the active sessions of the finding's role.",
  },
] as const;

/** Security Hub's limits on a custom action. */
const MAX_ACTION_NAME = 20;
const MAX_ACTION_ID = 20;

/** The playbooks a stage parameter can make automatic (notify always runs: it changes nothing). */
export const AUTOMATABLE = PLAYBOOK_IDS.filter((id) => id !== 'notify');

export const RESPOND_PARAMETERS: Readonly<Record<string, RespondParameter>> = {
  incidentResponse: { default: 'true', description: 'Deploy incident response (playbooks, router, rules).' },
  incidentMinSeverity: {
    default: '7',
    description: 'GuardDuty findings below this severity are not even delivered.',
  },
  incidentTypePrefixes: {
    default: '',
    description: 'Act only on finding types with these prefixes (comma-separated).',
  },
  incidentTopicArn: {
    default: '',
    description: 'SNS topic of the notifications; empty: the stack creates rebaseline-<stage>-incidents.',
  },
  incidentEvidenceBucket: {
    default: '',
    description: 'Bucket for volatile evidence; empty: no capture before isolation.',
  },
  incidentAllowList: {
    default: '',
    description: 'CIDRs never blocked, besides RFC 1918, 100.64.0.0/10, fc00::/7 and the VPC.',
  },
  incidentWafIpSetArns: {
    default: '',
    description: 'More WAF IP sets (CloudFront-scope ones) besides the two the stack creates.',
  },
  incidentRequireApproval: {
    default: 'false',
    description: 'Every playbook waits for an approver (incidentApprovers) before it changes anything.',
  },
  incidentApprovers: { default: '', description: 'IAM ARNs allowed to approve (comma-separated).' },
  incidentRetentionHours: {
    default: '12',
    description: 'How long a block lives before the hourly prune removes it.',
  },
  incidentRuleNumberRange: { default: '1-99', description: 'Network ACL rule numbers rebaseline owns.' },
  incidentNaclQuota: {
    default: '20',
    description: "Network ACL rules per direction and IP version (AWS's quota).",
  },
  incidentSkipTagKey: {
    default: 'rebaseline:incident-response',
    description: 'Tag key that exempts a resource.',
  },
  incidentSkipTagValue: { default: 'skip', description: 'Tag value that exempts a resource.' },
  incidentSecurityHubActions: {
    default: 'true',
    description: 'Create the Security Hub custom actions (needs Security Hub enabled).',
  },
  incidentNotifyComplianceChanges: {
    default: 'true',
    description: "Notify NON_COMPLIANT results of this stage's Config rules.",
  },
  ...Object.fromEntries(
    AUTOMATABLE.map((id) => [
      `${id}.automaticResponse`,
      { default: 'false', description: `Start ${id} without a person (off by default).` },
    ]),
  ),
};

/** Incident response settings of one stage, validated. */
export interface RespondSettings {
  enabled: boolean;
  minSeverity: number;
  typePrefixes: string[];
  topicArn: string;
  automatic: string[];
  securityHubActions: boolean;
  notifyComplianceChanges: boolean;
  /** The response settings the playbooks get (the state table, the WAF IP sets are the stack's). */
  settings: Omit<ResponseSettings, 'stateTable' | 'topicArn' | 'commandDocumentName'>;
}

/**
 * The incident response stage parameters, validated.
 * @throws DeploymentConfigError naming the parameter and the expected form.
 * @example
 * resolveRespondSettings((name) => input[name] ?? RESPOND_PARAMETERS[name].default)
 */
export function resolveRespondSettings(raw: (name: string) => string): RespondSettings {
  const fail = (name: string, expected: string): never => {
    throw new DeploymentConfigError(
      `Stage parameter ${name}: expected ${expected}, got ${JSON.stringify(raw(name))}.`,
    );
  };
  const flag = (name: string) =>
    /^(true|false)$/.test(raw(name)) ? raw(name) === 'true' : fail(name, '"true" or "false"');
  const minSeverity = Number(raw('incidentMinSeverity'));
  if (!/^\d+(\.\d+)?$/.test(raw('incidentMinSeverity')) || minSeverity > 10)
    fail('incidentMinSeverity', 'a number from 0 to 10');
  const topicArn = raw('incidentTopicArn');
  if (topicArn && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(topicArn))
    fail('incidentTopicArn', 'an SNS topic ARN');
  const bucket = raw('incidentEvidenceBucket');
  if (bucket && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    fail('incidentEvidenceBucket', 'a bucket name');
  try {
    parseAllowList(raw('incidentAllowList'), 'incidentAllowList');
  } catch (error) {
    if (error instanceof InvalidParametersError) fail('incidentAllowList', 'a comma-separated list of CIDRs');
    throw error;
  }
  const waf = raw('incidentWafIpSetArns');
  if (
    waf &&
    !waf
      .split(',')
      .every((a) =>
        /^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:(regional|global)\/ipset\/[\w-]{1,128}\/[0-9a-f-]{36}$/.test(
          a.trim(),
        ),
      )
  )
    fail('incidentWafIpSetArns', 'a comma-separated list of WAFv2 IP set ARNs');
  const approvers = raw('incidentApprovers');
  if (
    approvers &&
    !approvers.split(',').every((a) => /^arn:aws[a-z-]*:(iam|sts)::\d{12}:[\w+=,.@/-]+$/.test(a.trim()))
  )
    fail('incidentApprovers', 'a comma-separated list of IAM ARNs');
  const requireApproval = flag('incidentRequireApproval');
  if (requireApproval && !approvers)
    fail('incidentApprovers', 'at least one approver when incidentRequireApproval is true');
  if (!/^\d{1,5}(\.\d+)?$/.test(raw('incidentRetentionHours')) || Number(raw('incidentRetentionHours')) <= 0)
    fail('incidentRetentionHours', 'a positive number of hours');
  const range = /^(\d{1,5})-(\d{1,5})$/.exec(raw('incidentRuleNumberRange'));
  if (!range || Number(range[1]) < 1 || Number(range[2]) > 32766 || Number(range[1]) > Number(range[2]))
    fail('incidentRuleNumberRange', 'a range of rule numbers from 1 to 32766 like 1-99');
  if (
    !/^\d{1,2}$/.test(raw('incidentNaclQuota')) ||
    Number(raw('incidentNaclQuota')) < 2 ||
    Number(raw('incidentNaclQuota')) > 40
  )
    fail('incidentNaclQuota', 'a whole number from 2 to 40');
  return {
    enabled: flag('incidentResponse'),
    minSeverity,
    typePrefixes: raw('incidentTypePrefixes')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s),
    topicArn,
    automatic: AUTOMATABLE.filter((id) => flag(`${id}.automaticResponse`)),
    securityHubActions: flag('incidentSecurityHubActions'),
    notifyComplianceChanges: flag('incidentNotifyComplianceChanges'),
    settings: {
      requireApproval: String(requireApproval),
      approvers,
      skipTagKey: raw('incidentSkipTagKey'),
      skipTagValue: raw('incidentSkipTagValue'),
      isolationGroupName: 'rebaseline-isolation',
      resetTrackedConnections: 'true',
      decrementDesiredCapacity: 'false',
      forensicsSubnetId: '',
      forensicsSecurityGroupId: '',
      terminate: 'false',
      ruleNumberRange: raw('incidentRuleNumberRange'),
      naclQuota: raw('incidentNaclQuota'),
      retentionHours: raw('incidentRetentionHours'),
      allowList: raw('incidentAllowList'),
      wafIpSetArns: waf,
      evidenceBucket: bucket,
    },
  };
}

/** What the generator needs of the stage besides its incident settings. */
export interface IncidentStage {
  stage: string;
  logRetentionInDays: number;
  reservedConcurrency: number | undefined;
  deployConfigRules: boolean;
  respond: RespondSettings;
}

/** The part of the generated sections incident response adds to. */
export interface Sections {
  functions: Record<string, unknown>;
  resources: { Resources: Record<string, Cfn>; Outputs: Record<string, Cfn> };
}

const sub = (text: string): Cfn => ({ 'Fn::Sub': text });
const getArn = (logicalId: string): Cfn => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** The osls function key of a playbook's Lambda. */
export const playbookFunctionKey = (id: string) => `playbook${pascal(id)}`;
export const ROUTER_FUNCTION_KEY = 'incidentRouter';
/** The custom resource Lambda of the Security Hub custom actions. */
export const ACTION_TARGETS_FUNCTION_KEY = 'incidentActionTargets';
/** The router's function is `rebaseline-<stage>-respond`. */
export const ROUTER_NAME = 'respond';
/** The Run Command document collect-evidence sends: `rebaseline-<stage>-capture-volatile-data`. */
export const COMMAND_DOCUMENT = 'capture-volatile-data';

function lambdaRole(stage: string, description: string, name: string, statements: PolicyStatement[]): Cfn {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Path: `/${SERVICE}/${stage}/incident/`,
      Description: description,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      Policies: [
        {
          PolicyName: 'least-privilege',
          PolicyDocument: policyDocument([
            {
              Sid: 'WriteOwnLogs',
              Effect: 'Allow',
              Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              Resource: [
                sub(
                  `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${name}:*`,
                ),
              ],
            },
            ...statements,
          ]) as unknown as Cfn,
        },
      ],
    },
  };
}

function readYaml(path: string): Cfn {
  try {
    return parse(readFileSync(path, 'utf8')) as Cfn;
  } catch (cause) {
    throw new DeploymentConfigError(`Cannot read ${path}.`, { cause });
  }
}

/** A playbook's Lambda, SSM document and automation role. */
function addPlaybook(
  stage: IncidentStage,
  meta: PlaybookMetadata,
  dir: string,
  tableArn: Cfn,
  out: Sections,
): void {
  const P = pascal(meta.id);
  const key = playbookFunctionKey(meta.id);
  const name = functionName(stage.stage, meta.id);
  const lambda = meta.lambda as NonNullable<PlaybookMetadata['lambda']>;
  // The state table is the stack's own: the metadata's table pattern is narrowed to it.
  const statements = renderStatements(lambda.iam, STACK_PLACEHOLDERS, 'Playbook').map((s) =>
    s.Action.every((a) => a.startsWith('dynamodb:')) ? { ...s, Resource: [tableArn] } : s,
  );
  out.resources.Resources[`Playbook${P}LambdaRole`] = lambdaRole(
    stage.stage,
    `rebaseline ${stage.stage}: Lambda of playbook ${meta.id}.`,
    name,
    statements,
  );
  out.functions[key] = {
    name,
    handler: `${dir}/handler.handler`,
    description: `rebaseline playbook ${meta.id}: ${meta.title}`.slice(0, 256),
    role: sub(`\${Playbook${P}LambdaRole.Arn}`),
    memorySize: 256,
    timeout: lambda.timeoutSeconds,
    logRetentionInDays: stage.logRetentionInDays,
    ...(stage.reservedConcurrency === undefined ? {} : { reservedConcurrency: stage.reservedConcurrency }),
    environment: { LOG_LEVEL: 'info' },
  };
  const automation: PolicyStatement[] = renderStatements(meta.iam, STACK_PLACEHOLDERS, 'Automation')
    .filter((s) => !s.Action.every((a) => a === 'lambda:InvokeFunction'))
    .map((s) =>
      s.Action.includes('ssm:SendCommand')
        ? {
            ...s,
            Resource: [
              sub(`arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:instance/*`),
              sub(
                `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:document/${deployedName(stage.stage, COMMAND_DOCUMENT)}`,
              ),
            ],
          }
        : s,
    );
  automation.push({
    Sid: 'InvokePlaybookLambda',
    Effect: 'Allow',
    Action: ['lambda:InvokeFunction'],
    Resource: [getArn(lambdaLogicalId(key))],
  });
  out.resources.Resources[`Playbook${P}AutomationRole`] = {
    Type: 'AWS::IAM::Role',
    Properties: {
      Path: `/${SERVICE}/${stage.stage}/incident/`,
      Description: `rebaseline ${stage.stage}: SSM Automation of playbook ${meta.id}.`,
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'ssm.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': sub(
                  `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:automation-execution/*`,
                ),
              },
            },
          },
        ],
      },
      Policies: [
        { PolicyName: 'least-privilege', PolicyDocument: policyDocument(automation) as unknown as Cfn },
      ],
    },
  };
  out.resources.Resources[`Playbook${P}Document`] = {
    Type: 'AWS::SSM::Document',
    Properties: {
      Name: deployedName(stage.stage, meta.id),
      DocumentType: 'Automation',
      DocumentFormat: 'YAML',
      UpdateMethod: 'NewVersion',
      Content: readYaml(join(REPO_ROOT, dir, meta.document)),
    },
  };
  if (meta.commandDocument)
    out.resources.Resources[`Playbook${P}CommandDocument`] = {
      Type: 'AWS::SSM::Document',
      Properties: {
        Name: deployedName(stage.stage, COMMAND_DOCUMENT),
        DocumentType: 'Command',
        DocumentFormat: 'YAML',
        UpdateMethod: 'NewVersion',
        Content: readYaml(join(REPO_ROOT, dir, meta.commandDocument)),
      },
    };
}

function permission(functionKey: string, principal: string, sourceArn: Cfn): Cfn {
  return {
    Type: 'AWS::Lambda::Permission',
    Properties: {
      FunctionName: getArn(lambdaLogicalId(functionKey)),
      Action: 'lambda:InvokeFunction',
      Principal: principal,
      SourceArn: sourceArn,
    },
  };
}

/** The custom action ids of a stage: unique per account and region, at most 20 letters and digits. */
export function actionId(stage: string, suffix: string): string {
  const id = `Rbl${pascal(stage)}`.slice(0, MAX_ACTION_ID - suffix.length) + suffix;
  if (!/^[A-Za-z0-9]{1,20}$/.test(id))
    throw new DeploymentConfigError(`Security Hub custom action id ${id} must be 1-20 letters and digits.`);
  return id;
}

/** The GuardDuty rule's event pattern. */
export function guardDutyPattern(respond: RespondSettings): Record<string, unknown> {
  return {
    source: ['aws.guardduty'],
    'detail-type': ['GuardDuty Finding'],
    detail: {
      severity: [{ numeric: ['>=', respond.minSeverity] }],
      resource: { resourceType: ['Instance', 'AccessKey'] },
      ...(respond.typePrefixes.length ? { type: respond.typePrefixes.map((prefix) => ({ prefix })) } : {}),
    },
  };
}

/** The Config rule's event pattern: NON_COMPLIANT results of this stage's rules. */
export function compliancePattern(stage: string): Record<string, unknown> {
  return {
    source: ['aws.config'],
    'detail-type': ['Config Rules Compliance Change'],
    detail: {
      messageType: ['ComplianceChangeNotification'],
      configRuleName: [{ prefix: `${SERVICE}-${stage}-` }],
      newEvaluationResult: { complianceType: ['NON_COMPLIANT'] },
    },
  };
}

/**
 * Adds incident response to the generated sections (nothing when the stage turned it off).
 * @throws DeploymentConfigError when a playbook lacks its Lambda or a custom action breaks Security Hub's limits.
 * @example
 * addIncidentResponse({ stage: 'prod', logRetentionInDays: 30, reservedConcurrency: 5, deployConfigRules: true, respond }, out);
 */
export function addIncidentResponse(stage: IncidentStage, out: Sections): void {
  const { respond } = stage;
  if (!respond.enabled) return;
  const R = out.resources.Resources;
  const O = out.resources.Outputs;
  R.IncidentStateTable = {
    Type: 'AWS::DynamoDB::Table',
    DeletionPolicy: 'Retain',
    UpdateReplacePolicy: 'Retain',
    Properties: {
      TableName: deployedName(stage.stage, 'incident-state'),
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    },
  };
  const tableArn = getArn('IncidentStateTable');
  const topic: Cfn = respond.topicArn || { Ref: 'IncidentTopic' };
  if (!respond.topicArn) {
    R.IncidentTopic = {
      Type: 'AWS::SNS::Topic',
      Properties: { TopicName: deployedName(stage.stage, 'incidents'), DisplayName: 'rebaseline incidents' },
    };
    O.IncidentTopicArn = {
      Description: 'Subscribe people (e-mail, chat, paging) to the incident notifications here.',
      Value: { Ref: 'IncidentTopic' },
    };
  }
  for (const version of ['V4', 'V6'] as const)
    R[`IncidentWafIpSet${version}`] = {
      Type: 'AWS::WAFv2::IPSet',
      Properties: {
        Name: deployedName(stage.stage, `blocked-${version.toLowerCase()}`),
        Description: `Addresses that rebaseline block-ip denies, IP${version.toLowerCase()}. Reference it from a block rule of a web ACL.`,
        Scope: 'REGIONAL',
        IPAddressVersion: `IP${version}`,
        Addresses: [],
      },
    };
  O.IncidentWafIpSetV4Arn = {
    Description: 'WAF IP set of blocked IPv4 addresses (reference it from a web ACL rule).',
    Value: getArn('IncidentWafIpSetV4'),
  };
  O.IncidentWafIpSetV6Arn = {
    Description: 'WAF IP set of blocked IPv6 addresses (reference it from a web ACL rule).',
    Value: getArn('IncidentWafIpSetV6'),
  };
  // Inside Fn::Sub strings (JSON for the router's environment and the prune's input): the stack's own IP sets first.
  const wafArns = `\${IncidentWafIpSetV4.Arn},\${IncidentWafIpSetV6.Arn}${respond.settings.wafIpSetArns ? `,${respond.settings.wafIpSetArns}` : ''}`;
  const topicRef = respond.topicArn || `\${IncidentTopic}`;

  for (const playbook of PLAYBOOKS) {
    if (!playbook.meta.lambda)
      throw new DeploymentConfigError(`Playbook ${playbook.meta.id} declares no lambda in playbook.json.`);
    addPlaybook(stage, playbook.meta, `playbooks/${playbook.meta.id}`, tableArn, out);
  }

  const routed = PLAYBOOKS.filter((p) => p.meta.id !== 'notify');
  const routerName = functionName(stage.stage, ROUTER_NAME);
  R.IncidentRouterRole = lambdaRole(
    stage.stage,
    `rebaseline ${stage.stage}: the incident router (decides, starts the playbooks, notifies).`,
    routerName,
    [
      {
        Sid: 'StartPlaybooks',
        Effect: 'Allow',
        Action: ['ssm:StartAutomationExecution'],
        Resource: routed.map((p) =>
          sub(
            `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:automation-definition/${deployedName(stage.stage, p.meta.id)}:*`,
          ),
        ),
      },
      {
        Sid: 'FollowPlaybooks',
        Effect: 'Allow',
        Action: ['ssm:GetAutomationExecution'],
        Resource: [
          sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:automation-execution/*`),
        ],
      },
      {
        Sid: 'PassAutomationRoles',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: routed.map((p) => getArn(`Playbook${pascal(p.meta.id)}AutomationRole`)),
        Condition: { StringEquals: { 'iam:PassedToService': 'ssm.amazonaws.com' } },
      },
      { Sid: 'Notify', Effect: 'Allow', Action: ['sns:Publish'], Resource: [topic] },
    ],
  );
  const actions = respond.securityHubActions
    ? CUSTOM_ACTIONS.map((a) => ({ ...a, id: actionId(stage.stage, a.suffix) }))
    : [];
  const settings: ResponseSettings = {
    ...respond.settings,
    wafIpSetArns: wafArns,
    stateTable: `\${IncidentStateTable}`,
    topicArn: topicRef,
    commandDocumentName: deployedName(stage.stage, COMMAND_DOCUMENT),
  };
  out.functions[ROUTER_FUNCTION_KEY] = {
    name: routerName,
    handler: 'playbooks/router/handler.handler',
    description: `rebaseline ${stage.stage}: decides the response to a finding, starts the playbooks, notifies.`,
    role: sub(`\${IncidentRouterRole.Arn}`),
    memorySize: 256,
    timeout: 900,
    logRetentionInDays: stage.logRetentionInDays,
    ...(stage.reservedConcurrency === undefined ? {} : { reservedConcurrency: stage.reservedConcurrency }),
    environment: {
      LOG_LEVEL: 'info',
      PLAYBOOK_PREFIX: `${SERVICE}-${stage.stage}-`,
      AUTOMATIC_PLAYBOOKS: respond.automatic.join(','),
      AUTOMATION_ROLES: sub(
        JSON.stringify(
          Object.fromEntries(
            routed.map((p) => [p.meta.id, `\${Playbook${pascal(p.meta.id)}AutomationRole.Arn}`]),
          ),
        ),
      ),
      CUSTOM_ACTIONS: JSON.stringify(Object.fromEntries(actions.map((a) => [a.id, a.playbook]))),
      RESPONSE_SETTINGS: sub(JSON.stringify(settings)),
      MIN_SEVERITY: String(respond.minSeverity),
      TYPE_PREFIXES: respond.typePrefixes.join(','),
      WAIT_SECONDS: '240',
    },
  };
  O.IncidentRouterArn = {
    Description: 'The incident router Lambda (EventBridge target).',
    Value: getArn(lambdaLogicalId(ROUTER_FUNCTION_KEY)),
  };

  R.IncidentGuardDutyRule = {
    Type: 'AWS::Events::Rule',
    Properties: {
      Description: `rebaseline ${stage.stage}: GuardDuty findings of severity ${respond.minSeverity} or more on instances and access keys.`,
      EventPattern: guardDutyPattern(respond) as Cfn,
      State: 'ENABLED',
      Targets: [{ Id: 'router', Arn: getArn(lambdaLogicalId(ROUTER_FUNCTION_KEY)) }],
    },
  };
  R.IncidentGuardDutyPermission = permission(
    ROUTER_FUNCTION_KEY,
    'events.amazonaws.com',
    getArn('IncidentGuardDutyRule'),
  );

  if (actions.length) {
    // CloudFormation has no resource type for Security Hub custom actions: a custom resource creates them.
    const targetsName = functionName(stage.stage, 'action-targets');
    R.IncidentActionTargetsRole = lambdaRole(
      stage.stage,
      `rebaseline ${stage.stage}: creates the Security Hub custom actions.`,
      targetsName,
      [
        {
          Sid: 'ManageCustomActions',
          Effect: 'Allow',
          Action: [
            'securityhub:CreateActionTarget',
            'securityhub:UpdateActionTarget',
            'securityhub:DeleteActionTarget',
          ],
          Resource: [
            sub(`arn:\${AWS::Partition}:securityhub:\${AWS::Region}:\${AWS::AccountId}:hub/default`),
          ],
        },
      ],
    );
    out.functions[ACTION_TARGETS_FUNCTION_KEY] = {
      name: targetsName,
      handler: 'playbooks/action-targets/handler.handler',
      description: `rebaseline ${stage.stage}: the Security Hub custom actions (a CloudFormation custom resource).`,
      role: sub(`\${IncidentActionTargetsRole.Arn}`),
      memorySize: 128,
      timeout: 60,
      logRetentionInDays: stage.logRetentionInDays,
      environment: { LOG_LEVEL: 'info' },
    };
    for (const a of actions) {
      if (a.name.length > MAX_ACTION_NAME)
        throw new DeploymentConfigError(
          `Security Hub custom action name "${a.name}" is longer than ${MAX_ACTION_NAME} characters.`,
        );
      R[`IncidentAction${a.suffix}`] = {
        Type: 'Custom::SecurityHubActionTarget',
        Properties: {
          ServiceToken: getArn(lambdaLogicalId(ACTION_TARGETS_FUNCTION_KEY)),
          Id: a.id,
          Name: a.name,
          Description: a.description,
        },
      };
    }
    R.IncidentSecurityHubRule = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: `rebaseline ${stage.stage}: Security Hub custom actions (a person's choice).`,
        EventPattern: {
          source: ['aws.securityhub'],
          'detail-type': ['Security Hub Findings - Custom Action'],
          resources: actions.map((a) => getArn(`IncidentAction${a.suffix}`)),
        },
        State: 'ENABLED',
        Targets: [{ Id: 'router', Arn: getArn(lambdaLogicalId(ROUTER_FUNCTION_KEY)) }],
      },
    };
    R.IncidentSecurityHubPermission = permission(
      ROUTER_FUNCTION_KEY,
      'events.amazonaws.com',
      getArn('IncidentSecurityHubRule'),
    );
  }

  R.IncidentPruneSchedule = {
    Type: 'AWS::Events::Rule',
    Properties: {
      Description: `rebaseline ${stage.stage}: remove blocks older than ${respond.settings.retentionHours} h every hour.`,
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: [
        {
          Id: 'prune',
          Arn: getArn(lambdaLogicalId(playbookFunctionKey('block-ip'))),
          Input: sub(
            JSON.stringify({
              Mode: 'prune',
              AccountId: `\${AWS::AccountId}`,
              RetentionHours: respond.settings.retentionHours,
              RuleNumberRange: respond.settings.ruleNumberRange,
              NaclQuota: respond.settings.naclQuota,
              WafIpSetArns: wafArns,
              StateTable: `\${IncidentStateTable}`,
            }),
          ),
        },
      ],
    },
  };
  R.IncidentPrunePermission = permission(
    playbookFunctionKey('block-ip'),
    'events.amazonaws.com',
    getArn('IncidentPruneSchedule'),
  );

  if (respond.notifyComplianceChanges && stage.deployConfigRules) {
    R.IncidentComplianceRule = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Description: `rebaseline ${stage.stage}: notify NON_COMPLIANT results of this stage's Config rules.`,
        EventPattern: compliancePattern(stage.stage) as Cfn,
        State: 'ENABLED',
        Targets: [
          {
            Id: 'topic',
            Arn: topic,
            InputTransformer: {
              InputPathsMap: {
                rule: '$.detail.configRuleName',
                type: '$.detail.resourceType',
                id: '$.detail.resourceId',
                account: '$.detail.awsAccountId',
                region: '$.detail.awsRegion',
              },
              InputTemplate:
                '"rebaseline: <type> <id> in account <account> (<region>) is NON_COMPLIANT with <rule>. rebaseline remediate --resource <id> plans the fix."',
            },
          },
        ],
      },
    };
    if (!respond.topicArn)
      R.IncidentTopicPolicy = {
        Type: 'AWS::SNS::TopicPolicy',
        Properties: {
          Topics: [{ Ref: 'IncidentTopic' }],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'ComplianceChanges',
                Effect: 'Allow',
                Principal: { Service: 'events.amazonaws.com' },
                Action: 'sns:Publish',
                Resource: { Ref: 'IncidentTopic' },
                Condition: { ArnEquals: { 'aws:SourceArn': getArn('IncidentComplianceRule') } },
              },
            ],
          },
        },
      };
  }
  O.IncidentStateTableName = {
    Description: 'The incident state table (isolation records, block ledgers).',
    Value: { Ref: 'IncidentStateTable' },
  };
}
