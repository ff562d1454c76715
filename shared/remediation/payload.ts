import type { ErrorObject, ValidateFunction } from 'ajv';
import { DeploymentConfigError, RemediationInputError } from '../errors';
import { ruleParameters } from '../params';
import type { AnyRule } from '../rule';
import { precompiledValidator } from '../schemas/precompiled';
import PAYLOAD_VALIDATORS from '../schemas/validate-payloads.generated';
import {
  type PayloadField,
  REMEDIATION_MODES,
  type RemediationMetadata,
  type RemediationMode,
  ruleParameterFields,
} from './metadata';

export type { PayloadField } from './metadata';

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

/**
 * The options the payload validators are compiled with (ahead of time, scripts/build-schemas.ts). allErrors: the
 * error reported is the first field in the schema's order, not the first keyword ajv happens to check.
 */
export const PAYLOAD_AJV_OPTIONS = { allErrors: true, strict: true, allowUnionTypes: true } as const;

/** Every payload schema given to {@link payloadParser} so far, by remediation or playbook id (the generator's input). */
const PAYLOAD_SCHEMAS = new Map<string, object>();

/**
 * The payload schemas of the remediation and playbook handlers loaded so far, by id: what `npm run generate`
 * compiles ahead of time (scripts/build-schemas.ts loads every handler, then reads them here).
 * @example
 * payloadSchemas().has('revoke-public-ingress'); // → true once that remediation's handler module is loaded
 */
export function payloadSchemas(): ReadonlyMap<string, object> {
  return PAYLOAD_SCHEMAS;
}

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
 * The parser of a remediation Lambda's payload: `raw` is checked against the schema (by its validator compiled
 * ahead of time, `shared/schemas/validate-payloads.generated.js`) and returned with only the
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
  PAYLOAD_SCHEMAS.set(remediationId, schema);
  let validate: ValidateFunction | undefined;
  return (raw) => {
    // Looked up on the first payload; compiled ahead of time (`npm run generate`), never here.
    validate ??= precompiledValidator(
      PAYLOAD_VALIDATORS,
      remediationId,
      schema,
      PAYLOAD_AJV_OPTIONS,
      `the payload of ${remediationId}`,
    );
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

/** A rule parameter in Config's string form; the runner may pass a boolean, number or list unquoted. */
export const RULE_PARAMETER_FIELD = {
  type: ['string', 'boolean', 'number', 'array', 'null'],
  items: { type: 'string' },
  default: '',
  description: 'a string or a list of strings',
} as const satisfies PayloadField;

/** What every remediation Lambda receives: the mode, the account the automation runs in, the dry-run flag. */
export interface BasePayload {
  Mode: RemediationMode;
  /** The account the automation runs in (`{{ global:ACCOUNT_ID }}`). */
  AccountId: string;
  DryRun: boolean;
}

/** A parsed payload: the base fields, and every other declared field in Config's string form. */
export type Payload<F extends string> = BasePayload & Readonly<Record<F, string>>;

/**
 * The payload schema of a remediation's Lambda, from its remediation.json alone: `Mode` (the declared modes),
 * `AccountId`, one Config-string field per rule parameter the document passes, and `lambda.payload`'s fields.
 * @throws DeploymentConfigError when remediation.json declares no Lambda.
 * @example
 * Object.keys(payloadSchemaOf(meta).properties) // → ['Mode', 'AccountId', 'AuthorizedTcpPorts', …, 'GroupId']
 */
export function payloadSchemaOf(meta: RemediationMetadata): PayloadSchema<Record<string, unknown>> {
  const lambda = meta.lambda;
  if (!lambda)
    throw new DeploymentConfigError(`Remediation ${meta.id} declares no lambda in remediation.json.`);
  const properties: Record<string, PayloadField> = {
    Mode: { enum: lambda.modes, description: lambda.modes.map((m) => JSON.stringify(m)).join(' or ') },
    AccountId: ACCOUNT_ID_FIELD,
  };
  for (const name of Object.keys(ruleParameterFields(meta))) properties[name] = RULE_PARAMETER_FIELD;
  Object.assign(properties, lambda.payload.properties);
  return {
    type: 'object',
    properties,
    required: ['Mode', 'AccountId', ...(lambda.payload.required ?? [])],
  } as unknown as PayloadSchema<Record<string, unknown>>;
}

/**
 * The parser of a remediation Lambda's payload, built from remediation.json ({@link payloadSchemaOf}). `fields`
 * names what the handler reads: each must be declared, so a handler and its remediation.json cannot drift apart.
 * Every declared field is present in the result ('' when absent and without a default).
 * @throws DeploymentConfigError (at construction) when a field the handler reads is not declared, or a mode is
 * outside the vocabulary.
 * @example
 * const parse = payloadParserOf(meta, ['GroupId', 'ExecutionId'] as const);
 * parse({ Mode: 'plan', AccountId: '123456789012', GroupId: 'sg-0123456789abcdef0' }).ExecutionId // → ''
 */
export function payloadParserOf<F extends string>(
  meta: RemediationMetadata,
  fields: readonly F[],
): (raw: unknown) => Payload<F> {
  const schema = payloadSchemaOf(meta);
  const declared = Object.keys(schema.properties);
  const undeclared = fields.filter((f) => !declared.includes(f));
  if (undeclared.length > 0)
    throw new DeploymentConfigError(
      `Remediation ${meta.id}: the handler reads payload field(s) ${undeclared.join(', ')} that remediation.json does not declare.`,
    );
  const modes = meta.lambda?.modes ?? [];
  const unknown = modes.filter((m) => !(REMEDIATION_MODES as readonly string[]).includes(m));
  if (unknown.length > 0)
    throw new DeploymentConfigError(`Remediation ${meta.id}: unknown mode(s) ${unknown.join(', ')}.`);
  const parse = payloadParser<Record<string, unknown> & { DryRun?: boolean }>(meta.id, schema);
  return (raw) => {
    const payload = parse(raw) as Record<string, unknown>;
    for (const name of declared) payload[name] ??= '';
    return payload as Payload<F>;
  };
}

/**
 * The paired rule's parameters from a payload, mapped by remediation.json's `ruleParameter` sources and parsed
 * and checked exactly as the rule parses its own (its `checkParameters` included), so the remediation flags what
 * the rule flags.
 * @throws InvalidParametersError naming the rule parameter (e.g. authorizedTcpPorts "22-10").
 * @example
 * ruleParametersOf(meta, rule, parse({ Mode: 'plan', AccountId, GroupId, AuthorizedTcpPorts: '80,443' })).authorizedTcpPorts
 * // → ['80', '443']
 */
export function ruleParametersOf<P>(meta: RemediationMetadata, rule: AnyRule, payload: object): P {
  const input: Record<string, unknown> = {};
  for (const [field, parameter] of Object.entries(ruleParameterFields(meta)))
    input[parameter] = (payload as Record<string, unknown>)[field];
  return ruleParameters(rule, input) as P;
}
