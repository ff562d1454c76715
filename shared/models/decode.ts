import { awsErrorName, MalformedResourceError, RebaselineError } from '../errors';

/**
 * Strict readers for the fields a model is built from. Each either returns the value in its one typed form or
 * throws a {@link MalformedResourceError} naming the field (`configuration.ipPermissions[0].fromPort`) and what is
 * wrong with it. They decode what AWS Config legitimately writes in more than one way, and nothing else:
 * - objects and arrays as JSON text, possibly encoded twice (`supplementaryConfiguration.AccessControlList`, items
 *   from `GetResourceConfigHistory`, `SelectResourceConfig` rows);
 * - integers as numeric text (`"22"`) or with a zero fraction (`22.0`, `"22.0"`);
 * - booleans as the text `"true"` / `"false"` (any case).
 * `null` is how Config writes an absent value, so optional readers treat it as absent and required ones refuse it.
 */

/** The resource a value belongs to, so the error can say whose field is wrong. */
export interface Where {
  resourceType: string;
  resourceId: string;
}

/** A dependency that could not be read (see `docs/fail-closed.md`): why, for the error that names it. */
export interface Unreadable {
  unreadable: string;
}

/**
 * Whether a dependency's value is {@link Unreadable}.
 * @example
 * isUnreadable({ unreadable: 'AccessDenied' }) // → true
 */
export function isUnreadable(value: unknown): value is Unreadable {
  return typeof value === 'object' && value !== null && typeof (value as Unreadable).unreadable === 'string';
}

/**
 * Why a read failed, in one short phrase: the AWS error name, or a rebaseline error's own message.
 * @example
 * unreadableBecause(Object.assign(new Error('denied'), { name: 'AccessDenied' })) // → { unreadable: 'AccessDenied' }
 */
export function unreadableBecause(error: unknown): Unreadable {
  if (error instanceof RebaselineError) return { unreadable: error.message.replace(/\.$/, '') };
  const name = awsErrorName(error);
  const message = error instanceof Error ? error.message : String(error);
  return { unreadable: name && name !== 'Error' ? name : message || 'error' };
}

