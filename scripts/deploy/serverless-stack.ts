import {
  EXECUTION_ROLE_EXTERNAL_ID_ENV,
  EXECUTION_ROLE_NAME_ENV,
  memberAlias,
} from '../../shared/aws/target-account';
import { DeploymentConfigError } from '../../shared/errors';
import type { RuleMetadata } from '../../shared/rule';
import {
  configDescription,
  customLambdaSource,
  remediationParameters,
  ruleScopeAndFrequency,
} from './config-resources';
import {
  type Cfn,
  type PlaceholderValues,
  type PolicyStatement,
  policyDocument,
  renderStatements,
  STACK_PLACEHOLDERS,
} from './iam';
import {
  deployedName,
  functionName,
  lambdaLogicalId,
  pascal,
  remediationFunctionKey,
  ruleFunctionKey,
  ruleRolePath,
  stackRolePath,
} from './naming';
import {
  type DeployableRemediation,
  type DeployRegistry,
  readsThroughExecutionRole,
  remediationOf,
} from './registry';
import { addIncidentResponse } from './respond';
import type { StageSettings } from './stage-params';

/** One osls function definition (the subset rebaseline uses). */
export interface FunctionDefinition {
  name: string;
  handler: string;
  description: string;
  /** `Fn::Sub` of the role's ARN: osls adds a redundant DependsOn (cfn-lint W3005) for a logical id or GetAtt. */
  role: Cfn;
  memorySize: number;
  timeout: number;
  logRetentionInDays: number;
  reservedConcurrency?: number;
  /** Values are strings, or `Fn::Sub` for what only the stack knows (an ARN, a table name). */
  environment: Record<string, string | Cfn>;
}

/** What serverless.yml takes from the generator: `functions` and `resources`. */
export interface ServerlessSections {
  functions: Record<string, FunctionDefinition>;
  resources: { Resources: Record<string, Cfn>; Outputs: Record<string, Cfn> };
}

/** CloudFormation's limit on the resources of one stack. */
export const MAX_STACK_RESOURCES = 500;

/** Resources osls adds per function (the function and its log group) and per stack (bucket, its policy). */
const OSLS_RESOURCES_PER_FUNCTION = 2;
const OSLS_RESOURCES_PER_STACK = 2;

/** The stack's placeholders: its pseudo parameters, and the organization the stage names. */
const placeholders = (settings: StageSettings): PlaceholderValues => ({
  ...STACK_PLACEHOLDERS,
  OrganizationId: settings.organizationId,
});

/** Rule Lambdas read a whole account on periodic runs: give them room, Config waits for PutEvaluations. */
const RULE_TIMEOUT_SECONDS = 300;
const MEMORY_MB = 256;

const sub = (text: string): Cfn => ({ 'Fn::Sub': text });
const getArn = (logicalId: string): Cfn => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });

/** Writing its own log group is all a function needs from CloudWatch Logs (osls creates the group). */
function logStatement(name: string): PolicyStatement {
  return {
    Sid: 'WriteOwnLogs',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [
      sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${name}:*`),
    ],
  };
}

/**
 * What the Config adapter calls for a rule, besides the rule's own reads: PutEvaluations always,
 * GetResourceConfigHistory for oversized change notifications, GetComplianceDetailsByConfigRule for the periodic
 * clean-up of vanished resources (not for account-level rules, which never vanish).
 * @example
 * adapterStatements(meta, STACK_PLACEHOLDERS.Region)
 */
export function adapterStatements(rule: RuleMetadata, region: string): PolicyStatement[] {
  const out: PolicyStatement[] = [
    { Sid: 'ReportEvaluations', Effect: 'Allow', Action: ['config:PutEvaluations'], Resource: ['*'] },
  ];
  if (rule.trigger.configurationChange)
    out.push({
      Sid: 'ReadOversizedItems',
      Effect: 'Allow',
      Action: ['config:GetResourceConfigHistory'],
      Resource: ['*'],
    });
  if (rule.trigger.periodic && rule.trigger.periodic.resourceType !== 'AWS::::Account')
    out.push({
      Sid: 'ReadPreviousEvaluations',
      Effect: 'Allow',
      Action: ['config:GetComplianceDetailsByConfigRule'],
      Resource: [sub(`arn:\${AWS::Partition}:config:${region}:\${AWS::AccountId}:config-rule/*`)],
    });
  return out;
}

/** Central mode: assume the execution role in any account of the organization (member-roles.yaml creates it). */
function assumeMemberExecutionRole(settings: StageSettings): PolicyStatement {
  return {
    Sid: 'AssumeMemberExecutionRole',
    Effect: 'Allow',
    Action: ['sts:AssumeRole'],
    Resource: [sub(`arn:\${AWS::Partition}:iam::*:role/${settings.executionRoleName}`)],
    Condition: { StringEquals: { 'aws:ResourceOrgID': settings.organizationId } },
  };
}

function role(
  path: string,
  description: string,
  trust: PolicyStatement | Record<string, Cfn>,
  statements: PolicyStatement[],
): Cfn {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Path: path,
      Description: description,
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [trust as Cfn] },
      Policies: [
        { PolicyName: 'least-privilege', PolicyDocument: policyDocument(statements) as unknown as Cfn },
      ],
    },
  };
}

