import { stringify } from 'yaml';
import { SCAN_READS } from '../../app/scan/iam';
import { memberAlias } from '../../shared/aws/target-account';
import { DeploymentConfigError } from '../../shared/errors';
import type { ParameterSchema, RuleMetadata } from '../../shared/rule';
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
} from './iam';
import {
  deployedName,
  memberAutomationRoleName,
  memberDocumentName,
  packRuleName,
  pascal,
  ruleRolePath,
  stackRolePath,
} from './naming';
import {
  type DeployableRemediation,
  type DeployRegistry,
  readsThroughExecutionRole,
  remediationOf,
} from './registry';
import { buildExemptionScp } from './scp';
import { adapterStatements } from './serverless-stack';
import { deployableParameters, toConfigString } from './stage-params';

/** PutConformancePack and PutOrganizationConformancePack accept at most 60 input parameters. */
export const MAX_PACK_PARAMETERS = 60;

/** `--template-body` (CloudFormation, Config) accepts at most 51,200 bytes; larger templates go through S3. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

type Template = Record<string, Cfn>;

const ref = (name: string): Cfn => ({ Ref: name });
const sub = (text: string, vars?: Record<string, Cfn>): Cfn => ({ 'Fn::Sub': vars ? [text, vars] : text });
const notEmpty = (param: string): Cfn => ({ 'Fn::Not': [{ 'Fn::Equals': [ref(param), ''] }] });
const ifSet = (condition: string, value: Cfn): Cfn => ({ 'Fn::If': [condition, value, ref('AWS::NoValue')] });

/** The account that hosts the Lambdas: an account id parameter, or this account when it is empty. */
const lambdaAccount = (param: string, condition: string): Cfn => ({
  'Fn::If': [condition, ref(param), ref('AWS::AccountId')],
});

/** Pack parameter of a rule parameter, e.g. `Ec2SecurityGroupNoPublicIngressParamAuthorizedTcpPorts`. */
export function packParameterName(ruleId: string, parameter: string): string {
  return `${pascal(ruleId)}Param${pascal(parameter)}`;
}

function stringParameter(description: string, defaultValue: string, extra: Record<string, Cfn> = {}): Cfn {
  return { Type: 'String', Default: defaultValue, Description: description, ...extra };
}

function schemaPattern(schema: ParameterSchema): string | undefined {
  if (schema.type === 'boolean') return '^(|true|false|TRUE|FALSE|True|False)$';
  if (schema.type === 'integer') return '^(|-?\\d+)$';
  return undefined;
}

const HEADER = (what: string) =>
  `# ${what}\n# Generated from rules/ and remediations/ by \`npm run build:packs\` (scripts/build-packs.ts); npm test fails\n# when this file differs from a fresh generation.\n`;

