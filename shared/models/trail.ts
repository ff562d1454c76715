import type { GetTrailStatusResponse, Trail } from '@aws-sdk/client-cloudtrail';
import type { TrailSelectors } from '../collectors/reader';
import type { ResourceModel } from '../rule';
import { ACCOUNT_RESOURCE_TYPE } from '../rule';
import {
  array,
  boolean,
  optionalArray,
  optionalBoolean,
  optionalString,
  record,
  refuse,
  string,
  type Where,
} from './decode';

/** Which management events a trail's event selectors log. */
export interface ManagementEventCoverage {
  /** How the selectors were given: none at all (CloudTrail's default applies), basic or advanced. */
  selectors: 'default' | 'basic' | 'advanced';
  /** Read-only management events are logged by a selector that excludes nothing. */
  read: boolean;
  /** Write management events are logged by a selector that excludes nothing. */
  write: boolean;
  /** Read (write) events are logged at all, counting selectors that exclude event sources. */
  someRead: boolean;
  someWrite: boolean;
  /** Event sources excluded by management selectors (`ExcludeManagementEventSources`, `eventSource` NotEquals). */
  excludedSources: string[];
  /** Other filters on management selectors (e.g. `eventSource Equals s3.amazonaws.com`). */
  filters: string[];
}

/** What the rule needs to know about one trail: DescribeTrails + GetTrailStatus + GetEventSelectors. */
export interface TrailFacts {
  name: string;
  arn?: string;
  homeRegion?: string;
  isMultiRegion: boolean;
  isOrganizationTrail: boolean;
  /** `undefined` when the status could not be read (see `unreadable`). */
  isLogging: boolean | undefined;
  logFileValidation: boolean;
  kmsKeyId?: string;
  cloudWatchLogsLogGroupArn?: string;
  s3BucketName?: string;
  /** `undefined` when the event selectors could not be read (see `unreadable`). */
  managementEvents: ManagementEventCoverage | undefined;
  /** Why a fact above is unknown, e.g. `status: AccessDeniedException`. */
  unreadable: string[];
}

/** Every trail visible in the account (its own, shadow and organization trails), as one account resource. */
export interface CloudTrailAccountModel extends ResourceModel {
  trails: TrailFacts[];
}

type Coverage = { read: boolean; write: boolean };
const NONE: Coverage = { read: false, write: false };
const BOTH: Coverage = { read: true, write: true };
const union = (a: Coverage, b: Coverage): Coverage => ({ read: a.read || b.read, write: a.write || b.write });

/** One basic selector, decoded. */
interface BasicSelector {
  includeManagementEvents: boolean;
  readWriteType: 'ReadOnly' | 'WriteOnly' | 'All';
  excludedSources: string[];
}

/** One field selector of an advanced selector, decoded: its field and each operator's values. */
interface FieldSelector {
  field: string;
  ops: Partial<Record<(typeof OPERATORS)[number], string[]>>;
}

const OPERATORS = ['Equals', 'StartsWith', 'EndsWith', 'NotEquals', 'NotStartsWith', 'NotEndsWith'] as const;
const READ_WRITE_TYPES = new Set(['ReadOnly', 'WriteOnly', 'All']);

/**
 * A basic selector as `GetEventSelectors` returns it: CloudTrail spells out `IncludeManagementEvents` and
 * `ReadWriteType` (the defaults apply to what is put, not to what is read back), so either missing means the answer
 * was not read whole. `ExcludeManagementEventSources` came later (2020): answers recorded before, and moto, leave it
 * out when nothing is excluded, so its absence is read as "nothing excluded" — the one field whose removal this
 * reading cannot tell from an older answer (see docs/fail-closed.md); when present it must be a list of strings.
 */
function basicSelector(raw: unknown, where: Where, path: string): BasicSelector {
  const s = record(raw, where, path);
  const includeManagementEvents = boolean(
    s.IncludeManagementEvents,
    where,
    `${path}.IncludeManagementEvents`,
  );
  const readWriteType = string(s.ReadWriteType, where, `${path}.ReadWriteType`);
  if (!READ_WRITE_TYPES.has(readWriteType))
    refuse(
      where,
      `${path}.ReadWriteType`,
      `is ${JSON.stringify(readWriteType.slice(0, 40))}, not ReadOnly, WriteOnly or All`,
    );
  const excludedPath = `${path}.ExcludeManagementEventSources`;
  const excluded = optionalArray(s.ExcludeManagementEventSources, where, excludedPath);
  return {
    includeManagementEvents,
    readWriteType: readWriteType as BasicSelector['readWriteType'],
    excludedSources: (excluded ?? []).map((v, i) => string(v, where, `${excludedPath}[${i}]`)),
  };
}

