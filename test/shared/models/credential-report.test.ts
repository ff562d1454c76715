import { expect } from 'chai';
import { InsufficientDataError } from '../../../shared/errors';
import {
  parseCredentialReport,
  ROOT_ACCOUNT_USER,
  reportBoolean,
  reportDate,
  rootAccessKeysAbsent,
  rootAccessKeysFromReport,
} from '../../../shared/models/credential-report';
import { fixtureText, recorded } from '../../helpers/fixtures';

const REPORTS = 'corpus/credential_reports';
const report = (name: string) => fixtureText(`${REPORTS}/${name}.csv`);

/** A real report with fields of its <root_account> row changed (these rows hold no quoted commas). */
function editRootRow(csv: string, changes: Record<string, string>): string {
  const [header = '', ...rows] = csv.split('\n');
  const columns = header.split(',');
  return [
    header,
    ...rows.map((row) => {
      if (!row.startsWith(`${ROOT_ACCOUNT_USER},`)) return row;
      const fields = row.split(',');
      for (const [column, value] of Object.entries(changes)) fields[columns.indexOf(column)] = value;
      return fields.join(',');
    }),
  ].join('\n');
}

const UNUSED_KEYS = 'c7n__test_iam_user_unused_keys__iam.GetCredentialReport_2';
const ACCOUNT = 'c7n__test_account_credential_report__iam.GetCredentialReport_1';
const NOOP = 'c7n__test_iam_user_credential_multi_delete_noop__iam.GetCredentialReport_1';
const UPPER_CASE_NO_ROOT = 'c7n__test_iam_user_credential_reverse_filter_delete__iam.GetCredentialReport_1';

