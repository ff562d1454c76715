import type { ValidateFunction } from 'ajv';
import { DeploymentConfigError } from '../errors';

/**
 * A validator compiled ahead of time by ajv's standalone module (`npm run generate`, scripts/build-schemas.ts), with
 * the digest of the schema it was compiled from.
 */
export interface Precompiled {
  readonly digest: string;
  readonly validate: ValidateFunction;
}

/** A generated table of validators (`shared/schemas/validate-*.generated.js`), by the id of what they validate. */
export type PrecompiledTable = { readonly [id: string]: Precompiled | undefined };

/**
 * The digest a precompiled validator is matched by: FNV-1a (32 bits) of the schema's JSON and of the ajv options it
 * is compiled with. Not a security measure: it tells a validator compiled from an older schema (rule.json edited,
 * `npm run generate` not run yet) or with other options (`useDefaults`, `coerceTypes`…) from a current one.
 * @example
 * schemaDigest({ type: 'object' }, { allErrors: false }); // → '…' (8 hex digits)
 */
export function schemaDigest(schema: object, options: Readonly<Record<string, unknown>> = {}): string {
  const text = `${JSON.stringify(schema)}\n${JSON.stringify(options)}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** Compiles a schema at run time; given only by the test suite (for its own schemas), never by the product. */
export type SchemaCompiler = (schema: object, options: Readonly<Record<string, unknown>>) => ValidateFunction;
let compiler: SchemaCompiler | undefined;

/**
 * Lets schemas that no generated table holds (a test's own rule metadata or payload) be compiled at run time. The
 * product never calls it: its rules, remediations and playbooks are validated only by precompiled validators, so
 * nothing bundles ajv's compiler or compiles a schema when a Lambda starts or `rebaseline evaluate` runs.
 * @example
 * useSchemaCompiler((schema, options) => new Ajv(options).compile(schema)); // test/setup.ts
 */
export function useSchemaCompiler(compile: SchemaCompiler | undefined): void {
  compiler = compile;
}

/**
 * The validator of `schema`, which validates what `id` names: the precompiled one when the table has it for this
 * very schema (same digest), else one compiled by the compiler a test gave {@link useSchemaCompiler}.
 * @throws DeploymentConfigError naming `what` and `npm run generate` when there is neither.
 * @example
 * const validate = precompiledValidator(PARAMETER_VALIDATORS, rule.meta.id, schema, PARAMETER_AJV_OPTIONS, `the parameters of rule ${rule.meta.id}`);
 */
export function precompiledValidator(
  table: PrecompiledTable,
  id: string,
  schema: object,
  options: Readonly<Record<string, unknown>>,
  what: string,
): ValidateFunction {
  const found = Object.hasOwn(table, id) ? table[id] : undefined;
  if (found && found.digest === schemaDigest(schema, options)) return found.validate;
  if (compiler) return compiler(schema, options);
  throw new DeploymentConfigError(
    `No validator is compiled for ${what}${found ? ' as it is now (its schema or its ajv options changed since)' : ''}: run npm run generate.`,
  );
}
