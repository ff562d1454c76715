import { parse } from 'csv-parse/sync';
import { InsufficientDataError } from '../errors';
import type { ResourceModel } from '../rule';
import { ACCOUNT_RESOURCE_TYPE } from '../rule';

/** The `user` of the root account's row in the IAM credential report. */
export const ROOT_ACCOUNT_USER = '<root_account>';

/** Values IAM writes where a date or flag does not apply or is unknown. */
const NOT_A_VALUE = new Set(['n/a', 'no_information', 'not_supported', '']);

/** One access key column group of a credential report row (`access_key_<n>_*`). */
export interface ReportAccessKey {
  /** `undefined` when the report holds no readable flag. */
  active: boolean | undefined;
  lastRotated?: Date;
  lastUsedDate?: Date;
  lastUsedRegion?: string;
  lastUsedService?: string;
}

/** One row of the IAM credential report, typed. */
export interface CredentialReportRow {
  user: string;
  arn: string;
  userCreationTime?: Date;
  passwordEnabled?: boolean;
  passwordLastUsed?: Date;
  mfaActive?: boolean;
  accessKeys: [ReportAccessKey, ReportAccessKey];
  certs: [
    { active: boolean | undefined; lastRotated?: Date },
    { active: boolean | undefined; lastRotated?: Date },
  ];
}

/**
 * A credential report flag: `true`/`false` in any case (reports from some tools are upper-case); `N/A`,
 * `not_supported` and anything else → `undefined`.
 * @example
 * reportBoolean('TRUE') // → true
 */
export function reportBoolean(raw: string | undefined): boolean | undefined {
  const v = raw?.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  return undefined;
}

/**
 * A credential report date (ISO 8601); `N/A`, `no_information`, `not_supported` or an unparseable value →
 * `undefined`. Dates in the future are kept as they are (the report does contain them).
 * @example
 * reportDate('2015-07-04T15:09:00+00:00') // → Date 2015-07-04T15:09:00Z
 * reportDate('no_information') // → undefined
 */
