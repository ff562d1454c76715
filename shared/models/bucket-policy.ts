import { type Cidr, describeCover, parseCidr, worldCover } from './cidr';
import { array, record, refuse, stringList, type Where } from './decode';

/** One statement of a bucket policy, as S3 stores it (every field loosely typed: policies are user input). */
export interface PolicyStatement {
  Sid?: unknown;
  Effect?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

/** A bucket policy with `Statement` always a list (IAM also accepts a single statement object). */
export interface PolicyDocument {
  Version?: string;
  Id?: string;
  Statement: PolicyStatement[];
}

/** A statement that makes the bucket public, and why. */
export interface PublicStatement {
  /** Position in `Statement`, from 0. */
  index: number;
  sid?: string;
  /** How annotations name it: `Sid PublicRead`, or `#2` (1-based) when it has no Sid. */
  label: string;
  /** `*` for an Allow to everyone, `NotPrincipal` for an Allow to everyone but the listed principals. */
  grantee: '*' | 'NotPrincipal';
  /** `Action` (or `NotAction`) values as written. */
  actions: string[];
  notAction: boolean;
  /** Conditions on keys that could restrict the caller but do not (wildcard value, /0 CIDR, negated operator…). */
  ineffective: string[];
  /** One sentence, ending with a period. */
  reason: string;
}

/**
 * Condition keys that, pinned to fixed values, restrict who can use an Allow-to-everyone statement (lower-case:
 * IAM compares condition key names case-insensitively).
 */
export const RESTRICTING_CONDITION_KEYS: ReadonlySet<string> = new Set(
  [
    'aws:SourceIp',
    'aws:SourceVpc',
    'aws:SourceVpce',
    'aws:SourceArn',
    'aws:SourceAccount',
    'aws:SourceOwner',
    'aws:PrincipalOrgID',
    'aws:PrincipalAccount',
    'aws:PrincipalArn',
    'aws:PrincipalOrgPaths',
    'aws:userid',
    's3:DataAccessPointArn',
    's3:DataAccessPointAccount',
  ].map((k) => k.toLowerCase()),
);

/**
 * Operators that limit a key to the listed values. Negated operators (`StringNotEquals`, `NotIpAddress`…) allow
 * everything but the values, `…IfExists` also matches requests without the key (an internet caller has no
 * `aws:SourceVpc`), and `Null` only tests presence: none of them pins a statement.
 */
const PINNING_OPERATORS = new Set([
  'stringequals',
  'stringequalsignorecase',
  'stringlike',
  'arnequals',
  'arnlike',
]);
const SOURCE_IP = 'aws:sourceip';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/** Where a policy's errors point when the caller does not say whose policy it is. */
const A_POLICY: Where = { resourceType: 'AWS::S3::Bucket', resourceId: '(bucket policy)' };

/** IAM's names of the elements the rule reads, by their lower-case spelling: of a statement, and of a document. */
const STATEMENT_ELEMENTS: ReadonlyMap<string, string> = new Map(
  ['Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Condition'].map((n) => [
    n.toLowerCase(),
    n,
  ]),
);
const DOCUMENT_ELEMENTS: ReadonlyMap<string, string> = new Map([['statement', 'Statement']]);

/**
 * A key of `obj` that spells one of `elements` with other capitals (`effect`, `STATEMENT`), if any. The rule reads
 * IAM's exact names; such a key beside them (`{"Effect":"Deny","effect":"Allow"}`) could hide what the policy grants,
 * so a policy that has one is refused, not read.
 */
function otherCapitals(
  obj: Record<string, unknown>,
  elements: ReadonlyMap<string, string>,
): string | undefined {
  for (const key in obj) {
    const name = elements.get(key.toLowerCase());
    if (name !== undefined && name !== key) return key;
  }
  return undefined;
}

/** The second of two keys of `obj` that differ only in their capitals (`AWS` and `aws`), if any. */
function caseTwin(obj: Record<string, unknown>): { key: string; twin: string } | undefined {
  const keys = Object.keys(obj);
  for (let i = 1; i < keys.length; i++)
    for (let j = 0; j < i; j++)
      if ((keys[i] as string).toLowerCase() === (keys[j] as string).toLowerCase())
        return { key: keys[i] as string, twin: keys[j] as string };
  return undefined;
}

function refuseOtherCapitals(
  obj: Record<string, unknown>,
  elements: ReadonlyMap<string, string>,
  where: Where,
  path: string,
): void {
  const odd = otherCapitals(obj, elements);
  if (odd !== undefined)
    refuse(
      where,
      `${path}.${odd}`,
      `is not an IAM policy element (IAM writes ${elements.get(odd.toLowerCase())}); a policy that spells it otherwise is not read`,
    );
}

/** A principal as IAM writes it: `"*"`, or an object of `AWS` / `Service` / … to one id or a list of them. */
function checkPrincipal(value: unknown, where: Where, path: string): unknown {
  // `"*"`, or (in policies S3 stored long ago) one account, as its ARN or id, as plain text.
  if (typeof value === 'string' && !value.trim().startsWith('{')) {
    if (value === '*' || /^arn:[^:]+:iam::/.test(value) || /^\d{12}$/.test(value)) return value;
    refuse(
      where,
      path,
      `is ${JSON.stringify(value.slice(0, 40))}, not "*", an account or an object of principals`,
    );
  }
  const principal = record(value, where, path);
  const keys = Object.keys(principal);
  if (keys.length === 0) refuse(where, path, 'names no principal');
  const twins = caseTwin(principal);
  if (twins)
    refuse(
      where,
      `${path}.${twins.key}`,
      `is written beside ${twins.twin}: which of the two IAM would read is not known`,
    );
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const ids = stringList(principal[key], where, `${path}.${key}`);
    // As written (one id or a list), or what a JSON text held (`"[\"*\"]"` is everyone, not an id of that text).
    const written = principal[key];
    out[key] = typeof written === 'string' && (ids.length !== 1 || ids[0] !== written) ? ids : written;
    // An AWS principal is everyone, an account (id or ARN) or an IAM ARN; text that is none of these was not
    // read whole.
    if (key.toLowerCase() === 'aws')
      ids.forEach((id, i) => {
        if (
          !(
            id === '*' ||
            /^arn:[^:]+:(iam|sts)::/.test(id) ||
            /^\d{12}$/.test(id) ||
            /^[A-Z0-9]{21}$/.test(id)
          )
        )
          refuse(
            where,
            `${path}.${key}${ids.length > 1 || Array.isArray(principal[key]) ? `[${i}]` : ''}`,
            `is ${JSON.stringify(id.slice(0, 40))}, not an AWS principal`,
          );
      });
  }
  return out;
}

