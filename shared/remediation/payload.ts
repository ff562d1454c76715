import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { RemediationInputError } from '../errors';

type JsonType = 'string' | 'boolean' | 'number' | 'array' | 'null';

/**
 * JSON Schema of one payload field. The types say which JSON values are accepted: every accepted value reaches the
 * handler in Config's string form (`true` → `"true"`, `8` → `"8"`, `["a", "b"]` → `"a,b"`), and `null`, where the
 * type admits it, counts as absent.
 */
export interface PayloadField {
  type?: JsonType | readonly JsonType[];
  /** For `Mode`: the values it takes (`null` only where an absent mode takes the default). */
  enum?: readonly (string | null)[];
  /** Applies to a string value; a boolean or number the type admits is not matched against it. */
  pattern?: string;
  items?: { type: 'string' };
  /** The value of an absent (or `null`) field. */
  default?: string;
  /** The expected form, as the error says it: `<field> must be <description>, got …`. Defaults to the enum. */
  description?: string;
}

/** A remediation Lambda's payload as JSON Schema: one property for each field of `P` but `DryRun`. */
export interface PayloadSchema<P> {
  type: 'object';
  properties: { [K in Exclude<keyof P, 'DryRun'>]-?: PayloadField };
  required: readonly Exclude<keyof P, 'DryRun'>[];
}

/** The field every document sets to `{{ global:ACCOUNT_ID }}`: the account the automation runs in. */
export const ACCOUNT_ID_FIELD = {
  type: 'string',
  pattern: '^\\d{12}$',
  description: 'a 12-digit account id',
} as const satisfies PayloadField;

// allErrors: the error reported is the first field in the schema's order, not the first keyword ajv happens to check.
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });

const configString = (value: unknown): string => (Array.isArray(value) ? value.join(',') : String(value));

function inputError(
  remediationId: string,
  properties: Record<string, PayloadField>,
  raw: unknown,
  errors: readonly ErrorObject[],
): RemediationInputError {
  const order = Object.keys(properties);
  const fieldOf = (e: ErrorObject): string | undefined =>
    e.instancePath.split('/')[1] ?? (e.params as { missingProperty?: string }).missingProperty;
  const rank = (e: ErrorObject) => {
    const field = fieldOf(e);
    return field === undefined ? -1 : order.indexOf(field);
  };
  const first = errors.reduce((best, e) => (rank(e) < rank(best) ? e : best));
  const field = fieldOf(first);
  const schema = field === undefined ? undefined : properties[field];
  if (field === undefined || !schema)
    return new RemediationInputError(
      `${remediationId}: the payload must be a JSON object, got ${JSON.stringify(raw)}.`,
    );
  const expected =
    schema.description ??
    (schema.enum ?? [])
      .filter((v) => v !== null)
      .map((v) => JSON.stringify(v))
      .join(' or ');
  return new RemediationInputError(
    `${remediationId}: ${field} must be ${expected}, got ${JSON.stringify((raw as Record<string, unknown>)[field])}.`,
  );
}

/**
 * The parser of a remediation Lambda's payload: `raw` is checked against the schema (ajv) and returned with only the
 * schema's fields, in Config's string form, plus `DryRun` (the runner's dry-run sends `true`, a document may send
 * `"true"`; anything else is `false`).
 * @throws RemediationInputError naming the remediation, the first wrong field in the schema's order, the form it
 * must have and the value it has.
 * @example
 * const parse = payloadParser<{ Mode: 'plan' | 'verify'; AccountId: string; AllowIcmp?: string; DryRun: boolean }>(
 *   'revoke-public-ingress',
 *   { type: 'object', required: ['Mode', 'AccountId'], properties: { Mode: { enum: ['plan', 'verify'] },
 *     AccountId: ACCOUNT_ID_FIELD, AllowIcmp: { type: ['string', 'boolean', 'null'], description: 'a string' } } },
 * );
 * parse({ Mode: 'plan', AccountId: '123456789012', AllowIcmp: false }); // → { …, AllowIcmp: 'false', DryRun: false }
 * parse({ Mode: 'apply', AccountId: '123456789012' });
 * // throws 'revoke-public-ingress: Mode must be "plan" or "verify", got "apply".'
 */
export function payloadParser<P extends { DryRun?: boolean }>(
  remediationId: string,
  schema: PayloadSchema<P>,
): (raw: unknown) => P {
  const properties: Record<string, PayloadField> = schema.properties;
  let validate: ValidateFunction | undefined;
  return (raw) => {
    validate ??= ajv.compile(schema);
    if (!validate(raw)) throw inputError(remediationId, properties, raw, validate.errors ?? []);
    const input = raw as Record<string, unknown>;
    const payload: Record<string, unknown> = {};
    for (const [field, property] of Object.entries(properties)) {
      const value = input[field] ?? property.default;
      if (value !== undefined && value !== null) payload[field] = configString(value);
    }
    payload.DryRun = input.DryRun === true || input.DryRun === 'true';
    return payload as P;
  };
}
