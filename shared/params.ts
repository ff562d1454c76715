import type { ErrorObject, ValidateFunction } from 'ajv';
import { InvalidParametersError } from './errors';
import type { AnyRule, ParameterSchema, RuleMetadata } from './rule';
import { precompiledValidator } from './schemas/precompiled';
import PARAMETER_VALIDATORS from './schemas/validate-parameters.generated';

/** The options the parameter validators are compiled with (ahead of time, scripts/build-schemas.ts). */
export const PARAMETER_AJV_OPTIONS = { allErrors: false, useDefaults: true, strict: true } as const;

/** Parameters every rule accepts; the framework handles them so rules never repeat the plumbing. */
export const COMMON_PARAMETERS: Record<string, ParameterSchema> = {
  exemptResourceIds: {
    type: 'array',
    items: { type: 'string', pattern: '^\\S+$' },
    default: [],
    description: 'Comma-separated resource ids reported COMPLIANT with the annotation "Exempted: …".',
  },
  exemptTagKey: {
    type: 'string',
    default: '',
    description:
      'Tag key that exempts a resource, only together with exemptTagValue (protect the tag with an SCP, see the README).',
  },
  exemptTagValue: {
    type: 'string',
    default: '',
    description: 'Tag value that, with exemptTagKey, exempts a resource.',
  },
  executionRoleName: {
    type: 'string',
    default: '',
    pattern: '^$|^[\\w+=,.@/-]{1,64}$',
    description:
      'Role assumed in the evaluated account (central-account mode): arn:<partition>:iam::<accountId>:role/<name>.',
  },
};

export interface CommonParameters {
  exemptResourceIds: string[];
  exemptTagKey: string;
  exemptTagValue: string;
  executionRoleName: string;
}

/**
 * Full JSON Schema of a rule's parameters: its own plus the common ones.
 * @example
 * Object.keys(parameterSchema(rule.meta).properties); // → [...the rule's, 'exemptResourceIds', …]
 */
export function parameterSchema(meta: RuleMetadata) {
  return {
    type: 'object' as const,
    additionalProperties: false as const,
    properties: { ...meta.parameters.properties, ...COMMON_PARAMETERS },
    required: meta.parameters.required ?? [],
  };
}

// Looked up on the first parse of a rule's parameters; compiled ahead of time (`npm run generate`), never here.
const validators = new WeakMap<RuleMetadata, ValidateFunction>();
const schemas = new WeakMap<RuleMetadata, ReturnType<typeof parameterSchema>>();

function expectedForm(schema: ParameterSchema): string {
  switch (schema.type) {
    case 'boolean':
      return '"true" or "false"';
    case 'integer':
      return `an integer${schema.minimum !== undefined ? ` >= ${schema.minimum}` : ''}${schema.maximum !== undefined ? ` <= ${schema.maximum}` : ''}`;
    case 'number':
      return 'a number';
    case 'array':
      return `a comma-separated list of ${schema.items?.type === 'integer' ? 'integers' : 'values'}${
        schema.items?.pattern ? ` matching ${schema.items.pattern}` : ''
      }`;
    default:
      if (schema.enum) return `one of ${schema.enum.join(', ')}`;
      return schema.pattern ? `a string matching ${schema.pattern}` : 'a string';
  }
}

function convert(name: string, raw: string, schema: ParameterSchema): unknown {
  const fail = () => {
    throw new InvalidParametersError(name, expectedForm(schema), raw);
  };
  switch (schema.type) {
    case 'boolean':
      if (/^true$/i.test(raw)) return true;
      if (/^false$/i.test(raw)) return false;
      return fail();
    case 'integer':
      return /^-?\d+$/.test(raw) ? Number(raw) : fail();
    case 'number':
      return raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : fail();
    case 'array':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
        .map((s) => (schema.items?.type === 'integer' ? (/^-?\d+$/.test(s) ? Number(s) : fail()) : s));
    default:
      return raw;
  }
}

/**
 * Turns Config's string parameters (or the CLI's `--params`, same form) into typed values: `"true"`/`"false"`,
 * numbers and comma lists are parsed against the rule's schema; absent or empty values take the default.
 * @throws InvalidParametersError naming the parameter and the expected form.
 * @example
 * parseRuleParameters(meta, { authorizedTcpPorts: '80,443', allowIcmp: 'false' })
 * // → { authorizedTcpPorts: ['80', '443'], allowIcmp: false, authorizedUdpPorts: [], exemptResourceIds: [], … }
 */