const CONDITION_VALUE = new Set(['string', 'number', 'boolean']);

/** `Condition`: operators to keys to a value or a list of values (strings, numbers or booleans). */
function checkCondition(value: unknown, where: Where, path: string): Record<string, Record<string, unknown>> {
  const condition = record(value, where, path);
  const out: Record<string, Record<string, unknown>> = {};
  for (const [operator, entries] of Object.entries(condition)) {
    const keys = record(entries, where, `${path}.${operator}`);
    out[operator] = keys;
    for (const [key, v] of Object.entries(keys)) {
      const values = Array.isArray(v) ? v : [v];
      values.forEach((x, i) => {
        if (!CONDITION_VALUE.has(typeof x))
          refuse(
            where,
            `${path}.${operator}.${key}${Array.isArray(v) ? `[${i}]` : ''}`,
            'is not a string, number or boolean',
          );
      });
    }
  }
  return out;
}

/**
 * One statement, checked for the fields the rule reads: `Effect` Allow or Deny, exactly one of `Principal` and
 * `NotPrincipal` (a bucket policy must name who), exactly one of `Action` and `NotAction`, and a well-formed
 * `Condition`. A statement that fails any of these would be read as something it may not be, so it is refused.
 */
function checkStatement(statement: Record<string, unknown>, where: Where, path: string): PolicyStatement {
  refuseOtherCapitals(statement, STATEMENT_ELEMENTS, where, path);
  const effect = statement.Effect;
  if (typeof effect !== 'string' || !/^(allow|deny)$/i.test(effect))
    refuse(
      where,
      `${path}.Effect`,
      effect === undefined ? 'is missing' : `is ${JSON.stringify(effect)}, not Allow or Deny`,
    );
  const has = (k: string) => statement[k] !== undefined;
  if (has('Principal') === has('NotPrincipal'))
    refuse(
      where,
      `${path}.Principal`,
      has('Principal') ? 'is given with NotPrincipal' : 'is missing (and so is NotPrincipal)',
    );
  const principal = has('Principal')
    ? { Principal: checkPrincipal(statement.Principal, where, `${path}.Principal`) }
    : { NotPrincipal: checkPrincipal(statement.NotPrincipal, where, `${path}.NotPrincipal`) };
  if (has('Action') === has('NotAction'))
    refuse(
      where,
      `${path}.Action`,
      has('Action') ? 'is given with NotAction' : 'is missing (and so is NotAction)',
    );
  stringList(
    has('Action') ? statement.Action : statement.NotAction,
    where,
    `${path}.${has('Action') ? 'Action' : 'NotAction'}`,
  );
  const condition = has('Condition')
    ? { Condition: checkCondition(statement.Condition, where, `${path}.Condition`) }
    : {};
  return { ...statement, ...principal, ...condition } as PolicyStatement;
}