/** A short, printable rendering of a bad value for an error message. */
function shown(value: unknown): string {
  if (value === undefined) return 'undefined';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/**
 * Throws the error that names `path` of the resource and says what is wrong.
 * @example
 * refuse(where, 'configuration.ipPermissions', 'is missing'); // MalformedResourceError
 */
export function refuse(where: Where, path: string, problem: string): never {
  throw new MalformedResourceError(where.resourceType, where.resourceId, path, problem);
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * JSON text decoded, up to three times, when it encodes an object or an array (or another JSON string); any other
 * value as it is. `undefined` for text that looks like JSON (starts with `{`, `[` or `"`) but does not parse. What
 * {@link record} and {@link array} read; the plain readers decode a supplementary value with it once.
 * @example
 * unwrapJson(JSON.stringify(JSON.stringify({ grantList: [] }))) // → { grantList: [] }
 */
export function unwrapJson(value: unknown): unknown {
  let v = value;
  for (let i = 0; i < 3 && typeof v === 'string'; i++) {
    const s = v.trim();
    const c = s.charCodeAt(0);
    if (c !== 0x7b && c !== 0x5b && c !== 0x22) return v; // { [ "
    try {
      v = JSON.parse(s);
    } catch {
      return undefined;
    }
  }
  return v;
}

const absent = (v: unknown) => v === undefined || v === null;

/**
 * A required object (or the JSON text of one).
 * @example
 * record('{"a":1}', where, 'configuration') // → { a: 1 }
 */
export function record(value: unknown, where: Where, path: string): Record<string, unknown> {
  if (absent(value)) refuse(where, path, value === null ? 'is null' : 'is missing');
  const v = unwrapJson(value);
  if (!isRecord(v)) refuse(where, path, `is ${shown(value)}, not a JSON object`);
  return v;
}

/** An optional object: `undefined` when absent or null. */
export function optionalRecord(
  value: unknown,
  where: Where,
  path: string,
): Record<string, unknown> | undefined {
  return absent(value) ? undefined : record(value, where, path);
}

/**
 * A required array (or the JSON text of one).
 * @example
 * array('[{"cidrIp":"0.0.0.0/0"}]', where, 'configuration.ipPermissions[0].ipv4Ranges').length // → 1
 */
export function array(value: unknown, where: Where, path: string): unknown[] {
  if (absent(value)) refuse(where, path, value === null ? 'is null' : 'is missing');
  const v = unwrapJson(value);
  if (!Array.isArray(v)) refuse(where, path, `is ${shown(value)}, not a JSON array`);
  return v;
}

/** An optional array: `undefined` when absent or null. */
export function optionalArray(value: unknown, where: Where, path: string): unknown[] | undefined {
  return absent(value) ? undefined : array(value, where, path);
}

/**
 * A required string (empty allowed only when `allowEmpty`).
 * @example
 * string('tcp', where, 'configuration.ipPermissions[0].ipProtocol') // → 'tcp'
 */
export function string(value: unknown, where: Where, path: string, allowEmpty = false): string {
  if (absent(value)) refuse(where, path, value === null ? 'is null' : 'is missing');
  if (typeof value !== 'string') refuse(where, path, `is ${shown(value)}, not a string`);
  if (!allowEmpty && value === '') refuse(where, path, 'is empty');
  return value;
}

/** An optional string: `undefined` when absent or null (or empty, unless `allowEmpty`). */
export function optionalString(
  value: unknown,
  where: Where,
  path: string,
  allowEmpty = false,
): string | undefined {
  if (absent(value) || (!allowEmpty && value === '')) return undefined;
  return string(value, where, path, allowEmpty);
}

const INTEGER_TEXT = /^\s*-?\d{1,15}(\.0+)?\s*$/;

/**
 * A required integer within [min, max]: a number with no fraction, or its decimal text (`"22"`, `"22.0"`).
 * @example
 * integer('22.0', where, 'configuration.ipPermissions[0].fromPort', -1, 65535) // → 22
 */
export function integer(value: unknown, where: Where, path: string, min: number, max: number): number {
  if (absent(value)) refuse(where, path, value === null ? 'is null' : 'is missing');
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && INTEGER_TEXT.test(value)
        ? Number(value)
        : NaN;
  if (!Number.isInteger(n)) refuse(where, path, `is ${shown(value)}, not an integer`);
  if (n < min || n > max) refuse(where, path, `is ${n}, outside ${min}..${max}`);
  return n;
}

/** An optional integer: `undefined` when absent or null. */
export function optionalInteger(
  value: unknown,
  where: Where,
  path: string,
  min: number,
  max: number,
): number | undefined {
  return absent(value) ? undefined : integer(value, where, path, min, max);
}

/**
 * A required boolean: `true`/`false`, or the text `"true"`/`"false"` in any case.
 * @example
 * boolean('False', where, 'EventSelectors[0].IncludeManagementEvents') // → false
 */
export function boolean(value: unknown, where: Where, path: string): boolean {
  if (absent(value)) refuse(where, path, value === null ? 'is null' : 'is missing');
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return refuse(where, path, `is ${shown(value)}, not a boolean`);
}

/** An optional boolean: `undefined` when absent or null. */
export function optionalBoolean(value: unknown, where: Where, path: string): boolean | undefined {
  return absent(value) ? undefined : boolean(value, where, path);
}

/**
 * A required list of non-empty strings, written as one string or an array of them (IAM's form).
 * @example
 * stringList('s3:GetObject', where, 'Statement[0].Action') // → ['s3:GetObject']
 */
export function stringList(value: unknown, where: Where, path: string): string[] {
  if (typeof value === 'string' && !/^\s*\[/.test(value)) return [string(value, where, path)];
  const list = array(value, where, path);
  if (list.length === 0) refuse(where, path, 'is an empty list');
  return list.map((v, i) => string(v, where, `${path}[${i}]`));
}