/** The template as committed: a header, then the YAML (intrinsic functions in their long `Fn::` form). */
export function renderTemplate(title: string, template: Template): string {
  return HEADER(title) + stringify(template, { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * A baseline pack: the given rules as custom Lambda Config rules, each with its remediation (see
 * {@link baselinePacks} for how every registered rule is spread over packs Config accepts). The
 * rule Lambdas are found from `LambdaAccountId` + `LambdaNamePrefix` (the central security account's, or this
 * account's osls stack), or per rule from `<Rule>LambdaArn`; remediation Lambdas from `RemediationLambdaAccountId`,
 * else `LambdaAccountId` (the central remediation Lambdas read this account through its execution role), else this
 * account. Rule parameters are pack parameters with the rules' defaults; the documents and assume roles are those
 * `member-roles.yaml` creates in each account.
 * @throws DeploymentConfigError when the pack would exceed Config's 60 input parameters.
 * @example
 * renderTemplate('…', buildBaselinePack({ ...registry, rules: registry.rules.slice(0, 3) }));
 */
export function buildBaselinePack(registry: DeployRegistry): Template {
  const Parameters: Record<string, Cfn> = {
    LambdaAccountId: stringParameter(
      'Account that hosts the rule Lambdas (the central security account); empty: this account.',
      '',
      { AllowedPattern: '^(\\d{12})?$' },
    ),
    RemediationLambdaAccountId: stringParameter(
      'Account that hosts the remediation Lambdas; empty: LambdaAccountId (central ones read this account through the execution role), or this account.',
      '',
      { AllowedPattern: '^(\\d{12})?$' },
    ),
    LambdaNamePrefix: stringParameter(
      'Prefix of the Lambda function names: rebaseline-<stage>- of the osls stack that deployed them.',
      'rebaseline-prod-',
      { AllowedPattern: '^[A-Za-z0-9_-]{1,47}$' },
    ),
    ExecutionRoleName: stringParameter(
      'Role the central rule Lambdas assume in this account (member-roles.yaml); empty when the Lambdas are in this account.',
      '',
      { AllowedPattern: '^([\\w+=,.@-]{1,64})?$' },
    ),
    ExemptTagKey: stringParameter(
      'Tag key that exempts a resource from every rule, only with ExemptTagValue.',
      '',
    ),
    ExemptTagValue: stringParameter('Tag value that, with ExemptTagKey, exempts a resource.', ''),
    RemediationMaximumAutomaticAttempts: stringParameter(
      'Automatic remediation attempts per resource (1-25).',
      '3',
      {
        AllowedPattern: '^([1-9]|1\\d|2[0-5])$',
      },
    ),
    RemediationRetryAttemptSeconds: stringParameter('Window in which the attempts are counted.', '60', {
      AllowedPattern: '^\\d{1,7}$',
    }),
    RemediationConcurrentExecutionRatePercentage: stringParameter(
      'Share of non-compliant resources remediated at once (1-100).',
      '10',
      { AllowedPattern: '^([1-9]\\d?|100)$' },
    ),
    RemediationErrorPercentage: stringParameter(
      'Share of failed remediations that stops the run (1-100).',
      '10',
      {
        AllowedPattern: '^([1-9]\\d?|100)$',
      },
    ),
  };
  const Conditions: Record<string, Cfn> = {
    HasLambdaAccountId: notEmpty('LambdaAccountId'),
    HasRemediationLambdaAccountId: notEmpty('RemediationLambdaAccountId'),
    HasExecutionRoleName: notEmpty('ExecutionRoleName'),
    HasExemptTag: notEmpty('ExemptTagKey'),
    UsesRemoteRemediationLambda: {
      'Fn::Or': [{ Condition: 'HasRemediationLambdaAccountId' }, { Condition: 'HasLambdaAccountId' }],
    },
  };
  const Resources: Record<string, Cfn> = {};

  const statics = new Map<string, string>();
  for (const rule of registry.rules) {
    const P = pascal(rule.id);
    Parameters[`${P}LambdaArn`] = stringParameter(
      `ARN of the Lambda of rule ${rule.id}, when it is not LambdaAccountId's LambdaNamePrefix + ${rule.id}.`,
      '',
      { AllowedPattern: '^(arn:[\\w-]+:lambda:[\\w-]+:\\d{12}:function:[\\w-]{1,64})?$' },
    );
    Conditions[`Has${P}LambdaArn`] = notEmpty(`${P}LambdaArn`);

    const inputs: Record<string, Cfn> = {};
    for (const [name, schema] of Object.entries(deployableParameters(rule))) {
      if (name === 'exemptTagKey' || name === 'exemptTagValue') {
        inputs[name] = ifSet(
          'HasExemptTag',
          ref(name === 'exemptTagKey' ? 'ExemptTagKey' : 'ExemptTagValue'),
        );
        continue;
      }
      const param = packParameterName(rule.id, name);
      const pattern = schemaPattern(schema);
      Parameters[param] = stringParameter(
        `${rule.id} ${name}: ${schema.description}`,
        toConfigString(schema.default),
        pattern ? { AllowedPattern: pattern } : {},
      );
      Conditions[`Has${param}`] = notEmpty(param);
      inputs[name] = ifSet(`Has${param}`, ref(param));
    }
    inputs.executionRoleName = ifSet('HasExecutionRoleName', ref('ExecutionRoleName'));

    Resources[`${P}Rule`] = {
      Type: 'AWS::Config::ConfigRule',
      Properties: {
        ConfigRuleName: packRuleName(rule.id),
        Description: configDescription(rule.description),
        InputParameters: inputs,
        ...ruleScopeAndFrequency(rule),
        Source: customLambdaSource(rule, {
          'Fn::If': [
            `Has${P}LambdaArn`,
            ref(`${P}LambdaArn`),
            sub(
              `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${Account}:function:\${LambdaNamePrefix}${rule.id}`,
              {
                Account: lambdaAccount('LambdaAccountId', 'HasLambdaAccountId'),
              },
            ),
          ],
        }),
      },
    };

    const remediation = remediationOf(registry, rule);
    if (!remediation) continue;
    Parameters[`${P}AutomaticRemediation`] = stringParameter(
      `Remediate ${rule.id} automatically (a person turns it on per rule).`,
      'false',
      { AllowedValues: ['true', 'false'] },
    );
    Resources[`${P}Remediation`] = {
      Type: 'AWS::Config::RemediationConfiguration',
      Properties: {
        ConfigRuleName: ref(`${P}Rule`),
        TargetType: 'SSM_DOCUMENT',
        TargetId: memberDocumentName(remediation.meta.id),
        Parameters: remediationParameters(remediation, rule, {
          assumeRole: sub(
            `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${memberAutomationRoleName(remediation.meta.id)}`,
          ),
          lambda: () => {
            const arn = `arn:\${AWS::Partition}:lambda:\${AWS::Region}:\${Account}:function:\${LambdaNamePrefix}${remediation.meta.id}`;
            const remote = {
              'Fn::If': [
                'HasRemediationLambdaAccountId',
                ref('RemediationLambdaAccountId'),
                ref('LambdaAccountId'),
              ],
            };
            // Another account's Lambda is invoked through this account's own alias (see member-roles.yaml).
            return {
              'Fn::If': [
                'UsesRemoteRemediationLambda',
                sub(`${arn}:${memberAlias(`\${AWS::AccountId}`)}`, { Account: remote }),
                sub(arn, { Account: ref('AWS::AccountId') }),
              ],
            };
          },
          ruleParameter: (name) =>
            name === 'exemptTagKey' || name === 'exemptTagValue'
              ? {
                  value: ref(name === 'exemptTagKey' ? 'ExemptTagKey' : 'ExemptTagValue'),
                  unlessEmpty: 'HasExemptTag',
                }
              : {
                  value: ref(packParameterName(rule.id, name)),
                  unlessEmpty: `Has${packParameterName(rule.id, name)}`,
                },
          static: (source) => {
            if (!source.stageParameter) return source.default;
            const param = pascal(source.stageParameter);
            statics.set(param, source.default);
            return { value: ref(param), unlessEmpty: `Has${param}` };
          },
        }),
        Automatic: ref(`${P}AutomaticRemediation`),
        MaximumAutomaticAttempts: ref('RemediationMaximumAutomaticAttempts'),
        RetryAttemptSeconds: ref('RemediationRetryAttemptSeconds'),
        ExecutionControls: {
          SsmControls: {
            ConcurrentExecutionRatePercentage: ref('RemediationConcurrentExecutionRatePercentage'),
            ErrorPercentage: ref('RemediationErrorPercentage'),
          },
        },
      },
    };
  }
  for (const [param, defaultValue] of statics) {
    Parameters[param] ??= stringParameter(`Remediation parameter ${param}.`, defaultValue);
    Conditions[`Has${param}`] = notEmpty(param);
  }

  const count = Object.keys(Parameters).length;
  if (count > MAX_PACK_PARAMETERS)
    throw new DeploymentConfigError(
      `The baseline pack would have ${count} parameters; Config accepts at most ${MAX_PACK_PARAMETERS}. Split the pack or fold parameters.`,
    );
  return { Parameters, Conditions, Resources };
}

/**
 * `rebaseline-managed-rules.yaml`: the AWS managed rules that map to the same controls as the rebaseline rules
 * (each rule's `managedRules` in rule.json, identifiers from the AWS Config developer guide), so users can compare
 * verdicts or fall back where a custom Lambda cannot run. A managed rule input taken from a pack parameter is passed
 * only when the parameter is set.
 * @example
 * renderTemplate('…', buildManagedPack(loadRegistry()))
 */
export function buildManagedPack(registry: Pick<DeployRegistry, 'rules'>): Template {
  const Parameters: Record<string, Cfn> = {
    ManagedRuleFrequency: stringParameter('How often the periodic managed rules run.', 'TwentyFour_Hours', {
      AllowedValues: ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'],
    }),
  };
  const Conditions: Record<string, Cfn> = {};
  const Resources: Record<string, Cfn> = {};
  for (const rule of registry.rules)
    for (const c of rule.managedRules ?? []) {
      const inputs: Record<string, Cfn> = { ...c.inputs };
      for (const [input, parameter] of Object.entries(c.packParameters ?? {})) {
        Parameters[parameter.name] = stringParameter(parameter.description, '');
        Conditions[`Has${parameter.name}`] = notEmpty(parameter.name);
        inputs[input] = ifSet(`Has${parameter.name}`, ref(parameter.name));
      }
      Resources[pascal(c.name)] = {
        Type: 'AWS::Config::ConfigRule',
        Properties: {
          ConfigRuleName: `rebaseline-managed-${c.name}`,
          Description: `AWS managed rule ${c.identifier}; rebaseline's counterpart is ${rule.id}.`,
          ...(Object.keys(inputs).length > 0 ? { InputParameters: inputs } : {}),
          ...(c.scope ? { Scope: { ComplianceResourceTypes: c.scope } } : {}),
          ...(c.periodic ? { MaximumExecutionFrequency: ref('ManagedRuleFrequency') } : {}),
          Source: { Owner: 'AWS', SourceIdentifier: c.identifier },
        },
      };
    }
  return { Parameters, Conditions, Resources };
}

const MEMBER_PLACEHOLDERS: PlaceholderValues = {
  Partition: `\${AWS::Partition}`,
  AccountId: `\${AWS::AccountId}`,
  // IAM is global: the role is created once (PrimaryRegion) and used from every region.
  Region: '*',
  OrganizationId: `\${OrganizationId}`,
};

/** Statements are merged by content so the union of the rules' permissions stays readable. */
function dedupe(statements: PolicyStatement[]): PolicyStatement[] {
  const seen = new Map<string, PolicyStatement>();
  for (const s of statements) {
    const key = JSON.stringify([s.Action, s.Resource, s.Condition]);
    if (!seen.has(key)) seen.set(key, s);
  }
  return [...seen.values()];
}

/** What every rule Lambda needs in a member account: its reads plus the Config adapter's calls. */
export function executionRoleStatements(rules: readonly RuleMetadata[]): PolicyStatement[] {
  return dedupe(
    rules.flatMap((rule) => [
      ...adapterStatements(rule, '*'),
      ...renderStatements(rule.iam, MEMBER_PLACEHOLDERS, `${pascal(rule.id)}`),
    ]),
  );
}

/**
 * What the central remediation Lambdas read in a member account through the execution role: the union of their
 * `lambda.iam` statements (not those of a Lambda that acts with its own credentials, remove-root-access-keys).
 */
export function remediationReadStatements(remediations: readonly DeployableRemediation[]): PolicyStatement[] {
  return dedupe(
    remediations
      .filter((r) => readsThroughExecutionRole(r.meta))
      .flatMap((r) => renderStatements(r.meta.lambda?.iam ?? [], MEMBER_PLACEHOLDERS, pascal(r.meta.id))),
  );
}

/** The `CentralStage` parameter inside `Fn::Sub`, where naming.ts's functions take a stage. */
const CENTRAL_STAGE = `\${CentralStage}`;

/**
 * ARN of a remediation's Lambda as the central (or this account's) osls stack names it,
 * `rebaseline-<CentralStage>-<id>`, in `region` (`*` in IAM policies: the roles serve every region). A Lambda of
 * another account is invoked through this account's own alias, `member-<this account>`: the only one of that
 * function this account may invoke, and the one that tells the Lambda which account it may act on.
 */
function remediationLambdaArn(remediationId: string, region: string): Cfn {
  const arn = `arn:\${AWS::Partition}:lambda:${region}:\${Account}:function:${deployedName(CENTRAL_STAGE, remediationId)}`;
  return {
    'Fn::If': [
      'UsesRemoteRemediationLambda',
      sub(`${arn}:${memberAlias(`\${AWS::AccountId}`)}`, {
        Account: {
          'Fn::If': [
            'HasRemediationLambdaAccountId',
            ref('RemediationLambdaAccountId'),
            ref('CentralAccountId'),
          ],
        },
      }),
      sub(arn, { Account: ref('AWS::AccountId') }),
    ],
  };
}

function automationStatements(remediation: DeployableRemediation): PolicyStatement[] {
  const statements = renderStatements(remediation.meta.iam, MEMBER_PLACEHOLDERS, 'Remediation');
  if (remediation.meta.lambda)
    statements.push({
      Sid: 'InvokeRemediationLambda',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [remediationLambdaArn(remediation.meta.id, '*')],
    });
  return statements;
}

/**
 * The document as member accounts get it: its Lambda parameter defaults to the remediation Lambda the automation
 * role may invoke (the central account's in central mode), so a person can start it with the resource id alone.
 */
function memberDocument(remediation: DeployableRemediation): Cfn {
  const lambdaParameter = Object.entries(remediation.meta.parameters).find(
    ([, source]) => source.source === 'lambda',
  )?.[0];
  const parameters = (remediation.document.parameters ?? {}) as Record<string, Record<string, Cfn>>;
  if (!remediation.meta.lambda || !lambdaParameter || !parameters[lambdaParameter])
    return remediation.document as Cfn;
  return {
    ...(remediation.document as Record<string, Cfn>),
    parameters: {
      ...parameters,
      [lambdaParameter]: {
        ...parameters[lambdaParameter],
        description: `(Optional) Name or ARN of this remediation's Lambda function; default: ${deployedName('<CentralStage>', remediation.meta.id)} of RemediationLambdaAccountId, else of CentralAccountId (through this account's alias ${memberAlias('<account>')}), else of this account.`,
        default: remediationLambdaArn(remediation.meta.id, `\${AWS::Region}`),
      },
    },
  };
}

/**
 * `member-roles.yaml`, deployable as a StackSet to every member account and region: the execution role the
 * central rule and remediation Lambdas assume (trusting only the central account's rule- and remediation-Lambda
 * roles, with an external id and the organization; granting the rules' reads and the remediation Lambdas' reads),
 * and per remediation its automation assume role (which may invoke the central remediation Lambda) and SSM
 * document (whose Lambda parameter defaults to it), under the names the baseline pack's remediation configurations
 * use. IAM is global, so roles are only created in `PrimaryRegion`.
 * @example
 * renderTemplate('…', buildMemberRoles(loadRegistry()))
 */
export function buildMemberRoles(registry: DeployRegistry): Template {
  const Parameters: Record<string, Cfn> = {
    CentralAccountId: stringParameter(
      'Central security account whose rule and remediation Lambdas serve this account; empty when the Lambdas are deployed here.',
      '',
      { AllowedPattern: '^(\\d{12})?$' },
    ),
    OrganizationId: stringParameter('AWS Organizations id (o-…) the central account belongs to.', '', {
      AllowedPattern: '^(o-[a-z0-9]{10,32})?$',
    }),
    ExternalId: stringParameter(
      'sts:ExternalId the central Lambdas present (stage parameter externalId).',
      '',
      {
        AllowedPattern: '^([\\w+=,.@:/-]{2,1224})?$',
        NoEcho: true,
      },
    ),
    ExecutionRoleName: stringParameter(
      'Name of the execution role (stage parameter executionRoleName).',
      'rebaseline-execution',
      {
        AllowedPattern: '^[\\w+=,.@-]{1,64}$',
      },
    ),
    CentralStage: stringParameter(
      'osls stage of the stack with the Lambdas (the central one): Lambdas rebaseline-<stage>-<id>, roles under /rebaseline/<stage>/rule/ and /rebaseline/<stage>/remediation/.',
      'prod',
      {
        AllowedPattern: '^[A-Za-z0-9-]{1,16}$',
      },
    ),
    RemediationLambdaAccountId: stringParameter(
      'Account whose remediation Lambdas the automation roles invoke; empty: CentralAccountId, or this account without one.',
      '',
      { AllowedPattern: '^(\\d{12})?$' },
    ),
    PrimaryRegion: stringParameter('The one region where the (global) IAM roles are created.', 'us-east-1', {
      AllowedPattern: '^[a-z]{2}(-[a-z]+)+-\\d$',
    }),
    ScannerPrincipalArns: stringParameter(
      'Comma-separated ARN patterns (wildcards allowed) of the principals of the organization that may assume the execution role to run `rebaseline scan --org` (read-only), e.g. arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_SecurityAudit_*; empty: none.',
      '',
      {
        AllowedPattern:
          '^(arn:aws[a-z-]*:(iam|sts)::\\d{12}:[\\w+=,.@/*?-]+(,arn:aws[a-z-]*:(iam|sts)::\\d{12}:[\\w+=,.@/*?-]+)*)?$',
      },
    ),
  };
  const Conditions: Record<string, Cfn> = {
    IsPrimaryRegion: { 'Fn::Equals': [ref('AWS::Region'), ref('PrimaryRegion')] },
    HasCentralAccount: notEmpty('CentralAccountId'),
    HasRemediationLambdaAccountId: notEmpty('RemediationLambdaAccountId'),
    UsesRemoteRemediationLambda: {
      'Fn::Or': [{ Condition: 'HasRemediationLambdaAccountId' }, { Condition: 'HasCentralAccount' }],
    },
    HasScanner: notEmpty('ScannerPrincipalArns'),
    CreateExecutionRole: {
      'Fn::And': [
        { Condition: 'IsPrimaryRegion' },
        { 'Fn::Or': [{ Condition: 'HasCentralAccount' }, { Condition: 'HasScanner' }] },
      ],
    },
  };
  const Rules: Record<string, Cfn> = {
    CentralAccountNeedsOrganizationAndExternalId: {
      RuleCondition: notEmpty('CentralAccountId'),
      Assertions: [
        {
          Assert: notEmpty('OrganizationId'),
          AssertDescription: 'OrganizationId is required with CentralAccountId.',
        },
        {
          Assert: notEmpty('ExternalId'),
          AssertDescription: 'ExternalId is required with CentralAccountId.',
        },
      ],
    },
    ScannerNeedsOrganizationAndExternalId: {
      RuleCondition: notEmpty('ScannerPrincipalArns'),
      Assertions: [
        {
          Assert: notEmpty('OrganizationId'),
          AssertDescription: 'OrganizationId is required with ScannerPrincipalArns.',
        },
        {
          Assert: notEmpty('ExternalId'),
          AssertDescription: 'ExternalId is required with ScannerPrincipalArns.',
        },
      ],
    },
  };
  const remediationReads = remediationReadStatements(registry.remediations);
  const Resources: Record<string, Cfn> = {
    ExecutionRole: {
      Type: 'AWS::IAM::Role',
      Condition: 'CreateExecutionRole',
      Properties: {
        RoleName: ref('ExecutionRoleName'),
        Description:
          'rebaseline: assumed by the Config rule and remediation Lambdas of the central account, and by the principals of ScannerPrincipalArns (rebaseline scan --org), to read this account.',
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              'Fn::If': [
                'HasCentralAccount',
                {
                  Effect: 'Allow',
                  Principal: { AWS: sub(`arn:\${AWS::Partition}:iam::\${CentralAccountId}:root`) },
                  Action: 'sts:AssumeRole',
                  Condition: {
                    StringEquals: {
                      'sts:ExternalId': ref('ExternalId'),
                      'aws:PrincipalOrgID': ref('OrganizationId'),
                    },
                    ArnLike: {
                      'aws:PrincipalArn': [
                        sub(
                          `arn:\${AWS::Partition}:iam::\${CentralAccountId}:role${ruleRolePath(CENTRAL_STAGE)}*`,
                        ),
                        sub(
                          `arn:\${AWS::Partition}:iam::\${CentralAccountId}:role${stackRolePath(CENTRAL_STAGE, 'remediation')}*`,
                        ),
                      ],
                    },
                  },
                },
                ref('AWS::NoValue'),
              ],
            },
            {
              // scan --org from the management or a delegated administrator account: a person's role (an SSO
              // role's name ends with a suffix AWS makes up, hence patterns), in the organization, with the id.
              'Fn::If': [
                'HasScanner',
                {
                  Effect: 'Allow',
                  Principal: { AWS: '*' },
                  Action: 'sts:AssumeRole',
                  Condition: {
                    StringEquals: {
                      'sts:ExternalId': ref('ExternalId'),
                      'aws:PrincipalOrgID': ref('OrganizationId'),
                    },
                    ArnLike: { 'aws:PrincipalArn': { 'Fn::Split': [',', ref('ScannerPrincipalArns')] } },
                  },
                },
                ref('AWS::NoValue'),
              ],
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'rebaseline-rules',
            PolicyDocument: policyDocument(executionRoleStatements(registry.rules)) as unknown as Cfn,
          },
          ...(remediationReads.length > 0
            ? [
                {
                  PolicyName: 'rebaseline-remediations',
                  PolicyDocument: policyDocument(remediationReads) as unknown as Cfn,
                },
              ]
            : []),
          {
            PolicyName: 'rebaseline-scan',
            PolicyDocument: policyDocument(
              renderStatements(SCAN_READS, MEMBER_PLACEHOLDERS, 'Scan'),
            ) as unknown as Cfn,
          },
        ],
      },
    },
  };
  const Outputs: Record<string, Cfn> = {
    ExecutionRoleArn: { Condition: 'CreateExecutionRole', Value: { 'Fn::GetAtt': ['ExecutionRole', 'Arn'] } },
  };
  for (const remediation of registry.remediations) {
    const R = pascal(remediation.meta.id);
    Resources[`${R}AutomationRole`] = {
      Type: 'AWS::IAM::Role',
      Condition: 'IsPrimaryRegion',
      Properties: {
        RoleName: memberAutomationRoleName(remediation.meta.id),
        Description: `rebaseline: SSM Automation of remediation ${remediation.meta.id}.`,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'ssm.amazonaws.com' },
              Action: 'sts:AssumeRole',
              Condition: {
                StringEquals: { 'aws:SourceAccount': ref('AWS::AccountId') },
                ArnLike: {
                  'aws:SourceArn': sub(
                    `arn:\${AWS::Partition}:ssm:*:\${AWS::AccountId}:automation-execution/*`,
                  ),
                },
              },
            },
          ],
        },
        Policies: [
          {
            PolicyName: 'least-privilege',
            PolicyDocument: policyDocument(automationStatements(remediation)) as unknown as Cfn,
          },
        ],
      },
    };
    Resources[`${R}Document`] = {
      Type: 'AWS::SSM::Document',
      Properties: {
        Name: memberDocumentName(remediation.meta.id),
        DocumentType: 'Automation',
        DocumentFormat: 'YAML',
        UpdateMethod: 'NewVersion',
        Content: memberDocument(remediation),
      },
    };
    Outputs[`${R}DocumentName`] = { Value: ref(`${R}Document`) };
  }
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description:
      'rebaseline member account roles and remediation documents (deploy as a StackSet to every member account and region).',
    Parameters,
    Rules,
    Conditions,
    Resources,
    Outputs,
  };
}