/**
 * Parses a bucket policy from the API's string, a configuration item's `policyText` (possibly encoded twice) or
 * an object, checking every field the rule reads.
 * @throws MalformedResourceError naming the field when it is not a policy document IAM would store (an
 *   unreadable policy must not look private).
 * @example
 * parsePolicyDocument('{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}}').Statement.length // → 1
 */
export function parsePolicyDocument(text: unknown, where: Where = A_POLICY, path = 'policy'): PolicyDocument {
  const doc = record(text, where, path);
  refuseOtherCapitals(doc, DOCUMENT_ELEMENTS, where, path);
  if (doc.Statement === undefined) refuse(where, `${path}.Statement`, 'is missing');
  const raw = isRecord(doc.Statement) ? [doc.Statement] : array(doc.Statement, where, `${path}.Statement`);
  const statements = raw.map((s, i) =>
    checkStatement(record(s, where, `${path}.Statement[${i}]`), where, `${path}.Statement[${i}]`),
  );
  return {
    ...(typeof doc.Version === 'string' ? { Version: doc.Version } : {}),
    ...(typeof doc.Id === 'string' ? { Id: doc.Id } : {}),
    Statement: statements,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The plain reader: a policy as IAM and S3 write it, in one pass
// ---------------------------------------------------------------------------------------------------------------

/** Whether `key` may be copied the way the strict reader copies it (`out[key] = …` would set a prototype). */
const plainKey = (key: string) => key !== '__proto__';

/** `Action`, a principal's ids: one non-empty string (not JSON text of a list) or a non-empty list of them. */
function plainStringList(value: unknown): boolean {
  if (typeof value === 'string') return value !== '' && !/^\s*\[/.test(value);
  if (!Array.isArray(value) || value.length === 0) return false;
  for (const v of value) if (typeof v !== 'string' || v === '') return false;
  return true;
}

const isAwsPrincipalId = (id: string) =>
  id === '*' || /^arn:[^:]+:(iam|sts)::/.test(id) || /^\d{12}$/.test(id) || /^[A-Z0-9]{21}$/.test(id);

/** A principal the strict reader would return as it is: `"*"`, an account as text, or `{AWS|Service|…: ids}`. */
function plainPrincipal(value: unknown): boolean {
  if (typeof value === 'string')
    return value === '*' || /^arn:[^:]+:iam::/.test(value) || /^\d{12}$/.test(value);
  if (!isRecord(value) || caseTwin(value)) return false;
  let keys = 0;
  for (const key in value) {
    const ids = value[key];
    if (!plainKey(key) || !plainStringList(ids)) return false;
    keys++;
    if (key.length !== 3 || key.toLowerCase() !== 'aws') continue;
    if (typeof ids === 'string' ? !isAwsPrincipalId(ids) : !(ids as string[]).every(isAwsPrincipalId))
      return false;
  }
  return keys > 0;
}

/** `Condition`: an object of operators to objects of keys to a string, number or boolean, or a list of them. */
function plainCondition(value: unknown): boolean {
  if (!isRecord(value)) return false;
  for (const operator in value) {
    const entries = value[operator];
    if (!plainKey(operator) || !isRecord(entries)) return false;
    for (const key in entries) {
      const v = entries[key];
      if (Array.isArray(v)) {
        for (const x of v) if (!CONDITION_VALUE.has(typeof x)) return false;
      } else if (!CONDITION_VALUE.has(typeof v)) return false;
    }
  }
  return true;
}

/** A statement the strict reader ({@link checkStatement}) would accept and copy unchanged. */
function plainStatement(s: unknown): s is PolicyStatement {
  if (!isRecord(s) || otherCapitals(s, STATEMENT_ELEMENTS) !== undefined) return false;
  const effect = s.Effect;
  if (
    effect !== 'Allow' &&
    effect !== 'Deny' &&
    !(typeof effect === 'string' && /^(allow|deny)$/i.test(effect))
  )
    return false;
  if ((s.Principal === undefined) === (s.NotPrincipal === undefined)) return false;
  if (!plainPrincipal(s.Principal !== undefined ? s.Principal : s.NotPrincipal)) return false;
  if ((s.Action === undefined) === (s.NotAction === undefined)) return false;
  if (!plainStringList(s.Action !== undefined ? s.Action : s.NotAction)) return false;
  return s.Condition === undefined || plainCondition(s.Condition);
}

/**
 * A policy document already decoded from its JSON text, read in one pass when it is written the way IAM stores it
 * (statements, principals, actions and conditions as objects, lists and strings, never JSON text): its statements
 * are kept as they are, not copied. Anything else gives undefined, and {@link parsePolicyDocument} (which decodes
 * every spelling and names the field it refuses) reads it. Both give the same document: the property test in
 * test/shared/models/bucket.test.ts checks it on the corpus, generated and mutated items.
 * @example
 * readPlainPolicyDocument(JSON.parse(policyText)) ?? parsePolicyDocument(policyText, where, path)
 */
export function readPlainPolicyDocument(doc: unknown): PolicyDocument | undefined {
  if (!isRecord(doc) || otherCapitals(doc, DOCUMENT_ELEMENTS) !== undefined) return undefined;
  const statement = doc.Statement;
  let statements: PolicyStatement[];
  if (Array.isArray(statement)) {
    for (const s of statement) if (!plainStatement(s)) return undefined;
    statements = statement;
  } else if (plainStatement(statement)) statements = [statement];
  else return undefined;
  return {
    ...(typeof doc.Version === 'string' ? { Version: doc.Version } : {}),
    ...(typeof doc.Id === 'string' ? { Id: doc.Id } : {}),
    Statement: statements,
  };
}

/**
 * True for a principal that is everyone: `"*"`, `{"AWS": "*"}`, or a list containing `*`.
 * @example
 * isEveryonePrincipal({ AWS: ['arn:aws:iam::111122223333:root', '*'] }) // → true
 */
export function isEveryonePrincipal(principal: unknown): boolean {
  if (principal === '*') return true;
  if (Array.isArray(principal)) return principal.some(isEveryonePrincipal);
  if (isRecord(principal)) {
    const key = Object.keys(principal).find((k) => k.toLowerCase() === 'aws');
    return key !== undefined && asList(principal[key]).includes('*');
  }
  return false;
}

const PINS = { pins: true } as const;
/** Not pinning, when the caller does not need to know why (no annotation is built). */
const DOES_NOT_PIN = { pins: false, why: '' } as const;

/**
 * Why one condition entry does or does not pin the statement; `undefined` when the key is not a restricting one.
 * With `explain` false the reason is not written (`why` is empty): deciding a verdict builds no text.
 */
function judgeCondition(
  operator: string,
  key: string,
  value: unknown,
  explain = true,
): { pins: true } | { pins: false; why: string } | undefined {
  const lowerKey = key.toLowerCase();
  if (!RESTRICTING_CONDITION_KEYS.has(lowerKey)) return undefined;
  const notPinning = (why: () => string) => (explain ? { pins: false as const, why: why() } : DOES_NOT_PIN);
  // ForAnyValue:/ForAllValues: qualify how a multi-valued key is compared, not which values are allowed: issue #2
  // allows both prefixes (though IAM's ForAllValues: also holds for a request that has no such key).
  const base = operator.replace(/^(ForAnyValue|ForAllValues):/i, '').toLowerCase();
  const values = asList(value);
  const pinningOperator = lowerKey === SOURCE_IP ? base === 'ipaddress' : PINNING_OPERATORS.has(base);
  if (!pinningOperator) return notPinning(() => `${key} is tested with ${operator}`);
  if (values.length === 0) return notPinning(() => `${key} has no value`);
  const texts = values.map((v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : ''));
  if (texts.some((t) => t === '')) return notPinning(() => `${key} has a value that is not a string`);
  if (texts.some((t) => /[*?]/.test(t))) return notPinning(() => `${key} has a wildcard value`);
  if (lowerKey === SOURCE_IP) {
    const sources: { cidr: Cidr }[] = [];
    for (const t of texts) {
      const cidr = parseCidr(t, { bareAddress: true });
      if (!cidr)
        return notPinning(() => `${key} has ${JSON.stringify(t.slice(0, 40))}, not an IP address or CIDR`);
      sources.push({ cidr });
    }
    // A list of ranges whose union is a whole address family admits everyone on it, /0 or not.
    const cover = worldCover(sources)[0];
    if (cover)
      return notPinning(
        () =>
          `${key} includes ${describeCover(
            cover.family,
            cover.blocks.map((b) => b.cidr.text),
          )}`,
      );
  }
  return PINS;
}

/**
 * Whether a statement's `Condition` pins it to fixed values of a restricting key (what
 * {@link conditionRestriction} decides, without saying why not).
 * @example
 * conditionPins({ Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } } }) // → true
 */
export function conditionPins(statement: PolicyStatement): boolean {
  const condition = statement.Condition;
  if (!isRecord(condition)) return false;
  for (const operator of Object.keys(condition)) {
    const entries = condition[operator];
    if (!isRecord(entries)) continue;
    for (const key of Object.keys(entries))
      if (judgeCondition(operator, key, entries[key], false)?.pins) return true;
  }
  return false;
}

/** Who an Allow statement grants to when that is everyone; `undefined` for a Deny or a named principal. */
function everyoneGranted(statement: PolicyStatement): '*' | 'NotPrincipal' | undefined {
  if (typeof statement.Effect !== 'string' || statement.Effect.toLowerCase() !== 'allow') return undefined;
  if (isEveryonePrincipal(statement.Principal)) return '*';
  return statement.NotPrincipal !== undefined ? 'NotPrincipal' : undefined;
}

/**
 * Whether a statement makes the bucket public (see {@link publicStatements}), without describing it.
 * @example
 * isPublicStatement({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject' }) // → true
 */
export function isPublicStatement(statement: PolicyStatement): boolean {
  return everyoneGranted(statement) !== undefined && !conditionPins(statement);
}

/**
 * Whether a statement's `Condition` pins it to fixed values of a restricting key, and, when it does not, the
 * restricting keys it uses in vain plus the other keys (which never restrict the caller).
 * @example
 * conditionRestriction({ Condition: { IpAddress: { 'aws:SourceIp': '54.240.143.0/24' } } }).pinned // → true
 */
export function conditionRestriction(statement: PolicyStatement): {
  pinned: boolean;
  ineffective: string[];
  otherKeys: string[];
} {
  const ineffective: string[] = [];
  const otherKeys: string[] = [];
  const condition = statement.Condition;
  if (!isRecord(condition)) return { pinned: false, ineffective, otherKeys };
  for (const [operator, entries] of Object.entries(condition)) {
    if (!isRecord(entries)) continue;
    for (const [key, value] of Object.entries(entries)) {
      const verdict = judgeCondition(operator, key, value);
      if (verdict === undefined) otherKeys.push(key);
      else if (verdict.pins) return { pinned: true, ineffective: [], otherKeys: [] };
      else ineffective.push(verdict.why);
    }
  }
  return { pinned: false, ineffective, otherKeys: [...new Set(otherKeys)] };
}

function describeActions(actions: string[], notAction: boolean): string {
  if (actions.length === 0) return notAction ? 'all actions' : 'no action';
  const shown = actions.slice(0, 3).join(', ') + (actions.length > 3 ? ', …' : '');
  return notAction ? `all actions except ${shown}` : shown;
}

/**
 * The statements that make a bucket public: `Effect: Allow` to everyone (`"*"`, `{"AWS":"*"}`, a list
 * containing `*`) or with `NotPrincipal`, unless a condition pins the statement to fixed values of a restricting
 * key ({@link RESTRICTING_CONDITION_KEYS}; no `*`/`?` in the values; `aws:SourceIp` only without a /0 CIDR).
 * Deny statements never make a bucket public; conditions on other keys (`aws:Referer`, `aws:SecureTransport`…)
 * do not make an Allow-to-everyone private.
 * @example
 * publicStatements(parsePolicyDocument(policyText)).map((s) => s.reason)
 * // → ['Policy statement Sid PublicRead allows * (s3:GetObject).']
 */
export function publicStatements(policy: PolicyDocument): PublicStatement[] {
  const found: PublicStatement[] = [];
  policy.Statement.forEach((statement, index) => {
    const grantee = everyoneGranted(statement);
    if (!grantee) return;
    const restriction = conditionRestriction(statement);
    if (restriction.pinned) return;
    const sid = typeof statement.Sid === 'string' && statement.Sid !== '' ? statement.Sid : undefined;
    const label = sid !== undefined ? `Sid ${sid}` : `#${index + 1}`;
    const notAction = statement.Action === undefined && statement.NotAction !== undefined;
    const actions = asList(notAction ? statement.NotAction : statement.Action).map(String);
    const who = grantee === '*' ? '*' : 'everyone except its NotPrincipal';
    const caveat = restriction.ineffective[0]
      ? `; ${restriction.ineffective[0]}`
      : restriction.otherKeys.length > 0
        ? `; ${restriction.otherKeys.join(', ')} ${restriction.otherKeys.length > 1 ? 'do' : 'does'} not restrict the caller`
        : '';
    found.push({
      index,
      ...(sid !== undefined ? { sid } : {}),
      label,
      grantee,
      actions,
      notAction,
      ineffective: restriction.ineffective,
      reason: `Policy statement ${label} allows ${who} (${describeActions(actions, notAction)})${caveat}.`,
    });
  });
  return found;
}
