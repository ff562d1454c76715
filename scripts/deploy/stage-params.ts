import { DeploymentConfigError, InvalidParametersError } from '../../shared/errors';
import { COMMON_PARAMETERS, parseRuleParameters } from '../../shared/params';
import type { ParameterSchema, RuleMetadata } from '../../shared/rule';
import type { DeployRegistry } from './registry';
import { RESPOND_PARAMETERS, type RespondSettings, resolveRespondSettings } from './respond';

/** One stage parameter every stage has (serverless.yml `params.default` lists them with the same defaults). */
interface GlobalParameter {
  default: string;
  description: string;
  check?: (value: string) => string | undefined;
}

const integerIn =
  (min: number, max: number) =>
  (v: string): string | undefined =>
    /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max ? undefined : `an integer from ${min} to ${max}`;
const matching =
  (pattern: RegExp, form: string) =>
  (v: string): string | undefined =>
    pattern.test(v) ? undefined : form;
const BOOLEAN = matching(/^(true|false)$/, '"true" or "false"');

/** Retention values CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Stage parameters that are not per rule. Rule parameters are `<rule-id>.<parameter>` (see {@link ruleParameterKey}). */
export const GLOBAL_PARAMETERS: Readonly<Record<string, GlobalParameter>> = {
  central: {
    default: 'false',
    description:
      'Central security-account mode: the Config rules of member accounts invoke these Lambdas, which assume executionRoleName there.',
    check: BOOLEAN,
  },
  deployConfigRules: {
    default: 'true',
    description:
      'Create the Config rules and remediation configurations in this account (false when a conformance pack creates them).',
    check: BOOLEAN,
  },
  excludeRules: {
    default: '',
    description:
      'Comma-separated rule ids this stage does not deploy (e.g. iam-root-access-keys-absent in all regions but one: IAM is global).',
    check: matching(/^([a-z0-9-]+(,[a-z0-9-]+)*)?$/, 'a comma-separated list of rule ids'),
  },
  organizationId: {
    default: '',
    description: 'AWS Organizations id (o-…); required in central mode.',
    check: matching(/^(o-[a-z0-9]{10,32})?$/, 'an organization id o-…'),
  },
  memberAccountIds: {
    default: '',
    description:
      'Comma-separated member account ids whose Config may invoke the rule Lambdas (central mode; one permission each).',
    check: matching(/^(\d{12}(,\d{12})*)?$/, 'a comma-separated list of 12-digit account ids'),
  },
  executionRoleName: {
    default: 'rebaseline-execution',
    description: 'Role the rule Lambdas assume in member accounts (created there by member-roles.yaml).',
    check: matching(/^[\w+=,.@-]{1,64}$/, 'an IAM role name'),
  },
  externalId: {
    default: '',
    description: 'sts:ExternalId the member execution roles require; required in central mode.',
    check: matching(/^([\w+=,.@:/-]{2,1224})?$/, 'an sts external id (2-1224 characters of [\\w+=,.@:/-])'),
  },
  rootCredentialsManagement: {
    default: 'false',
    description:
      'Grant remove-root-access-keys sts:AssumeRoot (conditioned on the two root-task policies it uses and the organization); only in the management account or the IAM delegated administrator, with organizationId.',
    check: BOOLEAN,
  },
  exemptTagKey: {
    default: '',
    description: 'Tag key that exempts a resource from every rule, only with exemptTagValue.',
  },
  exemptTagValue: { default: '', description: 'Tag value that, with exemptTagKey, exempts a resource.' },
  logRetentionInDays: {
    default: '30',
    description: 'Retention of the log groups of the Lambdas.',
    check: (v) =>
      LOG_RETENTION_DAYS.includes(Number(v)) ? undefined : `one of ${LOG_RETENTION_DAYS.join(', ')}`,
  },
  reservedConcurrency: {
    default: '5',
    description:
      'Reserved concurrency of each Lambda ("off" for none: accounts whose concurrency limit is 10 cannot reserve any).',
    check: (v) => (v === 'off' ? undefined : integerIn(1, 1000)(v)),
  },
  remediationMaximumAutomaticAttempts: {
    default: '3',
    description: 'Automatic remediation attempts per resource (Config allows 1-25).',
    check: integerIn(1, 25),
  },
  remediationRetryAttemptSeconds: {
    default: '60',
    description: 'Window in which the attempts are counted.',
    check: integerIn(1, 2678000),
  },
  remediationConcurrentExecutionRatePercentage: {
    default: '10',
    description: 'Share of non-compliant resources remediated at once.',
    check: integerIn(1, 100),
  },
  remediationErrorPercentage: {
    default: '10',
    description: 'Share of failed remediations that stops the run.',
    check: integerIn(1, 100),
  },
};

