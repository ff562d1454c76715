import { InvalidEventPatternError } from '../errors';
import { isObject, type Json } from './fields';
import { cidrContains, parseCidr, parseIpAddress } from './ip';

/**
 * EventBridge event patterns, evaluated locally so the deployed rules are tested (no maintained npm package does
 * this; EventBridge's TestEventPattern needs AWS, and the emulator stubs it). Semantics, as EventBridge documents
 * them:
 * - a pattern is an object whose fields are nested objects or arrays of matchers; every field must match (AND), the
 *   matchers of one array are alternatives (OR), and `$or` lists alternative sub-patterns;
 * - exact values (string, number — compared as numbers, so `5` matches `5.0` — boolean, null), `prefix`, `suffix`,
 *   `equals-ignore-case`, `wildcard`, `anything-but` (a value, a list, or a prefix/suffix/equals-ignore-case/wildcard),
 *   `numeric` ranges, `exists`, `cidr`;
 * - arrays in the event are flattened: a field matches when any of the values at its path matches, and arrays of
 *   objects are flattened too, so `{"tags": {"key": ["a"], "value": ["b"]}}` matches one tag's key with another tag's
 *   value (why rebaseline checks its skip tag in code);
 * - `exists` applies to leaves only: an object is not a value.
 */

type Leaf = string | number | boolean | null;

const OPERATORS = [
  'prefix',
  'suffix',
  'equals-ignore-case',
  'wildcard',
  'anything-but',
  'numeric',
  'exists',
  'cidr',
];
const NUMERIC_OPS = ['<', '<=', '=', '>', '>='];

/** Every leaf value at `path`, arrays (of values or of objects) flattened; `present` if the path reaches any. */
function valuesAt(event: unknown, path: readonly string[]): Leaf[] {
  let nodes: unknown[] = [event];
  for (const key of path) {
    const next: unknown[] = [];
    for (const node of nodes) {
      const items = Array.isArray(node) ? node : [node];
      for (const item of items) if (isObject(item) && key in item) next.push(item[key]);
    }
    nodes = next;
  }
  const leaves: Leaf[] = [];
  const collect = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(collect);
    else if (!isObject(v) && v !== undefined) leaves.push(v as Leaf);
  };
  nodes.forEach(collect);
  return leaves;
}

function wildcardRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 's');
}

function stringMatcher(op: string, spec: unknown, where: string): (v: string) => boolean {
  if (op === 'equals-ignore-case' && typeof spec === 'string')
    return (v) => v.toLowerCase() === spec.toLowerCase();
  if (op === 'wildcard' && typeof spec === 'string') {
    if (spec.includes('**')) throw new InvalidEventPatternError(`${where}: wildcard must not contain "**".`);
    const re = wildcardRegExp(spec);
    return (v) => re.test(v);
  }
  if ((op === 'prefix' || op === 'suffix') && typeof spec === 'string')
    return op === 'prefix' ? (v) => v.startsWith(spec) : (v) => v.endsWith(spec);
  if (
    (op === 'prefix' || op === 'suffix') &&
    isObject(spec) &&
    typeof spec['equals-ignore-case'] === 'string'
  ) {
    const s = (spec['equals-ignore-case'] as string).toLowerCase();
    return op === 'prefix' ? (v) => v.toLowerCase().startsWith(s) : (v) => v.toLowerCase().endsWith(s);
  }
  throw new InvalidEventPatternError(`${where}: ${op} takes a string, got ${JSON.stringify(spec)}.`);
}

function numericMatcher(spec: unknown, where: string): (v: number) => boolean {
  if (!Array.isArray(spec) || spec.length === 0 || spec.length % 2 !== 0 || spec.length > 4)
    throw new InvalidEventPatternError(`${where}: numeric takes [op, number] or [op, number, op, number].`);
  const checks: ((v: number) => boolean)[] = [];
  for (let i = 0; i < spec.length; i += 2) {
    const op = spec[i];
    const n = spec[i + 1];
    if (typeof op !== 'string' || !NUMERIC_OPS.includes(op) || typeof n !== 'number' || !Number.isFinite(n))
      throw new InvalidEventPatternError(
        `${where}: numeric ${JSON.stringify(spec)} is not [op, number…] with op in ${NUMERIC_OPS.join(' ')}.`,
      );
    checks.push(
      op === '<'
        ? (v) => v < n
        : op === '<='
          ? (v) => v <= n
          : op === '='
            ? (v) => v === n
            : op === '>'
              ? (v) => v > n
              : (v) => v >= n,
    );
  }
  if (spec.length === 4 && (spec[0] === '=' || spec[2] === '='))
    throw new InvalidEventPatternError(`${where}: numeric "=" cannot be combined with another bound.`);
  return (v) => checks.every((c) => c(v));
}

function equalLeaf(a: Leaf, b: Leaf): boolean {
  return typeof a === 'number' && typeof b === 'number' ? a === b : a === b && typeof a === typeof b;
}