function advancedSelector(raw: unknown, where: Where, path: string): FieldSelector[] {
  const s = record(raw, where, path);
  return array(s.FieldSelectors, where, `${path}.FieldSelectors`).map((f, i) => {
    const at = `${path}.FieldSelectors[${i}]`;
    const selector = record(f, where, at);
    const ops: FieldSelector['ops'] = {};
    for (const op of OPERATORS) {
      const values = optionalArray(selector[op], where, `${at}.${op}`);
      if (values) ops[op] = values.map((v, j) => string(v, where, `${at}.${op}[${j}]`));
    }
    // A field selector with no operator is not one CloudTrail accepts; read as "no filter" it would widen coverage.
    if (Object.keys(ops).length === 0) refuse(where, at, 'has no operator (Equals, NotEquals, …)');
    return { field: string(selector.Field, where, `${at}.Field`), ops };
  });
}

function basicCoverage(s: BasicSelector): Coverage {
  if (!s.includeManagementEvents) return NONE;
  switch (s.readWriteType) {
    case 'ReadOnly':
      return { read: true, write: false };
    case 'WriteOnly':
      return { read: false, write: true };
    default:
      return BOTH;
  }
}

const lower = (values: string[] | undefined) => (values ?? []).map((v) => v.toLowerCase());

/** The `readOnly` field of an advanced selector: which of read (`true`) and write (`false`) events pass. */
function readOnlyCoverage(f: FieldSelector): Coverage {
  const pass = (value: 'true' | 'false') => {
    if (f.ops.Equals && !lower(f.ops.Equals).includes(value)) return false;
    if (f.ops.NotEquals && lower(f.ops.NotEquals).includes(value)) return false;
    // Prefix/suffix operators are not valid on readOnly; if present, count the field as passing nothing.
    return !(f.ops.StartsWith || f.ops.EndsWith || f.ops.NotStartsWith || f.ops.NotEndsWith);
  };
  return { read: pass('true'), write: pass('false') };
}

const isManagementSelector = (s: FieldSelector[]) =>
  s.some((f) => f.field === 'eventCategory' && lower(f.ops.Equals).includes('management'));

function describeFilter(f: FieldSelector): string {
  const ops = OPERATORS.filter((op) => f.ops[op]?.length).map((op) => `${op} ${f.ops[op]?.join(', ')}`);
  return `${f.field} ${ops.join('; ')}`;
}

/** Where a trail's facts come from, for errors that name the field. */
function trailWhere(name: string): Where {
  return { resourceType: 'AWS::CloudTrail::Trail', resourceId: name };
}

/**
 * Which management events the selectors of `GetEventSelectors` log. A response whose `EventSelectors` and
 * `AdvancedEventSelectors` are both empty lists means no selector was ever configured: CloudTrail then logs all
 * management events, read and write (the live API spells that default out as one basic selector; moto returns two
 * empty lists). A response with neither key, one empty list alone, or a list that is not one, was not read whole
 * and is refused. Coverage is the union over selectors; a selector that excludes event sources, or filters
 * management events on any other field, does not count towards full coverage.
 * @throws MalformedResourceError naming the field that is missing or malformed.
 * @example
 * managementEventCoverage({ EventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }] })
 * // → { selectors: 'basic', read: true, write: false, someRead: true, someWrite: false, excludedSources: [], filters: [] }
 */
