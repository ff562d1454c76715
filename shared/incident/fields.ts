import { MalformedFindingError } from '../errors';

/** A JSON object of the input. */
export type Json = Record<string, unknown>;

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/**
 * Reads fields of one JSON object, knowing its path in the input, so every error names the exact field
 * (`detail.service.action.portProbeAction.portProbeDetails[3].remoteIpDetails.ipAddressV4`).
 * @example
 * const detail = new Fields(event.detail, 'detail');
 * detail.string('id'); // MalformedFindingError: detail.id is missing.
 */
export class Fields {
  readonly value: Json;

  constructor(
    value: unknown,
    readonly path: string,
  ) {
    if (!isObject(value)) throw new MalformedFindingError(path, `must be an object, got ${shown(value)}.`);
    this.value = value;
  }

  at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  has(key: string): boolean {
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  fail(key: string, problem: string): never {
    throw new MalformedFindingError(this.at(key), problem);
  }

  /** A required non-empty string, optionally matching `pattern` (whose meaning `form` says). */
  string(key: string, pattern?: RegExp, form?: string): string {
    const value = this.value[key];
    if (value === undefined || value === null) this.fail(key, 'is missing.');
    if (typeof value !== 'string') this.fail(key, `must be a string, got ${shown(value)}.`);
    if (value.trim() === '') this.fail(key, 'is empty.');
    if (pattern && !pattern.test(value))
      this.fail(key, `must be ${form ?? `like ${pattern}`}, got ${shown(value)}.`);
    return value;
  }

  optionalString(key: string, pattern?: RegExp, form?: string): string | undefined {
    return this.has(key) ? this.string(key, pattern, form) : undefined;
  }

  /** A finite number (a numeric string is not one: GuardDuty and EventBridge send numbers). */
  number(key: string, min?: number, max?: number): number {
    const value = this.value[key];
    if (value === undefined || value === null) this.fail(key, 'is missing.');
    if (typeof value !== 'number' || !Number.isFinite(value))
      this.fail(key, `must be a number, got ${shown(value)}.`);
    if ((min !== undefined && value < min) || (max !== undefined && value > max))
      this.fail(key, `must be from ${min} to ${max}, got ${value}.`);
    return value;
  }

  optionalNumber(key: string, min?: number, max?: number): number | undefined {
    return this.has(key) ? this.number(key, min, max) : undefined;
  }

  optionalBoolean(key: string): boolean | undefined {
    if (!this.has(key)) return undefined;
    const value = this.value[key];
    if (typeof value === 'boolean') return value;
    if (value === 'true' || value === 'false') return value === 'true';
    this.fail(key, `must be true or false, got ${shown(value)}.`);
  }

  /** An ISO 8601 date-time, kept as the text the finding has. */
  optionalDate(key: string): string | undefined {
    const value = this.optionalString(key);
    if (value !== undefined && Number.isNaN(Date.parse(value)))
      this.fail(key, `must be a date-time, got ${shown(value)}.`);
    return value;
  }

  object(key: string): Fields {
    if (!this.has(key)) this.fail(key, 'is missing.');
    return new Fields(this.value[key], this.at(key));
  }

  optionalObject(key: string): Fields | undefined {
    return this.has(key) ? this.object(key) : undefined;
  }

  /** The items of an array (absent: none). */
  array(key: string): { value: unknown; path: string }[] {
    if (!this.has(key)) return [];
    const value = this.value[key];
    if (!Array.isArray(value)) this.fail(key, `must be a list, got ${shown(value)}.`);
    return value.map((item, i) => ({ value: item, path: `${this.at(key)}[${i}]` }));
  }

  objects(key: string): Fields[] {
    return this.array(key).map((item) => new Fields(item.value, item.path));
  }
}

/** The same JSON with object keys in camelCase (`IpAddressV4` → `ipAddressV4`); keys like `AWS::S3::Bucket` stay. */
export function camelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camelKeys);
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, item] of Object.entries(value))
    out[/^[A-Z][a-z0-9]/.test(key) ? key[0]!.toLowerCase() + key.slice(1) : key] = camelKeys(item);
  return out;
}