/** One matcher of a leaf array, as a predicate over the field's values (none when the field is absent). */
function compileMatcher(matcher: unknown, where: string): (values: Leaf[]) => boolean {
  if (!isObject(matcher)) {
    if (Array.isArray(matcher)) throw new InvalidEventPatternError(`${where}: a matcher cannot be a list.`);
    const expected = matcher as Leaf;
    return (values) => values.some((v) => equalLeaf(v, expected));
  }
  const keys = Object.keys(matcher);
  if (keys.length !== 1 || !OPERATORS.includes(keys[0] as string))
    throw new InvalidEventPatternError(
      `${where}: ${JSON.stringify(matcher)} is not one of ${OPERATORS.join(', ')}.`,
    );
  const op = keys[0] as string;
  const spec = matcher[op];
  switch (op) {
    case 'exists':
      if (typeof spec !== 'boolean')
        throw new InvalidEventPatternError(`${where}: exists takes true or false.`);
      return (values) => values.length > 0 === spec;
    case 'numeric': {
      const test = numericMatcher(spec, where);
      return (values) => values.some((v) => typeof v === 'number' && test(v));
    }
    case 'cidr': {
      if (typeof spec !== 'string' || !parseCidr(spec) || !spec.includes('/'))
        throw new InvalidEventPatternError(`${where}: cidr takes a CIDR, got ${JSON.stringify(spec)}.`);
      return (values) =>
        values.some((v) => {
          const ip = typeof v === 'string' ? parseIpAddress(v) : undefined;
          return ip !== undefined && cidrContains(spec, ip);
        });
    }
    case 'anything-but': {
      let excluded: (v: Leaf) => boolean;
      if (isObject(spec)) {
        const inner = Object.keys(spec);
        if (
          inner.length !== 1 ||
          !['prefix', 'suffix', 'equals-ignore-case', 'wildcard'].includes(inner[0] as string)
        )
          throw new InvalidEventPatternError(
            `${where}: anything-but takes a value, a list, or prefix/suffix/equals-ignore-case/wildcard.`,
          );
        const test = stringMatcher(inner[0] as string, spec[inner[0] as string], where);
        excluded = (v) => typeof v === 'string' && test(v);
        // EventBridge: anything-but with a string operator matches only strings.
        return (values) => values.some((v) => typeof v === 'string' && !excluded(v));
      }
      const list = Array.isArray(spec) ? spec : [spec];
      if (list.some((x) => isObject(x) || Array.isArray(x)))
        throw new InvalidEventPatternError(`${where}: anything-but lists only strings or numbers.`);
      excluded = (v) => list.some((x) => equalLeaf(v, x as Leaf));
      return (values) => values.some((v) => !excluded(v));
    }
    default: {
      const test = stringMatcher(op, spec, where);
      return (values) => values.some((v) => typeof v === 'string' && test(v));
    }
  }
}

type Compiled = (event: unknown) => boolean;

function compile(pattern: unknown, path: string[], label?: string): Compiled {
  const where = label ?? (path.length ? path.join('.') : 'pattern');
  if (!isObject(pattern)) throw new InvalidEventPatternError(`${where}: must be an object.`);
  const checks: Compiled[] = [];
  for (const [key, value] of Object.entries(pattern)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2)
        throw new InvalidEventPatternError(`${where}.$or: must list at least two alternatives.`);
      // The alternatives are at the same place in the event: `$or` is not a field.
      const alternatives = value.map((alt, i) => compile(alt, path, `${where}.$or[${i}]`));
      checks.push((event) => alternatives.some((alt) => alt(event)));
      continue;
    }
    const fieldPath = [...path, key];
    if (Array.isArray(value)) {
      if (value.length === 0)
        throw new InvalidEventPatternError(`${fieldPath.join('.')}: an empty list matches nothing.`);
      const matchers = value.map((m, i) => compileMatcher(m, `${fieldPath.join('.')}[${i}]`));
      checks.push((event) => {
        const values = valuesAt(event, fieldPath);
        return matchers.some((m) => m(values));
      });
    } else if (isObject(value)) {
      const sub = compile(value, fieldPath);
      checks.push(sub);
    } else {
      throw new InvalidEventPatternError(`${fieldPath.join('.')}: must be a list of matchers or an object.`);
    }
  }
  return (event) => checks.every((c) => c(event));
}

/**
 * Compiles an event pattern once (validating it) into a predicate over events.
 * @throws InvalidEventPatternError naming the path of what EventBridge would reject.
 * @example
 * const matches = eventPattern({ source: ['aws.guardduty'], detail: { severity: [{ numeric: ['>=', 7] }] } });
 * matches(event); // true for a GuardDuty finding of severity 7 or more
 */
export function eventPattern(pattern: Json): (event: unknown) => boolean {
  const compiled = compile(pattern, []);
  return (event) => compiled(event);
}

/** True when `event` matches `pattern` (see {@link eventPattern}). */
export function matchesEventPattern(pattern: Json, event: unknown): boolean {
  return eventPattern(pattern)(event);
}