/** The name of the n-th baseline pack (1-based): `rebaseline-baseline`, then `rebaseline-baseline-2`, … */
export function baselinePackName(n: number): string {
  return n === 1 ? 'rebaseline-baseline' : `rebaseline-baseline-${n}`;
}

/** A baseline pack: its name (the conformance pack's and the file's), its rules, and its text. */
export interface BaselinePack {
  name: string;
  rules: string[];
  text: string;
}

function renderBaseline(
  registry: DeployRegistry,
  rules: DeployRegistry['rules'],
  n: number,
  of: number,
): string {
  const title =
    of > 1
      ? `rebaseline baseline conformance pack ${n} of ${of} (Config's size limits): ${rules.map((r) => r.id).join(', ')} (custom Lambda) with their remediations.`
      : 'rebaseline baseline conformance pack: every rebaseline rule (custom Lambda) with its remediation.';
  return renderTemplate(title, buildBaselinePack({ ...registry, rules }));
}

/**
 * Every registered rule in as few baseline packs as Config accepts: a pack holds at most
 * {@link MAX_PACK_PARAMETERS} input parameters and its text at most {@link MAX_TEMPLATE_BODY_BYTES} bytes (the
 * `--template-body` limit), so rules are added in registry order to `rebaseline-baseline`, and to
 * `rebaseline-baseline-2` (then `-3`, …) once the next rule would not fit. A new rule, registered last, joins the
 * last pack or starts one: the rules already deployed stay in their packs.
 * @throws DeploymentConfigError when one rule alone does not fit in a pack.
 * @example
 * baselinePacks(loadRegistry()).map((p) => p.name) // → ['rebaseline-baseline', 'rebaseline-baseline-2']
 */
