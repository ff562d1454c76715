import { DeploymentConfigError } from '../../shared/errors';
import type { ParameterSource } from '../../shared/remediation/metadata';
import type { RuleMetadata } from '../../shared/rule';
import type { Cfn } from './iam';
import type { DeployableRemediation } from './registry';

/** Config limits that CloudFormation does not check before calling the API. */
export const CONFIG_LIMITS = { description: 256, inputParameters: 1024 } as const;

/**
 * Shortens a description to Config's 256 characters, at a word boundary.
 * @example
 * configDescription('Flags …') // unchanged when short enough
 */
export function configDescription(text: string): string {
  if (text.length <= CONFIG_LIMITS.description) return text;
  const cut = text.slice(0, CONFIG_LIMITS.description - 1);
  return `${cut.slice(0, cut.lastIndexOf(' '))}…`;
}

/**
 * The `Source` of a custom Lambda Config rule: change notifications (normal and oversized) for change-triggered
 * rules, a scheduled notification at the rule's frequency for periodic ones.
 * @example
 * { Source: customLambdaSource(meta, { 'Fn::GetAtt': ['RuleXLambdaFunction', 'Arn'] }) }
 */
export function customLambdaSource(rule: RuleMetadata, sourceIdentifier: Cfn): Record<string, Cfn> {
  const details: Cfn[] = [];
  if (rule.trigger.configurationChange)
    for (const MessageType of [
      'ConfigurationItemChangeNotification',
      'OversizedConfigurationItemChangeNotification',
    ])
      details.push({ EventSource: 'aws.config', MessageType });
  if (rule.trigger.periodic)
    details.push({
      EventSource: 'aws.config',
      MessageType: 'ScheduledNotification',
      MaximumExecutionFrequency: rule.trigger.periodic.maximumExecutionFrequency,
    });
  if (details.length === 0)
    throw new DeploymentConfigError(`Rule ${rule.id} declares no trigger (configurationChange or periodic).`);
  return { Owner: 'CUSTOM_LAMBDA', SourceIdentifier: sourceIdentifier, SourceDetails: details };
}

/** Properties every deployment of a rule shares: scope (change rules only) and frequency (periodic rules). */
export function ruleScopeAndFrequency(rule: RuleMetadata): Record<string, Cfn> {
  const out: Record<string, Cfn> = {};
  if (rule.trigger.configurationChange)
    out.Scope = { ComplianceResourceTypes: [...rule.trigger.configurationChange.resourceTypes] };
  if (rule.trigger.periodic) out.MaximumExecutionFrequency = rule.trigger.periodic.maximumExecutionFrequency;
  return out;
}

/** A template value that may be empty at deploy time, with the condition that says it is not. */
export interface OptionalValue {
  value: Cfn;
  unlessEmpty: string;
}

function isOptional(v: Cfn | OptionalValue): v is OptionalValue {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && typeof v.unlessEmpty === 'string';
}

/** How one deployment supplies the values of remediation parameter sources. */
export interface ParameterValues {
  /** The assume role's ARN. */
  assumeRole: Cfn;
  /** The remediation Lambda's function name or ARN (only asked when the remediation has a Lambda). */
  lambda: () => Cfn;
  /**
   * The rule parameter's value as a Config string, or a template value (a pack parameter) with the name of the
   * condition that says it is not empty.
   */
  ruleParameter: (name: string) => Cfn | OptionalValue;
  /** A `static` source's value (a stage or pack parameter, or its default). */
  static: (source: Extract<ParameterSource, { source: 'static' }>) => Cfn | OptionalValue;
}

/**
 * The `Parameters` of an `AWS::Config::RemediationConfiguration`, from remediation.json's parameter sources:
 * the resource id as `RESOURCE_ID`, everything else as static values. A value that is the empty string is left
 * out (with `Fn::If` when only known at deploy time), so the document's own default applies (Config rejects
 * empty static values).
 * @throws DeploymentConfigError when a source cannot be satisfied (e.g. `lambda` without a Lambda).
 * @example
 * remediationParameters(remediation, rule, { assumeRole: { 'Fn::GetAtt': ['Role', 'Arn'] }, … })
 */
export function remediationParameters(
  remediation: DeployableRemediation,
  rule: RuleMetadata,
  values: ParameterValues,
): Record<string, Cfn> {
  const out: Record<string, Cfn> = {};
  for (const [name, source] of Object.entries(remediation.meta.parameters)) {
    let value: Cfn | OptionalValue;
    switch (source.source) {
      case 'resourceId':
        out[name] = { ResourceValue: { Value: 'RESOURCE_ID' } };
        continue;
      case 'assumeRole':
        value = values.assumeRole;
        break;
      case 'lambda':
        if (!remediation.meta.lambda)
          throw new DeploymentConfigError(
            `Remediation ${remediation.meta.id}: parameter ${name} takes the Lambda, but remediation.json declares no lambda.`,
          );
        value = values.lambda();
        break;
      case 'accountId':
        value = { Ref: 'AWS::AccountId' };
        break;
      case 'ruleParameter': {
        const known = {
          ...rule.parameters.properties,
          exemptResourceIds: 1,
          exemptTagKey: 1,
          exemptTagValue: 1,
        };
        if (!(source.ruleParameter in known))
          throw new DeploymentConfigError(
            `Remediation ${remediation.meta.id}: parameter ${name} takes rule parameter ${source.ruleParameter}, which rule ${rule.id} does not have.`,
          );
        value = values.ruleParameter(source.ruleParameter);
        break;
      }
      case 'static':
        value = values.static(source);
        break;
      default:
        throw new DeploymentConfigError(
          `Remediation ${remediation.meta.id}: parameter ${name} has an unknown source ${JSON.stringify(source)}.`,
        );
    }
    if (isOptional(value))
      out[name] = {
        'Fn::If': [value.unlessEmpty, { StaticValue: { Values: [value.value] } }, { Ref: 'AWS::NoValue' }],
      };
    else if (value !== '') out[name] = { StaticValue: { Values: [value] } };
  }
  return out;
}