export function parseRuleParameters<P>(
  meta: RuleMetadata,
  input: Record<string, unknown>,
): P & CommonParameters {
  let schema = schemas.get(meta);
  if (!schema) {
    schema = parameterSchema(meta);
    schemas.set(meta, schema);
  }
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(input)) {
    // Own properties only: `toString` or `constructor` must be unknown, not Object.prototype's members.
    const prop = Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
    if (!prop)
      throw new InvalidParametersError(name, `one of ${Object.keys(schema.properties).join(', ')}`, value, {
        cause: new Error(`Unknown parameter for rule ${meta.id}.`),
      });
    if (value === null || value === undefined) continue;
    const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
    // Config passes strings; the CLI's --params may hold numbers, booleans or a list of them. An object (or a list
    // of objects) is none of these: read as "[object Object]" it would be a value nobody gave.
    if (!(scalar(value) || (Array.isArray(value) && value.every(scalar))))
      throw new InvalidParametersError(name, expectedForm(prop), value);
    const text =
      typeof value === 'string' ? value.trim() : Array.isArray(value) ? value.join(',') : String(value);
    if (text === '') continue;
    out[name] = convert(name, text, prop);
  }
  let validate = validators.get(meta);
  if (!validate) {
    validate = precompiledValidator(
      PARAMETER_VALIDATORS,
      meta.id,
      schema,
      PARAMETER_AJV_OPTIONS,
      `the parameters of rule ${meta.id}`,
    );
    validators.set(meta, validate);
  }
  if (!validate(out)) {
    const err = validate.errors?.[0] as ErrorObject;
    const name =
      err.instancePath.split('/')[1] ??
      String(err.params.missingProperty ?? err.params.additionalProperty ?? err.keyword);
    const prop = Object.hasOwn(schema.properties, name) ? schema.properties[name] : undefined;
    throw new InvalidParametersError(name, prop ? expectedForm(prop) : String(err.message), input[name]);
  }
  const params = out as P & CommonParameters;
  if (Boolean(params.exemptTagKey) !== Boolean(params.exemptTagValue))
    throw new InvalidParametersError(
      params.exemptTagKey ? 'exemptTagValue' : 'exemptTagKey',
      'both exemptTagKey and exemptTagValue, or neither (a tag key alone would let anyone who can tag exempt a resource)',
      params.exemptTagKey ? params.exemptTagValue : params.exemptTagKey,
    );
  return params;
}

/**
 * Parses Config's string parameters for a rule, including the rule's own checks. A frozen input (the event parser
 * freezes the parameters it parses, one object per parameter text) is parsed once: the result is kept, frozen, and
 * given to every later call with it, so a warm Lambda does not parse its parameters on every invocation.
 * @throws InvalidParametersError naming the parameter and the expected form.
 * @example
 * ruleParameters(rule, { authorizedTcpPorts: '80,443' }).exemptResourceIds; // → []
 */
export function ruleParameters(rule: AnyRule, input: Record<string, unknown>): CommonParameters {
  const frozen = Object.isFrozen(input);
  const known = frozen ? parsedOf(rule).get(input) : undefined;
  if (known) return known;
  const params = parseRuleParameters<Record<string, unknown>>(rule.meta, input);
  rule.checkParameters?.(params);
  if (!frozen) return params;
  // Shared by every invocation with these parameters: made immutable, lists included.
  for (const value of Object.values(params)) if (Array.isArray(value)) Object.freeze(value);
  Object.freeze(params);
  parsedOf(rule).set(input, params);
  return params;
}

/** Parameters parsed from inputs that cannot change (frozen: the event parser's, one per parameter text). */
const parsedByRule = new WeakMap<AnyRule, WeakMap<object, CommonParameters>>();
function parsedOf(rule: AnyRule): WeakMap<object, CommonParameters> {
  let parsed = parsedByRule.get(rule);
  if (!parsed) {
    parsed = new WeakMap();
    parsedByRule.set(rule, parsed);
  }
  return parsed;
}
