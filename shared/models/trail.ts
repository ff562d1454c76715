import type {
  AdvancedEventSelector,
  AdvancedFieldSelector,
  EventSelector,
  GetTrailStatusResponse,
  Trail,
} from '@aws-sdk/client-cloudtrail';
import type { TrailSelectors } from '../collectors/reader';
import type { ResourceModel } from '../rule';
import { ACCOUNT_RESOURCE_TYPE } from '../rule';

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

function basicCoverage(s: EventSelector): Coverage {
  // The API's defaults: IncludeManagementEvents true, ReadWriteType All.
  if (s.IncludeManagementEvents === false) return NONE;
  switch (s.ReadWriteType ?? 'All') {
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
function readOnlyCoverage(f: AdvancedFieldSelector): Coverage {
  const pass = (value: 'true' | 'false') => {
    if (f.Equals && !lower(f.Equals).includes(value)) return false;
    if (f.NotEquals && lower(f.NotEquals).includes(value)) return false;
    // Prefix/suffix operators are not valid on readOnly; if present, count the field as passing nothing.
    return !(f.StartsWith || f.EndsWith || f.NotStartsWith || f.NotEndsWith);
  };
  return { read: pass('true'), write: pass('false') };
}

const isManagementSelector = (s: AdvancedEventSelector) =>
  (s.FieldSelectors ?? []).some((f) => f.Field === 'eventCategory' && lower(f.Equals).includes('management'));

function describeFilter(f: AdvancedFieldSelector): string {
  const ops = (['Equals', 'StartsWith', 'EndsWith', 'NotEquals', 'NotStartsWith', 'NotEndsWith'] as const)
    .filter((op) => f[op]?.length)
    .map((op) => `${op} ${f[op]?.join(', ')}`);
  return `${f.Field} ${ops.join('; ')}`;
}

/**
 * Which management events the selectors of `GetEventSelectors` log. A response with neither `EventSelectors`
 * nor `AdvancedEventSelectors` (absent or empty) means no selector was ever configured: CloudTrail then logs all
 * management events, read and write (the live API spells that default out as one basic selector; moto returns
 * two empty lists). Coverage is the union over selectors; a selector that excludes event sources, or filters
 * management events on any other field, does not count towards full coverage.
 * @example
 * managementEventCoverage({ EventSelectors: [{ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true }] })
 * // → { selectors: 'basic', read: true, write: false, someRead: true, someWrite: false, excludedSources: [], filters: [] }
 */
export function managementEventCoverage(response: TrailSelectors): ManagementEventCoverage {
  const basic = response.EventSelectors ?? [];
  const advanced = response.AdvancedEventSelectors ?? [];
  const out: ManagementEventCoverage = {
    selectors: basic.length > 0 ? 'basic' : advanced.length > 0 ? 'advanced' : 'default',
    read: false,
    write: false,
    someRead: false,
    someWrite: false,
    excludedSources: [],
    filters: [],
  };
  if (out.selectors === 'default')
    return { ...out, read: true, write: true, someRead: true, someWrite: true };
  let full = NONE;
  let some = NONE;
  for (const s of basic) {
    const c = basicCoverage(s);
    const excluded = c.read || c.write ? (s.ExcludeManagementEventSources ?? []) : [];
    out.excludedSources.push(...excluded);
    some = union(some, c);
    if (excluded.length === 0) full = union(full, c);
  }
  for (const s of advanced.filter(isManagementSelector)) {
    let c = BOTH;
    let restricted = false;
    for (const f of s.FieldSelectors ?? []) {
      if (f.Field === 'eventCategory') continue;
      if (f.Field === 'readOnly') {
        const r = readOnlyCoverage(f);
        c = { read: c.read && r.read, write: c.write && r.write };
        continue;
      }
      restricted = true;
      if (f.Field === 'eventSource' && (f.NotEquals?.length || f.NotStartsWith?.length))
        out.excludedSources.push(...(f.NotEquals ?? []), ...(f.NotStartsWith ?? []).map((p) => `${p}*`));
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
 * @example
 * trailFacts(trail, { IsLogging: true }, { EventSelectors: [{ ReadWriteType: 'All' }] }).isLogging // → true
 */
export function trailFacts(
  trail: Trail,
  status: GetTrailStatusResponse | undefined,
  selectors: TrailSelectors | undefined,
  unreadable: string[] = [],
): TrailFacts {
  return {
    name: trail.Name ?? trail.TrailARN ?? '(unnamed)',
    arn: trail.TrailARN,
    homeRegion: trail.HomeRegion,
    isMultiRegion: trail.IsMultiRegionTrail === true,
    isOrganizationTrail: trail.IsOrganizationTrail === true,
    isLogging: status ? status.IsLogging === true : undefined,
    logFileValidation: trail.LogFileValidationEnabled === true,
    kmsKeyId: trail.KmsKeyId || undefined,
    cloudWatchLogsLogGroupArn: trail.CloudWatchLogsLogGroupArn || undefined,
    s3BucketName: trail.S3BucketName || undefined,
    managementEvents: selectors ? managementEventCoverage(selectors) : undefined,
    unreadable,
  };
}

/**
 * One entry per trail ARN (or name, without an ARN), in the API's order: with shadow trails included, a trail must
 * still count once, however often the listing names it.
 * @example
 * uniqueTrails([{ TrailARN: 'a' }, { TrailARN: 'a' }]).length // → 1
 */
export function uniqueTrails(trails: readonly Trail[]): Trail[] {
  const seen = new Set<string>();
  return trails.filter((t) => {
    const key = t.TrailARN ?? `name:${t.Name}`;
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
