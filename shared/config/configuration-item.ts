import { MalformedEventError } from '../errors';

/** Statuses for which the resource no longer is (or never was) recorded: evaluated NOT_APPLICABLE. */
export const GONE_STATUSES = new Set([
  'ResourceDeleted',
  'ResourceDeletedNotRecorded',
  'ResourceNotRecorded',
]);

/** The statuses of a resource that was deleted (as opposed to one Config stopped recording). */
export const DELETED_STATUSES = new Set(['ResourceDeleted', 'ResourceDeletedNotRecorded']);

/**
 * A configuration item in one normalised form. Config hands out three spellings of the same thing:
 * the invoking event's (`awsAccountId`, `ARN`, `configuration` as an object), the
 * `GetResourceConfigHistory`/`BatchGetResourceConfig` API's (`accountId`, `arn`, `configuration` as a
 * JSON string, supplementary values as JSON strings) and `SelectResourceConfig` rows.
 */
export interface ConfigurationItem {
  resourceType: string;
  resourceId: string;
  resourceName?: string;
  accountId: string;
  awsRegion: string;
  arn?: string;
  configurationItemStatus: string;
  captureTime: Date;
  /** `configurationItemVersion` (invoking events) or `version` (the API), e.g. `1.3`; absent in some exports. */
  version?: string;
  configuration: Record<string, unknown>;
  /** `undefined` when the item has none, or one that is not a JSON object: a model that needs it must refuse. */
  supplementaryConfiguration?: Record<string, unknown>;
  tags: Record<string, string>;
}

/** PutEvaluations' limits on a resource's identity (ComplianceResourceType, ComplianceResourceId). */
export const MAX_RESOURCE_TYPE_LENGTH = 256;
export const MAX_RESOURCE_ID_LENGTH = 768;

/**
 * Whether text is valid UTF-16 (no half of a surrogate pair on its own): what AWS APIs accept as a string.
 * @example
 * isWellFormedText('sg-\uD800') // → false
 */
export function isWellFormedText(text: string): boolean {
  // The engine's own check: constant time for the one-byte strings that ids and annotations almost always are.
  return text.isWellFormed();
}

/**
 * Why a resource type or id cannot be reported to PutEvaluations (empty, too long, not valid UTF-16), or
 * `undefined` when it can.
 * @example
 * unreportable('AWS::S3::Bucket', MAX_RESOURCE_TYPE_LENGTH) // → undefined
 */
export function unreportable(value: string, max: number): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > max)
    return `is ${value.length} characters long, more than the ${max} AWS Config accepts`;
  if (!isWellFormedText(value)) return 'is not valid UTF-16 text (a lone surrogate)';
  return undefined;
}

/**
 * Parses a value that may be JSON encoded once, twice, or not at all.
 * @example
 * parseMaybeJson(ci.supplementaryConfiguration.AccessControlList); // → { grantList: […], owner: {…} }
 */
export function parseMaybeJson(value: unknown, depth = 3): unknown {
  let v = value;
  for (let i = 0; i < depth && typeof v === 'string'; i++) {
    const s = v.trim();
    if (!(s.startsWith('{') || s.startsWith('[') || s.startsWith('"'))) break;
    try {
      v = JSON.parse(s);
    } catch {
      break;
    }
  }
  return v;
}

const digit = (s: string, i: number) => s.charCodeAt(i) - 48;
const twoDigits = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1);
/** The form Config writes capture times in: `0` stands for a digit, anything else for itself. */
const ISO_FORM = '0000-00-00T00:00:00.000Z';

/**
 * The instant of a time in {@link ISO_FORM} (`2026-06-01T12:34:56.789Z`), or NaN for any other text (which
 * `new Date` then reads). `new Date` takes about 3,000 instructions to parse ISO text, this a tenth of that, and an
 * item is read on every evaluation. Values `Date.UTC` would roll over or read otherwise (day 29-31, hour 24, years
 * before 100) are left to `new Date`, so the two always agree.
 * @example
 * isoFormTime('2026-06-01T12:34:56.789Z') // → Date.UTC(2026, 5, 1, 12, 34, 56, 789)
 */
export function isoFormTime(s: string): number {
  if (s.length !== ISO_FORM.length) return Number.NaN;
  for (let i = 0; i < ISO_FORM.length; i++) {
    const want = ISO_FORM.charCodeAt(i);
    const c = s.charCodeAt(i);
    if (want === 48 ? c < 48 || c > 57 : c !== want) return Number.NaN;
  }
  const year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const hour = twoDigits(s, 11);
  const minute = twoDigits(s, 14);
  const second = twoDigits(s, 17);
  if (year < 100 || month < 1 || month > 12 || day < 1 || day > 28 || hour > 23 || minute > 59 || second > 59)
    return Number.NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, twoDigits(s, 20) * 10 + digit(s, 22));
}

