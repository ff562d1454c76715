import type { ErrorObject } from 'ajv';
import { DeploymentConfigError } from './errors';
import type { PlaybookMetadataSchema } from './schemas/playbook';
import type { RemediationMetadataSchema } from './schemas/remediation';
import type { RuleMetadataSchema } from './schemas/rule';
// Compiled ahead of time from the schemas by `npm run generate` (scripts/build-schemas.ts; CI fails when stale):
// loading a rule, a remediation or a playbook validates its metadata without compiling a schema.
import validatePlaybook from './schemas/validate-playbook.generated';
import validateRemediation from './schemas/validate-remediation.generated';
import validateRule from './schemas/validate-rule.generated';

/** A validator compiled from a schema: a type guard, with ajv's errors when it returns false. */
interface Validator<T> {
  (data: unknown): data is T;
  errors?: ErrorObject[] | null;
}

function validated<T>(validate: Validator<T>, what: string, json: unknown): T {
  if (validate(json)) return json;
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
  return validated(validateRule, 'rule.json of rule', json);
}

/**
 * `remediations/<id>/remediation.json`, checked against its schema and typed by it (never cast).
 * @throws DeploymentConfigError naming the remediation, the field and what is wrong.
 * @example
 * const meta = remediationMetadata(json);
 */
export function remediationMetadata(json: unknown): RemediationMetadataSchema {
  return validated(validateRemediation, 'remediation.json of remediation', json);
}

/**
 * `playbooks/<id>/playbook.json`, checked against its schema and typed by it (never cast).
 * @throws DeploymentConfigError naming the playbook, the field and what is wrong.
 * @example
 * const meta = playbookMetadata(json);
 */
export function playbookMetadata(json: unknown): PlaybookMetadataSchema {
  return validated(validatePlaybook, 'playbook.json of playbook', json);
}