const LAMBDA_TRUST = {
  Effect: 'Allow',
  Principal: { Service: 'lambda.amazonaws.com' },
  Action: 'sts:AssumeRole',
};

/**
 * Config rule input parameters as Config carries them: a JSON object of strings. Unset values are left out
 * (the rule applies its default); in central mode the stack's own rules evaluate this account with the Lambda's
 * own role, so `executionRoleName` is not among them (member accounts' rules pass it).
 */
function inputParameters(settings: StageSettings, rule: RuleMetadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings.rules[rule.id]?.parameters ?? {}))
    if (value) out[name] = value;
  return out;
}

function addRule(settings: StageSettings, rule: RuleMetadata, out: ServerlessSections): void {
  const key = ruleFunctionKey(rule.id);
  const P = pascal(rule.id);
  const name = functionName(settings.stage, rule.id);
  const roleId = `Rule${P}Role`;
  const statements = [
    logStatement(name),
    ...adapterStatements(rule, `\${AWS::Region}`),
    ...renderStatements(rule.iam, placeholders(settings), 'Rule'),
  ];
  if (settings.central) statements.push(assumeMemberExecutionRole(settings));
  out.resources.Resources[roleId] = role(
    ruleRolePath(settings.stage),
    `rebaseline ${settings.stage}: Lambda of Config rule ${rule.id}.`,
    LAMBDA_TRUST,
    statements,
  );

  const environment: Record<string, string> = { LOG_LEVEL: 'info' };
  if (settings.central) environment[EXECUTION_ROLE_EXTERNAL_ID_ENV] = settings.externalId;
  out.functions[key] = {
    name,
    handler: `rules/${rule.id}/handler.handler`,
    description: configDescription(`rebaseline Config rule ${rule.id}: ${rule.title}`),
    role: sub(`\${${roleId}.Arn}`),
    memorySize: MEMORY_MB,
    timeout: RULE_TIMEOUT_SECONDS,
    logRetentionInDays: settings.logRetentionInDays,
    ...(settings.reservedConcurrency === undefined
      ? {}
      : { reservedConcurrency: settings.reservedConcurrency }),
    environment,
  };

  const fn = lambdaLogicalId(key);
  const permissionId = `Rule${P}ConfigPermission`;
  out.resources.Resources[permissionId] = {
    Type: 'AWS::Lambda::Permission',
    Properties: {
      FunctionName: getArn(fn),
      Action: 'lambda:InvokeFunction',
      Principal: 'config.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    },
  };
  // aws:PrincipalOrgID describes IAM principals, and config.amazonaws.com is a service principal in no
  // organization, so a PrincipalOrgID permission would never match Config: one SourceAccount permission per member.
  if (settings.central)
    for (const account of settings.memberAccountIds)
      out.resources.Resources[`Rule${P}ConfigPermission${account}`] = {
        Type: 'AWS::Lambda::Permission',
        Properties: {
          FunctionName: getArn(fn),
          Action: 'lambda:InvokeFunction',
          Principal: 'config.amazonaws.com',
          SourceAccount: account,
        },
      };
  out.resources.Outputs[`Rule${P}LambdaArn`] = {
    Description: `Lambda of Config rule ${rule.id} (conformance pack parameter ${P}LambdaArn).`,
    Value: getArn(fn),
  };

  if (!settings.deployConfigRules) return;
  out.resources.Resources[`Rule${P}ConfigRule`] = {
    Type: 'AWS::Config::ConfigRule',
    DependsOn: [permissionId],
    Properties: {
      ConfigRuleName: deployedName(settings.stage, rule.id),
      Description: configDescription(rule.description),
      InputParameters: inputParameters(settings, rule),
      ...ruleScopeAndFrequency(rule),
      Source: customLambdaSource(rule, getArn(fn)),
    },
  };
}

function addRemediation(
  settings: StageSettings,
  remediation: DeployableRemediation,
  out: ServerlessSections,
) {
  const { meta } = remediation;
  const P = pascal(meta.id);
  const automationRoleId = `Remediation${P}AutomationRole`;
  const automation: PolicyStatement[] = renderStatements(meta.iam, placeholders(settings), 'Remediation');

  if (meta.lambda) {
    const key = remediationFunctionKey(meta.id);
    const name = functionName(settings.stage, meta.id);
    const roleId = `Remediation${P}LambdaRole`;
    // Central mode: member accounts' automations invoke this Lambda, which reads the member through its execution
    // role (remediations acting with their own credentials, like remove-root-access-keys, need no role).
    const readsMembers = settings.central && readsThroughExecutionRole(meta);
    const statements = [
      logStatement(name),
      ...renderStatements(
        meta.lambda.iam,
        placeholders(settings),
        'Lambda',
        (name) => settings.switches[name] === true,
      ),
    ];
    if (readsMembers) statements.push(assumeMemberExecutionRole(settings));
    out.resources.Resources[roleId] = role(
      stackRolePath(settings.stage, 'remediation'),
      `rebaseline ${settings.stage}: Lambda of remediation ${meta.id}.`,
      LAMBDA_TRUST,
      statements,
    );
    const environment: Record<string, string> = { LOG_LEVEL: 'info' };
    if (readsMembers) {
      environment[EXECUTION_ROLE_NAME_ENV] = settings.executionRoleName;
      environment[EXECUTION_ROLE_EXTERNAL_ID_ENV] = settings.externalId;
    }
    out.functions[key] = {
      name,
      handler: `${remediation.folder}/${meta.lambda.handler.replace(/\.ts$/, '')}.handler`,
      description: configDescription(`rebaseline remediation ${meta.id}: ${meta.title}`),
      role: sub(`\${${roleId}.Arn}`),
      memorySize: MEMORY_MB,
      timeout: meta.lambda.timeoutSeconds,
      logRetentionInDays: settings.logRetentionInDays,
      ...(settings.reservedConcurrency === undefined
        ? {}
        : { reservedConcurrency: settings.reservedConcurrency }),
      environment,
    };
    // A member's automation role calls the Lambda directly (a principal, not a service), and a synchronous
    // invocation does not say who the caller is: each member gets its own alias, which only that account may
    // invoke, and the Lambda acts only on the account whose alias was invoked (shared/aws/target-account.ts). The
    // unqualified function is granted to no member. A role ARN principal would be tighter within the member, but
    // Lambda refuses a principal that does not exist yet (this stack is deployed before member-roles.yaml).
    if (settings.central)
      for (const account of settings.memberAccountIds) {
        const aliasId = `Remediation${P}Alias${account}`;
        out.resources.Resources[aliasId] = {
          Type: 'AWS::Lambda::Alias',
          Properties: {
            FunctionName: { Ref: lambdaLogicalId(key) },
            FunctionVersion: '$LATEST',
            Name: memberAlias(account),
            Description: `Invoked by member account ${account} only; the Lambda acts on that account only.`,
          },
        };
        out.resources.Resources[`Remediation${P}InvokePermission${account}`] = {
          Type: 'AWS::Lambda::Permission',
          Properties: {
            FunctionName: { Ref: aliasId },
            Action: 'lambda:InvokeFunction',
            Principal: account,
            PrincipalOrgID: settings.organizationId,
          },
        };
      }
    automation.push({
      Sid: 'InvokeRemediationLambda',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [getArn(lambdaLogicalId(key))],
    });
  }

  out.resources.Resources[automationRoleId] = role(
    stackRolePath(settings.stage, 'automation'),
    `rebaseline ${settings.stage}: SSM Automation of remediation ${meta.id}.`,
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
    automation,
  );
  out.resources.Resources[`Remediation${P}Document`] = {
    Type: 'AWS::SSM::Document',
    Properties: {
      Name: deployedName(settings.stage, meta.id),
      DocumentType: 'Automation',
      DocumentFormat: 'YAML',
      UpdateMethod: 'NewVersion',
      Content: remediation.document as Cfn,
    },
  };
}

function addRemediationConfiguration(
  settings: StageSettings,
  rule: RuleMetadata,
  remediation: DeployableRemediation,
  out: ServerlessSections,
): void {
  const P = pascal(rule.id);
  const R = pascal(remediation.meta.id);
  const ruleSettings = settings.rules[rule.id]!;
  out.resources.Resources[`Rule${P}Remediation`] = {
    Type: 'AWS::Config::RemediationConfiguration',
    Properties: {
      ConfigRuleName: { Ref: `Rule${P}ConfigRule` },
      TargetType: 'SSM_DOCUMENT',
      TargetId: { Ref: `Remediation${R}Document` },
      Parameters: remediationParameters(remediation, rule, {
        assumeRole: getArn(`Remediation${R}AutomationRole`),
        lambda: () => ({ Ref: lambdaLogicalId(remediationFunctionKey(remediation.meta.id)) }),
        ruleParameter: (name) => ruleSettings.parameters[name] ?? '',
        static: (source) =>
          (source.stageParameter && settings.statics[source.stageParameter]) || source.default,
      }),
      Automatic: ruleSettings.automaticRemediation,
      MaximumAutomaticAttempts: settings.remediation.maximumAutomaticAttempts,
      RetryAttemptSeconds: settings.remediation.retryAttemptSeconds,
      ExecutionControls: {
        SsmControls: {
          ConcurrentExecutionRatePercentage: settings.remediation.concurrentExecutionRatePercentage,
          ErrorPercentage: settings.remediation.errorPercentage,
        },
      },
    },
  };
}

/**
 * The per-rule and per-remediation sections of serverless.yml, generated from the registry: for each rule a
 * Lambda with its own least-privilege role, the Config permission(s) and the Config rule; for each remediation
 * its SSM document, automation assume role and Lambda (if any), and a remediation configuration per rule.
 * @example
 * const { functions, resources } = buildServerlessSections(loadRegistry(), resolveStageSettings(registry, 'prod', {}));
 */
export function buildServerlessSections(
  registry: DeployRegistry,
  settings: StageSettings,
): ServerlessSections {
  const out: ServerlessSections = {
    functions: {},
    resources: {
      Resources: {},
      Outputs: {
        RuleLambdaArnPrefix: {
          Description:
            'ARN prefix of the rule Lambdas, for conformance pack parameters LambdaAccountId and LambdaNamePrefix.',
          Value: sub(
            `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${AWS::AccountId}:function:rebaseline-${settings.stage}-`,
          ),
        },
      },
    },
  };
  const rules = registry.rules.filter((r) => !settings.excludedRules.includes(r.id));
  for (const rule of rules) addRule(settings, rule, out);
  for (const remediation of registry.remediations) addRemediation(settings, remediation, out);
  if (settings.deployConfigRules)
    for (const rule of rules) {
      const remediation = remediationOf(registry, rule);
      if (remediation) addRemediationConfiguration(settings, rule, remediation, out);
    }
  addIncidentResponse(settings, out);
  const count =
    Object.keys(out.resources.Resources).length +
    OSLS_RESOURCES_PER_FUNCTION * Object.keys(out.functions).length +
    OSLS_RESOURCES_PER_STACK;
  if (count > MAX_STACK_RESOURCES)
    throw new DeploymentConfigError(
      `Stage ${settings.stage} would have about ${count} resources; CloudFormation allows ${MAX_STACK_RESOURCES} per stack. List fewer memberAccountIds per stage (each member adds a Config permission per rule and an alias and a permission per remediation Lambda) and deploy one stage per group of accounts.`,
    );
  return out;
}