describe('credential report model', () => {
  describe('values', () => {
    const booleans: [string | undefined, boolean | undefined][] = [
      ['true', true],
      ['false', false],
      ['TRUE', true],
      ['FALSE', false],
      [' True ', true],
      ['not_supported', undefined],
      ['N/A', undefined],
      [undefined, undefined],
    ];
    for (const [raw, expected] of booleans)
      it(`boolean ${JSON.stringify(raw)} → ${expected}`, () => expect(reportBoolean(raw)).to.equal(expected));

    const dates: [string | undefined, string | undefined][] = [
      ['2015-07-04T15:09:00+00:00', '2015-07-04T15:09:00.000Z'],
      ['2099-02-03T09:50:21+00:00', '2099-02-03T09:50:21.000Z'],
      ['N/A', undefined],
      ['no_information', undefined],
      ['not_supported', undefined],
      ['', undefined],
      ['yesterday', undefined],
      [undefined, undefined],
    ];
    for (const [raw, expected] of dates)
      it(`date ${JSON.stringify(raw)} → ${expected}`, () =>
        expect(reportDate(raw)?.toISOString()).to.equal(expected));
  });

  describe('parseCredentialReport on the real reports', () => {
    it('each CSV is the recorded GetCredentialReport content (the file adds a final newline)', () => {
      for (const name of [UNUSED_KEYS, ACCOUNT, NOOP, UPPER_CASE_NO_ROOT])
        expect(report(name).trimEnd()).to.equal(
          recorded<{ Content: string }>(`credential_reports/raw/${name}.json`).Content.trimEnd(),
        );
    });

    it('reads the root row: key 1 active and last used 2015, key 2 inactive but rotated 2007', () => {
      const root = parseCredentialReport(report(UNUSED_KEYS)).find((r) => r.user === ROOT_ACCOUNT_USER);
      expect(root?.arn).to.equal('arn:aws:iam::619193117841:root');
      expect(root?.passwordEnabled).to.equal(undefined); // not_supported for root
      expect(root?.mfaActive).to.equal(false);
      expect(root?.accessKeys[0]).to.deep.equal({
        active: true,
        lastRotated: new Date('2011-08-19T05:12:23Z'),
        lastUsedDate: new Date('2015-07-04T15:09:00Z'),
        lastUsedRegion: 'us-east-1',
        lastUsedService: 's3',
      });
      expect(root?.accessKeys[1]).to.deep.equal({
        active: false,
        lastRotated: new Date('2007-10-13T16:49:50Z'),
        lastUsedDate: undefined,
        lastUsedRegion: undefined,
        lastUsedService: undefined,
      });
      expect(root?.certs[0].active).to.equal(true);
    });

    it('keeps duplicate user rows (christopher appears twice, with different data)', () => {
      const rows = parseCredentialReport(report(ACCOUNT));
      expect(rows).to.have.length(21);
      const christopher = rows.filter((r) => r.user === 'christopher');
      expect(christopher).to.have.length(2);
      expect(christopher[0]).to.not.deep.equal(christopher[1]);
      expect(rows.some((r) => r.user === 'Jennifer')).to.equal(true);
    });

    it('reads upper-case TRUE/FALSE and keeps future dates', () => {
      const [zscholl] = parseCredentialReport(report(UPPER_CASE_NO_ROOT));
      expect(zscholl?.user).to.equal('zscholl');
      expect(zscholl?.passwordEnabled).to.equal(false);
      expect(zscholl?.accessKeys.map((k) => k.active)).to.deep.equal([true, true]);
      expect(zscholl?.userCreationTime?.toISOString()).to.equal('2099-08-10T11:07:38.000Z');
    });

    it('reads no_information as an unknown date', () => {
      const root = parseCredentialReport(report(NOOP)).find((r) => r.user === ROOT_ACCOUNT_USER);
      expect(root?.passwordLastUsed).to.equal(undefined);
      expect(root?.accessKeys.map((k) => k.active)).to.deep.equal([false, false]);
    });

    it('parses an empty report to no rows, and rejects text without a user column', () => {
      expect(parseCredentialReport('')).to.deep.equal([]);
      expect(() => parseCredentialReport('a,b\n1,2\n')).to.throw(InsufficientDataError, /"user" column/);
    });
  });

  describe('root access keys', () => {
    it('from a report with an active and an inactive-but-existing key', () => {
      const model = rootAccessKeysFromReport(report(UNUSED_KEYS), '619193117841', 'us-east-1');
      expect(model).to.deep.include({
        resourceType: 'AWS::::Account',
        resourceId: '619193117841',
        accountId: '619193117841',
        source: 'credential-report',
      });
      expect(model.keys.map((k) => [k.slot, k.active, k.lastRotated?.toISOString()])).to.deep.equal([
        [1, true, '2011-08-19T05:12:23.000Z'],
        [2, false, '2007-10-13T16:49:50.000Z'],
      ]);
    });

    for (const name of [
      ACCOUNT,
      NOOP,
      'c7n__test_iam_user_credential_multi_delete_noop__iam.GetCredentialReport_2',
    ])
      it(`no root key in ${name}`, () => {
        expect(rootAccessKeysFromReport(report(name), '644160558196').keys).to.deep.equal([]);
      });

    for (const name of [
      UPPER_CASE_NO_ROOT,
      'c7n__test_iam_user_credential_multi_delete__iam.GetCredentialReport_1',
      'c7n__test_iam_user_delete_options__iam.GetCredentialReport_1',
    ])
      it(`a report without a <root_account> row raises InsufficientDataError (${name})`, () => {
        expect(() => rootAccessKeysFromReport(report(name), '644160558196'))
          .to.throw(InsufficientDataError)
          .with.property('message')
          .that.matches(/no <root_account> row/);
      });

    it('merges duplicate <root_account> rows so that neither can hide an active key', () => {
      const csv = report(UNUSED_KEYS);
      const quiet = editRootRow(csv, { access_key_1_active: 'false', access_key_1_last_rotated: 'N/A' });
      const [header, root] = csv.split('\n');
      const [, quietRoot] = quiet.split('\n');
      for (const rows of [
        [quietRoot, root],
        [root, quietRoot],
      ]) {
        const model = rootAccessKeysFromReport([header, ...rows].join('\n'), '619193117841');
        expect(model.keys.map((k) => [k.slot, k.active])).to.deep.equal([
          [1, true],
          [2, false],
        ]);
      }
    });

    it('an unreadable active flag on the root row raises InsufficientDataError', () => {
      const csv = editRootRow(report(UNUSED_KEYS), { access_key_1_active: 'maybe' });
      expect(() => rootAccessKeysFromReport(csv, '619193117841')).to.throw(
        InsufficientDataError,
        /access_key_1_active/,
      );
    });

    it('the account-summary short-cut model has no keys', () => {
      expect(rootAccessKeysAbsent('123456789012', 'us-east-1')).to.deep.equal({
        resourceType: 'AWS::::Account',
        resourceId: '123456789012',
        accountId: '123456789012',
        region: 'us-east-1',
        source: 'account-summary',
        keys: [],
      });
    });
  });
});
