/**
 * Mutations of real AWS data: every place in a JSON value (inside JSON-encoded strings too, the way Config nests
 * `configuration`, `AccessControlList` or `policyText`) and what can be done to it.
 */

/** A step into a value: an object key, an array index, or into the JSON text a string holds. */
export type Step = string | number | { json: true };
export type Path = readonly Step[];

/**
 * - `corrupt`: data removed or replaced by something of another type (or JSON text that does not parse): the
 *   model must refuse it, or read a verdict that the corruption provably does not touch; never turn
 *   NON_COMPLIANT into COMPLIANT.
 * - `encode`: a spelling AWS Config legitimately uses (objects and arrays as JSON text, numbers as text or `22.0`,
 *   booleans as text): the verdict must be exactly the one of the original.
 * - `value`: a string replaced by another string (garbage, empty, a lone surrogate, very long): a different value,
 *   maybe valid; only the output's form and the error's type are checked.
 */
export type MutationClass = 'corrupt' | 'encode' | 'value';

export type MutationKind =
  | 'delete'
  | 'null'
  | 'retype'
  | 'emptyObject'
  | 'badJson'
  | 'jsonText'
  | 'numberText'
  | 'integerFraction'
  | 'booleanText'
  | 'stringValue';

export interface Mutation {
  path: Path;
  kind: MutationKind;
  /** Picks among the replacement values of the kind. */
  pick: number;
  /** Set when the class is not the kind's own: a null given a value is a value change, not a corruption. */
  klass?: MutationClass;
}

/** The class of a mutation (see {@link MutationClass}). */
export const classOf = (m: Mutation): MutationClass => m.klass ?? CLASS_OF[m.kind];

export const CLASS_OF: Record<MutationKind, MutationClass> = {
  delete: 'corrupt',
  null: 'corrupt',
  retype: 'corrupt',
  emptyObject: 'corrupt',
  badJson: 'corrupt',
  jsonText: 'encode',
  numberText: 'encode',
  integerFraction: 'encode',
  booleanText: 'encode',
  stringValue: 'value',
};

const LONE_SURROGATE = 'sg-\uD800x';
const STRING_VALUES = [
  'garbage',
  '',
  LONE_SURROGATE,
  'A'.repeat(300),
  `\uDFFF${'é'.repeat(900)}`,
  '0.0.0.0/0',
];
const RETYPES: unknown[] = [
  42,
  -1,
  3.5,
  1e300,
  true,
  false,
  'garbage',
  '',
  {},
  [],
  [1, 'x'],
  { a: 1 },
  LONE_SURROGATE,
];

type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';
const typeOf = (v: unknown): JsonType =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as 'boolean' | 'number' | 'string' | 'object');

/** JSON text that encodes an object or an array. */
function jsonContainer(text: string): unknown {
  const t = text.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return undefined;
  try {
    const v = JSON.parse(t);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Every path in a value, with the value there. Strings that hold JSON objects or arrays are entered. */
export function paths(value: unknown, prefix: Path = []): { path: Path; value: unknown; inArray: boolean }[] {
  const out: { path: Path; value: unknown; inArray: boolean }[] = [];
  const walk = (v: unknown, at: Path, inArray: boolean) => {
    out.push({ path: at, value: v, inArray });
    if (typeof v === 'string') {
      const inner = jsonContainer(v);
      // The string itself and the container inside it (which the walk then enters).
      if (inner !== undefined) walk(inner, [...at, { json: true }], false);
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) walk(v[i], [...at, i], true);
    } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, k], false);
  };
  walk(value, prefix, false);
  return out.filter((p) => p.path.length > 0);
}

/** The kinds that apply to a value of this type at this place. */
export function kindsFor(value: unknown, inArray: boolean): MutationKind[] {
  const t = typeOf(value);
  const kinds: MutationKind[] = ['null', 'retype'];
  if (!inArray) kinds.push('delete');
  if (t === 'object' || t === 'array') kinds.push('jsonText', 'badJson');
  if (t === 'object') kinds.push('emptyObject');
  if (t === 'number') kinds.push('numberText');
  if (t === 'number' && Number.isInteger(value)) kinds.push('integerFraction');
  if (t === 'boolean') kinds.push('booleanText');
  if (t === 'string') kinds.push('stringValue');
  return kinds;
}

/** The replacement a mutation puts in place of `value`; `undefined` for a deletion. */
function replacement(value: unknown, kind: MutationKind, pick: number): unknown {
  switch (kind) {
    case 'null':
      return null;
    case 'retype': {
      const t = typeOf(value);
      // Another JSON type, and never a spelling of the same value (a number's text is an encoding, not a change).
      const candidates = RETYPES.filter((r) => {
        const rt = typeOf(r);
        if (rt === t) return false;
        // Null and an empty list both say "nothing"; one for the other is no corruption.
        if (t === 'null' && Array.isArray(r) && r.length === 0) return false;
        if (t === 'number' && rt === 'string') return Number.isNaN(Number(r)) || r === '';
        if (t === 'boolean' && rt === 'string') return !/^(true|false)$/i.test(String(r));
        if ((t === 'object' || t === 'array') && rt === 'string') return true;
        return true;
      });
      return candidates[pick % candidates.length];
    }
    case 'emptyObject':
      return {};
    case 'badJson': {
      const text = JSON.stringify(value);
      return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
    }
    case 'jsonText':
      return JSON.stringify(value);
    case 'numberText':
      return String(value);
    case 'integerFraction':
      return `${value}.0`;
    case 'booleanText':
      return pick % 2 === 0 ? String(value) : String(value).toUpperCase();
    case 'stringValue':
      return STRING_VALUES[pick % STRING_VALUES.length];
    default:
      return undefined;
  }
}

/** Thrown inside `apply` when an earlier mutation removed the place a later one points at. */
const GONE = Symbol('gone');

/**
 * A deep copy of `root` with the mutation applied (JSON text along the path re-encoded as it was); `root` itself
 * when the path no longer leads anywhere (an earlier mutation of the same case changed what was there).
 */
export function apply(root: unknown, m: Mutation): unknown {
  const set = (v: unknown, path: Path): unknown => {
    if (path.length === 0) {
      if (v === undefined) throw GONE;
      return replacement(v, m.kind, m.pick);
    }
    const [step, ...rest] = path;
    if (typeof step === 'object') {
      const inner = typeof v === 'string' ? jsonContainer(v) : undefined;
      if (inner === undefined) throw GONE;
      return JSON.stringify(set(inner, rest));
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v) !== (typeof step === 'number')) throw GONE;
    if (Array.isArray(v)) {
      const copy = [...v];
      copy[step as number] = set(v[step as number], rest);
      return copy;
    }
    const obj = { ...(v as Record<string, unknown>) };
    if (rest.length === 0 && m.kind === 'delete') delete obj[step as string];
    else obj[step as string] = set(obj[step as string], rest);
    return obj;
  };
  try {
    return set(root, m.path);
  } catch (error) {
    if (error === GONE) return root;
    throw error;
  }
}

/** `configuration~.ipPermissions[0].fromPort`: a path as text (`~` where JSON text is entered). */
export function pathText(path: Path): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'object') out += '~';
    else if (typeof step === 'number') out += `[${step}]`;
    else out += out === '' ? step : `.${step}`;
  }
  return out;
}