export function baselinePacks(registry: DeployRegistry): BaselinePack[] {
  const fits = (rules: DeployRegistry['rules']) => {
    try {
      // The longest header a pack of these rules can have (its part number and count are at most two digits).
      return Buffer.byteLength(renderBaseline(registry, rules, 99, 99)) <= MAX_TEMPLATE_BODY_BYTES;
    } catch (error) {
      if (error instanceof DeploymentConfigError) return false;
      throw error;
    }
  };
  const groups: DeployRegistry['rules'][] = [];
  let current: DeployRegistry['rules'] = [];
  for (const rule of registry.rules) {
    if (fits([...current, rule])) {
      current = [...current, rule];
      continue;
    }
    if (current.length === 0 || !fits([rule]))
      throw new DeploymentConfigError(
        `Rule ${rule.id} alone does not fit in a conformance pack (${MAX_PACK_PARAMETERS} parameters, ${MAX_TEMPLATE_BODY_BYTES} bytes).`,
      );
    groups.push(current);
    current = [rule];
  }
  if (current.length > 0 || groups.length === 0) groups.push(current);
  return groups.map((rules, i) => ({
    name: baselinePackName(i + 1),
    rules: rules.map((r) => r.id),
    text: renderBaseline(registry, rules, i + 1, groups.length),
  }));
}

/** Every generated file under conformance-packs/, by name. */
export function renderPacks(registry: DeployRegistry): Record<string, string> {
  return {
    ...Object.fromEntries(baselinePacks(registry).map((p) => [`${p.name}.yaml`, p.text])),
    'rebaseline-managed-rules.yaml': renderTemplate(
      'AWS managed rules that check the same controls as the rebaseline rules (compare, or fall back).',
      buildManagedPack(registry),
    ),
    'member-roles.yaml': renderTemplate(
      'rebaseline member-account roles and SSM documents, deployable as a StackSet (see the README).',
      buildMemberRoles(registry),
    ),
    'rebaseline-exemption-scp.yaml': renderTemplate(
      'Optional service control policy protecting the exemption tag and rebaseline’s member resources (see SECURITY.md).',
      buildExemptionScp(registry),
    ),
  };
}
