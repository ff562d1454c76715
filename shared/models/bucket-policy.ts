import { parseMaybeJson } from '../config/configuration-item';
import { InsufficientDataError } from '../errors';
import { isWorldCidr } from './cidr';

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

/**
 * Parses a bucket policy from the API's string, a configuration item's `policyText` (possibly encoded twice) or
 * an object.
 * @throws InsufficientDataError when it is not a JSON policy document (an unreadable policy must not look private).
 * @example
 * parsePolicyDocument('{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}}').Statement.length // → 1
 */
export function parsePolicyDocument(text: unknown, where = 'bucket policy'): PolicyDocument {
  const doc = parseMaybeJson(text);
  if (!isRecord(doc) || !('Statement' in doc))
    throw new InsufficientDataError(`The ${where} is not a JSON policy document with a Statement.`);
  const statements = asList(doc.Statement);
  if (!statements.every(isRecord))
    throw new InsufficientDataError(`The ${where} has a Statement that is not an object.`);
  return {
    ...(typeof doc.Version === 'string' ? { Version: doc.Version } : {}),
    ...(typeof doc.Id === 'string' ? { Id: doc.Id } : {}),
    Statement: statements as PolicyStatement[],
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

/** Why one condition entry does or does not pin the statement; `undefined` when the key is not a restricting one. */
function judgeCondition(
  operator: string,
  key: string,
  value: unknown,
): { pins: true } | { pins: false; why: string } | undefined {
  const lowerKey = key.toLowerCase();
  if (!RESTRICTING_CONDITION_KEYS.has(lowerKey)) return undefined;
  // ForAnyValue:/ForAllValues: qualify how a multi-valued key is compared, not which values are allowed.
  const base = operator.replace(/^(ForAnyValue|ForAllValues):/i, '').toLowerCase();
  const values = asList(value);
  const pinningOperator = lowerKey === SOURCE_IP ? base === 'ipaddress' : PINNING_OPERATORS.has(base);
  if (!pinningOperator) return { pins: false, why: `${key} is tested with ${operator}` };
  if (values.length === 0) return { pins: false, why: `${key} has no value` };
  const texts = values.map((v) => (typeof v === 'string' || typeof v === 'number' ? String(v) : ''));
  if (texts.some((t) => t === '')) return { pins: false, why: `${key} has a value that is not a string` };
  if (texts.some((t) => /[*?]/.test(t))) return { pins: false, why: `${key} has a wildcard value` };
  const world = lowerKey === SOURCE_IP ? texts.find(isWorldCidr) : undefined;
  if (world) return { pins: false, why: `${key} includes ${world}` };
  return { pins: true };
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
    if (typeof statement.Effect !== 'string' || statement.Effect.toLowerCase() !== 'allow') return;
    const grantee = isEveryonePrincipal(statement.Principal)
      ? '*'
      : statement.NotPrincipal !== undefined
        ? 'NotPrincipal'
        : undefined;
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