function toDate(value: unknown, field: string): Date {
  if (typeof value === 'string') {
    const time = isoFormTime(value);
    if (!Number.isNaN(time)) return new Date(time);
  }
  // Config writes ISO strings; some history exports write epoch seconds as a float (1502510556.116).
  const d =
    typeof value === 'number'
      ? new Date(value < 1e11 ? value * 1000 : value)
      : value instanceof Date
        ? value
        : typeof value === 'string'
          ? new Date(/^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : value)
          : new Date(Number.NaN);
  if (Number.isNaN(d.getTime()))
    throw new MalformedEventError(`${field} is not a date: ${JSON.stringify(value)}.`);
  return d;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An AWS account id: twelve digits. */
function isAccountId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== 12) return false;
  for (let i = 0; i < 12; i++) {
    const c = value.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function normaliseTags(raw: unknown): Record<string, string> {
  if (Array.isArray(raw)) {
    const out: Record<string, string> = {};
    for (const t of raw)
      if (isRecord(t)) {
        const key = t.key ?? t.Key;
        if (typeof key === 'string') out[key] = String(t.value ?? t.Value ?? '');
      }
    return out;
  }
  if (isRecord(raw)) {
    // Config writes an object of strings: read as it is (tags are only ever looked up), copied only to make text.
    for (const key in raw)
      if (typeof raw[key] !== 'string')
        return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, String(v)]));
    return raw as Record<string, string>;
  }
  return {};
}

/**
 * Normalises a configuration item in any of Config's spellings (an object, or a SelectResourceConfig row as its
 * JSON string; such a query must select the identity columns: resourceType, resourceId, accountId,
 * configurationItemStatus, configurationItemCaptureTime).
 * @throws MalformedEventError when a field every item has is missing.
 * @example
 * const ci = normaliseConfigurationItem(JSON.parse(event.invokingEvent).configurationItem);
 * ci.captureTime; // a Date, whether Config wrote ISO text, epoch seconds or a Date
 */
export function normaliseConfigurationItem(item: unknown): ConfigurationItem {
  // SelectResourceConfig returns each row as a JSON string.
  const raw = parseMaybeJson(item);
  if (!isRecord(raw)) throw new MalformedEventError('configurationItem is not an object.');
  const configuration = parseMaybeJson(raw.configuration);
  const supplementary = parseMaybeJson(raw.supplementaryConfiguration);
  const resourceType = raw.resourceType;
  if (typeof resourceType !== 'string' || !resourceType)
    throw new MalformedEventError('configurationItem.resourceType is missing.');
  const resourceId = raw.resourceId ?? raw.resourceName;
  const accountId = raw.awsAccountId ?? raw.accountId;
  const status = raw.configurationItemStatus;
  const version = raw.configurationItemVersion ?? raw.version;
  if (typeof status !== 'string' || !status)
    throw new MalformedEventError('configurationItem.configurationItemStatus is missing.');
  const gone = GONE_STATUSES.has(status);
  if (typeof resourceId !== 'string' || !resourceId)
    throw new MalformedEventError('configurationItem.resourceId is missing.');
  // An identity Config would refuse in PutEvaluations cannot be reported, whatever the verdict.
  const badType = unreportable(resourceType, MAX_RESOURCE_TYPE_LENGTH);
  if (badType) throw new MalformedEventError(`configurationItem.resourceType ${badType}.`);
  const badId = unreportable(resourceId, MAX_RESOURCE_ID_LENGTH);
  if (badId) throw new MalformedEventError(`configurationItem.resourceId ${badId}.`);
  if (!isAccountId(accountId))
    throw new MalformedEventError('configurationItem.awsAccountId is missing or not a 12-digit account id.');
  if (!gone && !isRecord(configuration))
    throw new MalformedEventError(
      `configurationItem.configuration of ${resourceType} ${resourceId} is missing.`,
    );
  const arn = raw.ARN ?? raw.arn;
  const ci: ConfigurationItem = {
    resourceType,
    resourceId,
    resourceName: typeof raw.resourceName === 'string' ? raw.resourceName : undefined,
    accountId,
    awsRegion: typeof raw.awsRegion === 'string' ? raw.awsRegion : '',
    arn: typeof arn === 'string' ? arn : undefined,
    configurationItemStatus: status,
    captureTime: toDate(raw.configurationItemCaptureTime, 'configurationItem.configurationItemCaptureTime'),
    configuration: isRecord(configuration) ? configuration : {},
    tags: normaliseTags(raw.tags ?? (isRecord(configuration) ? configuration.tags : undefined)),
  };
  // Set only when there (no temporary objects to spread: an item is normalised on every evaluation).
  if (typeof version === 'string') ci.version = version;
  if (isRecord(supplementary)) ci.supplementaryConfiguration = supplementary;
  return ci;
}