export function reportDate(raw: string | undefined): Date | undefined {
  const v = raw?.trim();
  if (v === undefined || NOT_A_VALUE.has(v.toLowerCase())) return undefined;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function reportText(raw: string | undefined): string | undefined {
  const v = raw?.trim();
  return v === undefined || NOT_A_VALUE.has(v.toLowerCase()) ? undefined : v;
}

function accessKey(row: Record<string, string>, n: 1 | 2): ReportAccessKey {
  const p = `access_key_${n}_`;
  return {
    active: reportBoolean(row[`${p}active`]),
    lastRotated: reportDate(row[`${p}last_rotated`]),
    lastUsedDate: reportDate(row[`${p}last_used_date`]),
    lastUsedRegion: reportText(row[`${p}last_used_region`]),
    lastUsedService: reportText(row[`${p}last_used_service`]),
  };
}

/** Any whitespace but the line feed, or a quote: text the plain splitter leaves to csv-parse. */
const NOT_PLAIN = /[^\S\n]|"/;

/**
 * The records of a report in the plain form IAM writes (no quotes, no whitespace in fields, `\n` line ends, every
 * row as wide as the header), split directly; `undefined` for anything else, which csv-parse then reads. On such
 * text both give the same records, and splitting is several times faster: a report is parsed on every
 * invocation, and a large account's report has thousands of rows.
 */
function plainCsvRecords(csv: string): Record<string, string>[] | undefined {
  const text = csv.charCodeAt(0) === 0xfeff ? csv.slice(1) : csv;
  if (NOT_PLAIN.test(text)) return undefined;
  const lines = text.split('\n').filter((line) => line !== '');
  const header = lines[0]?.split(',');
  if (!header || new Set(header).size !== header.length || header.includes('')) return undefined;
  const records: Record<string, string>[] = [];
  for (let i = 1; i < lines.length; i++) {
    const fields = (lines[i] as string).split(',');
    if (fields.length !== header.length) return undefined;
    const record: Record<string, string> = {};
    for (let j = 0; j < header.length; j++) record[header[j] as string] = fields[j] as string;
    records.push(record);
  }
  return records;
}

/**
 * Parses the IAM credential report (the CSV that `GetCredentialReport` returns). Every row is kept, duplicate
 * user rows included (real reports contain them); columns are read by header name, so added columns are ignored.
 * @throws InsufficientDataError when the text is not a CSV with a `user` column.
 * @example
 * parseCredentialReport(csv).find((r) => r.user === ROOT_ACCOUNT_USER)?.accessKeys[0].active // → true
 */
export function parseCredentialReport(csv: string): CredentialReportRow[] {
  let records: Record<string, string>[] | undefined = plainCsvRecords(csv);
  if (!records)
    try {
      records = parse(csv, {
        columns: true,
        bom: true,
        skip_empty_lines: true,
        trim: true,
        relax_column_count: true,
      }) as Record<string, string>[];
    } catch (cause) {
      throw new InsufficientDataError(
        `The IAM credential report is not valid CSV: ${(cause as Error).message}`,
        {
          cause,
        },
      );
    }
  if (records.length > 0 && !('user' in (records[0] as object)))
    throw new InsufficientDataError('The IAM credential report has no "user" column.');
  return records.map((row) => ({
    user: row.user ?? '',
    arn: row.arn ?? '',
    userCreationTime: reportDate(row.user_creation_time),
    passwordEnabled: reportBoolean(row.password_enabled),
    passwordLastUsed: reportDate(row.password_last_used),
    mfaActive: reportBoolean(row.mfa_active),
    accessKeys: [accessKey(row, 1), accessKey(row, 2)],
    certs: [
      { active: reportBoolean(row.cert_1_active), lastRotated: reportDate(row.cert_1_last_rotated) },
      { active: reportBoolean(row.cert_2_active), lastRotated: reportDate(row.cert_2_last_rotated) },
    ],
  }));
}

/** One access key of the root user that exists (active, or inactive but not deleted). */
export interface RootAccessKey {
  /** Slot in the credential report: `access_key_1_*` or `access_key_2_*`. */
  slot: 1 | 2;
  active: boolean;
  lastRotated?: Date;
  lastUsedDate?: Date;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

/** The root user's access keys, for the account (resource `AWS::::Account`, id = account id). */
export interface RootAccessKeysModel extends ResourceModel {
  /** Where the facts come from: the account summary short-cut (no key at all) or the credential report. */
  source: 'account-summary' | 'credential-report';
  /** The keys that exist, active or not; empty when the root user has none. */
  keys: RootAccessKey[];
}

function accountModel(
  accountId: string,
  region: string | undefined,
  source: RootAccessKeysModel['source'],
  keys: RootAccessKey[],
): RootAccessKeysModel {
  return { resourceType: ACCOUNT_RESOURCE_TYPE, resourceId: accountId, accountId, region, source, keys };
}

/**
 * The model when `GetAccountSummary` says `AccountAccessKeysPresent: 0`: the root user has no key at all
 * (active or inactive), so the credential report need not be read.
 * @example
 * rootAccessKeysAbsent('123456789012').keys // → []
 */
export function rootAccessKeysAbsent(accountId: string, region?: string): RootAccessKeysModel {
  return accountModel(accountId, region, 'account-summary', []);
}

const later = (a?: Date, b?: Date) => (a && b ? (a > b ? a : b) : (a ?? b));

/**
 * The root user's access keys from the credential report. A key exists when it is active, or inactive with a
 * `last_rotated` date (a deleted key has `N/A` there). Should the report hold several `<root_account>` rows,
 * they are merged: a key is active if any row says so, so a duplicate can never hide an active key.
 * @throws InsufficientDataError when the report has no `<root_account>` row (a limited or truncated report): the
 *   rule cannot decide and must not say COMPLIANT; or when a root key's `active` flag is unreadable.
 * @example
 * rootAccessKeysFromReport(csv, '619193117841').keys.map((k) => [k.slot, k.active]) // → [[1, true], [2, false]]
 */
export function rootAccessKeysFromReport(
  csv: string,
  accountId: string,
  region?: string,
): RootAccessKeysModel {
  const rows = parseCredentialReport(csv).filter((r) => r.user === ROOT_ACCOUNT_USER);
  if (rows.length === 0)
    throw new InsufficientDataError(
      `The IAM credential report of account ${accountId} has no ${ROOT_ACCOUNT_USER} row (limited or incomplete report); root access keys cannot be evaluated.`,
    );
  const keys: RootAccessKey[] = [];
  for (const slot of [1, 2] as const) {
    let merged: RootAccessKey | undefined;
    for (const row of rows) {
      const k = row.accessKeys[slot - 1];
      if (k === undefined || k.active === undefined)
        throw new InsufficientDataError(
          `The IAM credential report of account ${accountId} has no readable access_key_${slot}_active for ${ROOT_ACCOUNT_USER}.`,
        );
      if (!k.active && !k.lastRotated) continue;
      merged = {
        slot,
        active: (merged?.active ?? false) || k.active,
        lastRotated: later(merged?.lastRotated, k.lastRotated),
        lastUsedDate: later(merged?.lastUsedDate, k.lastUsedDate),
        lastUsedService: k.lastUsedService ?? merged?.lastUsedService,
        lastUsedRegion: k.lastUsedRegion ?? merged?.lastUsedRegion,
      };
    }
    if (merged) keys.push(merged);
  }
  return accountModel(accountId, region, 'credential-report', keys);
}