/** Member accounts one central stack can serve (see the 20 KB Lambda resource policy limit). */
export const MAX_MEMBER_ACCOUNTS = 60;

/** Common rule parameters a stage may set per rule (`executionRoleName` is set by the deployment mode). */
export const PER_RULE_COMMON = ['exemptResourceIds', 'exemptTagKey', 'exemptTagValue'] as const;

/**
 * The stage parameter that sets a rule parameter.
 * @example
 * ruleParameterKey('ec2-security-group-no-public-ingress', 'authorizedTcpPorts')
 * // 'ec2-security-group-no-public-ingress.authorizedTcpPorts'
 */
export function ruleParameterKey(ruleId: string, parameter: string): string {
  return `${ruleId}.${parameter}`;
}

/** The stage parameter that turns a rule's automatic remediation on. */
export function automaticRemediationKey(ruleId: string): string {
  return `${ruleId}.automaticRemediation`;
}

/**
 * A parameter value as AWS Config's `InputParameters` carries it: a string, lists comma-separated.
 * @example
 * toConfigString(['80', '443']) // '80,443'
 */
export function toConfigString(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((v) => toConfigString(v)).join(',');
  return String(value).trim();
}

/** The rule's own parameters plus the common ones a stage may set per rule, with their schemas. */
export function deployableParameters(rule: RuleMetadata): Record<string, ParameterSchema> {
  const out: Record<string, ParameterSchema> = { ...rule.parameters.properties };
  for (const name of PER_RULE_COMMON) out[name] = COMMON_PARAMETERS[name]!;
  return out;
}

/** Settings of one rule in one stage. */
export interface RuleSettings {
  /** Every deployable parameter, as Config strings (defaults applied; empty when unset). */
  parameters: Record<string, string>;
  automaticRemediation: boolean;
}

/** Everything environment-specific about one stage, validated. */
export interface StageSettings {
  stage: string;
  central: boolean;
  deployConfigRules: boolean;
  /** Registered rules this stage leaves out. */
  excludedRules: string[];
  organizationId: string;
  memberAccountIds: string[];
  executionRoleName: string;
  externalId: string;
  logRetentionInDays: number;
  reservedConcurrency: number | undefined;
  remediation: {
    maximumAutomaticAttempts: number;
    retryAttemptSeconds: number;
    concurrentExecutionRatePercentage: number;
    errorPercentage: number;
  };
  rules: Record<string, RuleSettings>;
  /** Values of the stage parameters remediation.json `static` sources name (defaults applied). */
  statics: Record<string, string>;
  /** Boolean stage parameters that IAM statements may be `enabledBy` (remediation.json), by name. */
  switches: Record<string, boolean>;
  /** Incident response (scripts/deploy/respond.ts). */
  respond: RespondSettings;
}

/** The boolean stage parameters a remediation.json IAM statement may name in `enabledBy`. */
export const STATEMENT_SWITCHES = ['rootCredentialsManagement'] as const;

/** Every stage parameter name the registry knows, with its default (for docs and validation). */
export function knownParameters(registry: DeployRegistry): Record<string, string> {
  const known: Record<string, string> = {};
  for (const [name, p] of Object.entries(GLOBAL_PARAMETERS)) known[name] = p.default;
  for (const [name, p] of Object.entries(RESPOND_PARAMETERS)) known[name] = p.default;
  for (const rule of registry.rules) {
    for (const [name, schema] of Object.entries(deployableParameters(rule)))
      known[ruleParameterKey(rule.id, name)] = toConfigString(schema.default);
    known[automaticRemediationKey(rule.id)] = 'false';
  }
  for (const r of registry.remediations)
    for (const source of Object.values(r.meta.parameters))
      if (source.source === 'static' && source.stageParameter && !(source.stageParameter in known))
        known[source.stageParameter] = source.default;
  return known;
}

/**
 * Validates the stage parameters (from serverless.yml `params` and `--param`) against the registry and turns
 * them into {@link StageSettings}. Unknown names and malformed values fail the packaging with a message naming
 * them, so a typo never deploys a rule with its defaults.
 * @throws DeploymentConfigError or InvalidParametersError.
 * @example
 * resolveStageSettings(registry, 'prod', { central: 'true', organizationId: 'o-abcdefghij', … })
 */
