import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { DeploymentConfigError } from './errors';
import { PLAYBOOK_SCHEMA, type PlaybookMetadataSchema } from './schemas/playbook';
import { REMEDIATION_SCHEMA, type RemediationMetadataSchema } from './schemas/remediation';
import { RULE_SCHEMA, type RuleMetadataSchema } from './schemas/rule';

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
const validators = new Map<object, ValidateFunction>();

function validated<T>(schema: object, what: string, json: unknown): T {
  let validate = validators.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    validators.set(schema, validate);
  }
  if (validate(json)) return json as T;
  const error = validate.errors?.[0] as ErrorObject;
  const id = (json as { id?: unknown } | null)?.id;
  throw new DeploymentConfigError(
    `${what}${typeof id === 'string' ? ` ${id}` : ''}: ${error.instancePath || '(top level)'} ${error.message}${
      error.params && 'additionalProperty' in error.params ? ` (${error.params.additionalProperty})` : ''
    }.`,
  );
}

/**
 * `rules/<id>/rule.json`, checked against its schema and typed by it: a rule's metadata is never cast, so what
 * compiles is what the schema accepts.
 * @throws DeploymentConfigError naming the rule, the field and what is wrong.
 * @example
 * import json from './rule.json';
 * export const rule = defineRule({ meta: ruleMetadata(json), … });
 */
export function ruleMetadata(json: unknown): RuleMetadataSchema {
  return validated<RuleMetadataSchema>(RULE_SCHEMA, 'rule.json of rule', json);
}

/**
 * `remediations/<id>/remediation.json`, checked against its schema and typed by it (never cast).
 * @throws DeploymentConfigError naming the remediation, the field and what is wrong.
 * @example
 * const meta = remediationMetadata(json);
 */
export function remediationMetadata(json: unknown): RemediationMetadataSchema {
  return validated<RemediationMetadataSchema>(REMEDIATION_SCHEMA, 'remediation.json of remediation', json);
}

/**
 * `playbooks/<id>/playbook.json`, checked against its schema and typed by it (never cast).
 * @throws DeploymentConfigError naming the playbook, the field and what is wrong.
 * @example
 * const meta = playbookMetadata(json);
 */
export function playbookMetadata(json: unknown): PlaybookMetadataSchema {
  return validated<PlaybookMetadataSchema>(PLAYBOOK_SCHEMA, 'playbook.json of playbook', json);
}