export function managementEventCoverage(
  response: TrailSelectors,
  where: Where = trailWhere('(trail)'),
): ManagementEventCoverage {
  const raw = response as Record<string, unknown>;
  const basicRaw = optionalArray(raw.EventSelectors, where, 'EventSelectors');
  const advancedRaw = optionalArray(raw.AdvancedEventSelectors, where, 'AdvancedEventSelectors');
  if (basicRaw === undefined && advancedRaw === undefined)
    refuse(where, 'EventSelectors', 'is missing (and so is AdvancedEventSelectors)');
  const basic = (basicRaw ?? []).map((s, i) => basicSelector(s, where, `EventSelectors[${i}]`));
  const advanced = (advancedRaw ?? []).map((s, i) =>
    advancedSelector(s, where, `AdvancedEventSelectors[${i}]`),
  );
  const out: ManagementEventCoverage = {
    selectors: basic.length > 0 ? 'basic' : advanced.length > 0 ? 'advanced' : 'default',
    read: false,
    write: false,
    someRead: false,
    someWrite: false,
    excludedSources: [],
    filters: [],
  };
  if (out.selectors === 'default') {
    if (basicRaw === undefined || advancedRaw === undefined)
      refuse(
        where,
        basicRaw === undefined ? 'EventSelectors' : 'AdvancedEventSelectors',
        'is missing beside an empty list',
      );
    return { ...out, read: true, write: true, someRead: true, someWrite: true };
  }
  let full = NONE;
  let some = NONE;
  for (const s of basic) {
    const c = basicCoverage(s);
    const excluded = c.read || c.write ? s.excludedSources : [];
    out.excludedSources.push(...excluded);
    some = union(some, c);
    if (excluded.length === 0) full = union(full, c);
  }
  for (const s of advanced.filter(isManagementSelector)) {
    let c = BOTH;
    let restricted = false;
    for (const f of s) {
      if (f.field === 'eventCategory') continue;
      if (f.field === 'readOnly') {
        const r = readOnlyCoverage(f);
        c = { read: c.read && r.read, write: c.write && r.write };
        continue;
      }
      restricted = true;
      if (f.field === 'eventSource' && (f.ops.NotEquals?.length || f.ops.NotStartsWith?.length))
        out.excludedSources.push(
          ...(f.ops.NotEquals ?? []),
          ...(f.ops.NotStartsWith ?? []).map((p) => `${p}*`),
        );
      else out.filters.push(describeFilter(f));
    }
    some = union(some, c);
    if (!restricted) full = union(full, c);
  }
  out.excludedSources = [...new Set(out.excludedSources)];
  return { ...out, read: full.read, write: full.write, someRead: some.read, someWrite: some.write };
}

/**
 * Facts of one trail. `status` / `selectors` are `undefined` when they could not be read; `unreadable` says why.
 * What was read must be whole: `IsLogging` must be a boolean (CloudTrail always returns it); `IsMultiRegionTrail` and
 * `LogFileValidationEnabled`, when there, too (absent, they are off).
 * @throws MalformedResourceError naming the field that is missing or malformed.
 * @example
 * trailFacts(trail, { IsLogging: true }, { EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] }).isLogging // → true
 */
export function trailFacts(
  trail: Trail,
  status: GetTrailStatusResponse | undefined,
  selectors: TrailSelectors | undefined,
  unreadable: string[] = [],
): TrailFacts {
  const t = trail as Record<string, unknown>;
  const name = string(t.Name, trailWhere('(unnamed)'), 'Name');
  const where = trailWhere(name);
  const text = (key: string) => optionalString(t[key], where, key);
  return {
    name,
    arn: text('TrailARN'),
    homeRegion: text('HomeRegion'),
    // Absent, these two read as off: the reading that can only make the account less compliant.
    isMultiRegion: optionalBoolean(t.IsMultiRegionTrail, where, 'IsMultiRegionTrail') ?? false,
    // Organization trails came later; answers from before leave the flag out.
    isOrganizationTrail: optionalBoolean(t.IsOrganizationTrail, where, 'IsOrganizationTrail') ?? false,
    isLogging: status
      ? boolean((status as Record<string, unknown>).IsLogging, where, 'GetTrailStatus.IsLogging')
      : undefined,
    logFileValidation:
      optionalBoolean(t.LogFileValidationEnabled, where, 'LogFileValidationEnabled') ?? false,
    kmsKeyId: text('KmsKeyId'),
    cloudWatchLogsLogGroupArn: text('CloudWatchLogsLogGroupArn'),
    s3BucketName: text('S3BucketName'),
    managementEvents: selectors ? managementEventCoverage(selectors, where) : undefined,
    unreadable,
  };
}

/**
 * One entry per trail ARN (or name, without an ARN), in the API's order: with shadow trails included, a trail must
 * still count once, however often the listing names it.
 * @example
 * uniqueTrails([{ TrailARN: 'a' }, { TrailARN: 'a' }]).length // → 1
 * @throws MalformedResourceError when the listing is not a list of trails.
 */
export function uniqueTrails(trails: readonly Trail[]): Trail[] {
  const seen = new Set<string>();
  const where = trailWhere('(DescribeTrails)');
  return (array(trails, where, 'trailList') as Trail[]).filter((t, i) => {
    record(t, where, `trailList[${i}]`);
    const trail = t as Trail;
    const key = trail.TrailARN ?? `name:${trail.Name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The account resource holding every trail.
 * @example
 * cloudTrailAccountModel('123456789012', 'us-east-1', []).resourceType // → 'AWS::::Account'
 */
export function cloudTrailAccountModel(
  accountId: string,
  region: string | undefined,
  trails: TrailFacts[],
): CloudTrailAccountModel {
  return { resourceType: ACCOUNT_RESOURCE_TYPE, resourceId: accountId, accountId, region, trails };
}