export function resolveStageSettings(
  registry: DeployRegistry,
  stage: string,
  input: Record<string, unknown>,
): StageSettings {
  if (!/^[A-Za-z0-9-]{1,16}$/.test(stage))
    throw new DeploymentConfigError(`Stage ${stage} must be 1-16 letters, digits or hyphens.`);
  const known = knownParameters(registry);
  const unknown = Object.keys(input).filter((k) => !(k in known));
  if (unknown.length > 0)
    throw new DeploymentConfigError(
      `Unknown stage parameter(s) ${unknown.join(', ')}. Known: ${Object.keys(known).join(', ')}.`,
    );
  const raw = (name: string): string => {
    const v = input[name];
    return v === undefined || v === null ? known[name]! : toConfigString(v);
  };
  for (const [name, p] of Object.entries(GLOBAL_PARAMETERS)) {
    const problem = p.check?.(raw(name));
    if (problem)
      throw new DeploymentConfigError(
        `Stage parameter ${name}: expected ${problem}, got ${JSON.stringify(raw(name))}.`,
      );
  }

  const central = raw('central') === 'true';
  if (raw('rootCredentialsManagement') === 'true' && !raw('organizationId'))
    throw new DeploymentConfigError(
      'rootCredentialsManagement: true needs the stage parameter organizationId: sts:AssumeRoot is granted only on accounts of that organization.',
    );
  const memberAccountIds = raw('memberAccountIds').split(',').filter(Boolean);
  if (central)
    for (const name of ['organizationId', 'externalId', 'memberAccountIds'])
      if (!raw(name))
        throw new DeploymentConfigError(`Central mode (central: true) needs the stage parameter ${name}.`);

  // One Lambda permission statement per member account; a function's resource policy holds at most 20 KB.
  if (memberAccountIds.length > MAX_MEMBER_ACCOUNTS)
    throw new DeploymentConfigError(
      `memberAccountIds lists ${memberAccountIds.length} accounts; one stack serves at most ${MAX_MEMBER_ACCOUNTS} (the Lambda resource policy limit is 20 KB): deploy one stage per group of accounts.`,
    );

  const excludedRules = raw('excludeRules').split(',').filter(Boolean);
  const unregistered = excludedRules.filter((id) => !registry.rules.some((r) => r.id === id));
  if (unregistered.length > 0)
    throw new DeploymentConfigError(
      `Stage parameter excludeRules names unknown rule(s) ${unregistered.join(', ')}. Rules: ${registry.rules.map((r) => r.id).join(', ')}.`,
    );

  const rules: Record<string, RuleSettings> = {};
  for (const rule of registry.rules) {
    const parameters: Record<string, string> = {};
    for (const name of Object.keys(deployableParameters(rule))) {
      const key = ruleParameterKey(rule.id, name);
      // Tag exemption may be set once for every rule; a per-rule value wins.
      const global = (name === 'exemptTagKey' || name === 'exemptTagValue') && input[key] === undefined;
      parameters[name] = global ? raw(name) : raw(key);
    }
    try {
      parseRuleParameters(rule, parameters);
    } catch (error) {
      if (error instanceof InvalidParametersError)
        throw new DeploymentConfigError(
          `Stage parameter ${ruleParameterKey(rule.id, error.parameter)}: ${error.message}`,
          { cause: error },
        );
      throw error;
    }
    const automatic = raw(automaticRemediationKey(rule.id));
    if (BOOLEAN(automatic))
      throw new DeploymentConfigError(
        `Stage parameter ${automaticRemediationKey(rule.id)}: expected "true" or "false", got ${JSON.stringify(automatic)}.`,
      );
    rules[rule.id] = { parameters, automaticRemediation: automatic === 'true' };
  }

  const statics: Record<string, string> = {};
  for (const r of registry.remediations)
    for (const source of Object.values(r.meta.parameters))
      if (source.source === 'static' && source.stageParameter)
        statics[source.stageParameter] = raw(source.stageParameter);

  const reserved = raw('reservedConcurrency');
  return {
    stage,
    central,
    deployConfigRules: raw('deployConfigRules') === 'true',
    excludedRules,
    organizationId: raw('organizationId'),
    memberAccountIds,
    executionRoleName: raw('executionRoleName'),
    externalId: raw('externalId'),
    logRetentionInDays: Number(raw('logRetentionInDays')),
    reservedConcurrency: reserved === 'off' ? undefined : Number(reserved),
    remediation: {
      maximumAutomaticAttempts: Number(raw('remediationMaximumAutomaticAttempts')),
      retryAttemptSeconds: Number(raw('remediationRetryAttemptSeconds')),
      concurrentExecutionRatePercentage: Number(raw('remediationConcurrentExecutionRatePercentage')),
      errorPercentage: Number(raw('remediationErrorPercentage')),
    },
    rules,
    statics,
    switches: Object.fromEntries(STATEMENT_SWITCHES.map((name) => [name, raw(name) === 'true'])),
    respond: resolveRespondSettings(raw),
  };
}
