import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { expect } from 'chai';
import sinon from 'sinon';
import {
  collectRootAccessKeys,
  evaluate,
  type Parameters,
  rule,
} from '../../../rules/iam-root-access-keys-absent/evaluate';
import { AwsClients } from '../../../shared/aws/clients';
import { LiveReader } from '../../../shared/collectors/live-reader';
import type { Reader } from '../../../shared/collectors/reader';
import { SnapshotReader } from '../../../shared/collectors/snapshot-reader';
import { InsufficientDataError, InvalidParametersError } from '../../../shared/errors';
import {
  ROOT_ACCOUNT_USER,
  type RootAccessKeysModel,
  rootAccessKeysFromReport,
} from '../../../shared/models/credential-report';
import type { Scope } from '../../../shared/rule';
import { fixtureText, recorded, recordedError } from '../../helpers/fixtures';
import { params, SCOPE } from '../../helpers/rules';

const p = (input: Record<string, string> = {}) => params<Parameters>(rule, input);
const report = (name: string) => fixtureText(`corpus/credential_reports/${name}.csv`);

/** Root key 1 active, last used 2015-07-04; key 2 inactive but still existing (rotated 2007). */
const UNUSED_KEYS = report('c7n__test_iam_user_unused_keys__iam.GetCredentialReport_2');
/** Root without keys, MFA on; a duplicate user row. */
const NO_ROOT_KEYS = report('c7n__test_account_credential_report__iam.GetCredentialReport_1');
/** Upper-case TRUE/FALSE, one user, no <root_account> row. */
const NO_ROOT_ROW = report('c7n__test_iam_user_credential_reverse_filter_delete__iam.GetCredentialReport_1');

/** When IAM generated UNUSED_KEYS (GetCredentialReport's GeneratedTime). */
const REPORT_SCOPE: Scope = { ...SCOPE, accountId: '619193117841', now: new Date('2016-11-25T14:30:42Z') };

/** The real UNUSED_KEYS report with fields of its <root_account> row changed (its rows hold no quoted commas). */
function editRoot(changes: Record<string, string>, csv = UNUSED_KEYS): string {
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

/** The rule's periodic collector (the registry test checks that a periodic rule has one). */
async function collectWith(reader: Reader, scope = REPORT_SCOPE) {
  if (!rule.collect) throw new Error('iam-root-access-keys-absent has no collector');
  return rule.collect(reader, scope, p());
}

const verdictOn = (csv: string, input: Record<string, string> = {}, scope = REPORT_SCOPE) =>
  evaluate(rootAccessKeysFromReport(csv, scope.accountId), p(input), undefined, scope);

describe('rule iam-root-access-keys-absent', () => {
  describe('semantics', () => {
    const cases: {
      name: string;
      csv: string;
      params?: Record<string, string>;
      expected: 'COMPLIANT' | 'NON_COMPLIANT';
      annotation: string;
    }[] = [
      {
        name: 'real report: key 1 active, last used 509 days before the report (more than 90): unused',
        csv: UNUSED_KEYS,
        expected: 'NON_COMPLIANT',
        annotation:
          'Root access key 1 is active and unused: last used 509 days ago, more than 90 days (highest risk). Inactive root access key 2 present; delete it.',
      },
      {
        name: 'the same key with unusedDays 1000: active, not flagged unused',
        csv: UNUSED_KEYS,
        params: { unusedDays: '1000' },
        expected: 'NON_COMPLIANT',
        annotation:
          'Root access key 1 is active, last used 509 days ago. Inactive root access key 2 present; delete it.',
      },
      {
        name: 'boundary: exactly unusedDays days is not more than unusedDays',
        csv: UNUSED_KEYS,
        params: { unusedDays: '509' },
        expected: 'NON_COMPLIANT',
        annotation:
          'Root access key 1 is active, last used 509 days ago. Inactive root access key 2 present; delete it.',
      },
      {
        name: 'boundary: one day more than unusedDays is unused',
        csv: UNUSED_KEYS,
        params: { unusedDays: '508' },
        expected: 'NON_COMPLIANT',
        annotation:
          'Root access key 1 is active and unused: last used 509 days ago, more than 508 days (highest risk). Inactive root access key 2 present; delete it.',
      },
      {
        name: 'upper-case TRUE is active',
        csv: editRoot({ access_key_1_active: 'TRUE', access_key_2_active: 'FALSE' }),
        params: { unusedDays: '1000' },
        expected: 'NON_COMPLIANT',
        annotation:
          'Root access key 1 is active, last used 509 days ago. Inactive root access key 2 present; delete it.',
      },
      {
        // AWS's iam-root-access-key-check (IAM.4) is NON_COMPLIANT for any existing root key; the issue says an
        // inactive one is COMPLIANT with a request to delete it. The issue wins.
        name: 'only inactive keys that still exist (issue: COMPLIANT; AWS IAM.4 would say NON_COMPLIANT)',
        csv: editRoot({ access_key_1_active: 'false' }),
        expected: 'COMPLIANT',
        annotation: 'Inactive root access key present; delete it.',
      },
      {
        name: 'inactive keys that were deleted (last_rotated N/A) do not exist',
        csv: editRoot({
          access_key_1_active: 'false',
          access_key_1_last_rotated: 'N/A',
          access_key_2_last_rotated: 'N/A',
        }),
        expected: 'COMPLIANT',
        annotation: 'The root user has no access keys.',
      },
      {
        name: 'active key never used, created long ago: unused',
        csv: editRoot({ access_key_1_last_used_date: 'N/A', access_key_2_last_rotated: 'N/A' }),
        expected: 'NON_COMPLIANT',
        annotation:
          'Root access key 1 is active and unused: never used, created 1925 days ago (highest risk).',
      },
      {
        name: 'active key never used, created 10 days ago: not yet unused',
        csv: editRoot({
          access_key_1_last_used_date: 'N/A',
          access_key_1_last_rotated: '2016-11-15T09:00:00+00:00',
          access_key_2_last_rotated: 'N/A',
        }),
        expected: 'NON_COMPLIANT',
        annotation: 'Root access key 1 is active, never used (created 10 days ago).',
      },
      {
        name: 'active key never used, with no creation date: unused',
        csv: editRoot({
          access_key_1_last_used_date: 'no_information',
          access_key_1_last_rotated: 'N/A',
          access_key_2_last_rotated: 'N/A',
        }),
        expected: 'NON_COMPLIANT',
        annotation: 'Root access key 1 is active and unused: never used (highest risk).',
      },
      {
        name: 'a last-used date after the evaluation time counts as today',
        csv: editRoot({
          access_key_1_last_used_date: '2116-11-25T14:30:00+00:00',
          access_key_2_last_rotated: 'N/A',
        }),
        expected: 'NON_COMPLIANT',
        annotation: 'Root access key 1 is active, last used today.',
      },
      {
        name: 'both keys active: one sentence per key',
        csv: editRoot({
          access_key_2_active: 'true',
          access_key_2_last_used_date: '2016-11-24T09:00:00+00:00',
          access_key_2_last_used_service: 'ec2',
        }),
        expected: 'NON_COMPLIANT',
        annotation:
          'Root access key 1 is active and unused: last used 509 days ago, more than 90 days (highest risk). Root access key 2 is active, last used 1 day ago.',
      },
      {
        name: 'real report: root without keys (and a duplicate user row)',
        csv: NO_ROOT_KEYS,
        expected: 'COMPLIANT',
        annotation: 'The root user has no access keys.',
      },
      {
        name: 'real report: root without keys, password_last_used no_information, a user key rotated in 2099',
        csv: report('c7n__test_iam_user_credential_multi_delete_noop__iam.GetCredentialReport_1'),
        expected: 'COMPLIANT',
        annotation: 'The root user has no access keys.',
      },
    ];
    for (const c of cases)
      it(`${c.name} → ${c.expected}`, () => {
        const verdict = verdictOn(c.csv, c.params);
        expect(verdict).to.deep.equal({ complianceType: c.expected, annotation: c.annotation });
        expect(verdict.annotation).to.match(/\.$/);
      });

    it('a report without a <root_account> row is never COMPLIANT: the collector raises', () => {
      expect(() => rootAccessKeysFromReport(NO_ROOT_ROW, '123456789012')).to.throw(
        InsufficientDataError,
        /no <root_account> row/,
      );
    });
  });

  describe('parameters', () => {
    it('unusedDays defaults to 90', () => {
      expect(p().unusedDays).to.equal(90);
    });
    for (const bad of ['0', '-5', '1.5', 'ninety'])
      it(`rejects unusedDays "${bad}" naming the parameter`, () => {
        expect(() => p({ unusedDays: bad }))
          .to.throw(InvalidParametersError)
          .with.property('parameter', 'unusedDays');
      });
  });

  describe('collect through a SnapshotReader (recorded responses)', () => {
    const summary = recorded<{ SummaryMap: { AccountAccessKeysPresent: number } }>(
      'credential_reports/raw/c7n__test_account_root_api_keys__iam.GetAccountSummary_1.json',
    ).SummaryMap;
    const collect = (snapshot: ConstructorParameters<typeof SnapshotReader>[0]) =>
      collectWith(new SnapshotReader(snapshot, REPORT_SCOPE.accountId, 'us-east-1'));

    it('reads the credential report into one account model', async () => {
      const models = await collect({ credentialReport: UNUSED_KEYS });
      expect(models).to.have.length(1);
      expect(models[0]).to.deep.include({
        resourceType: 'AWS::::Account',
        resourceId: '619193117841',
        source: 'credential-report',
      });
    });

    it('AccountAccessKeysPresent 0 (recorded GetAccountSummary) answers without the report', async () => {
      expect(summary.AccountAccessKeysPresent).to.equal(0);
      // No credentialReport in the snapshot: reading it would throw.
      const [model] = await collect({ accountAccessKeysPresent: summary.AccountAccessKeysPresent });
      expect(model).to.deep.include({ source: 'account-summary', keys: [] });
      expect(evaluate(model as RootAccessKeysModel, p(), undefined, REPORT_SCOPE).complianceType).to.equal(
        'COMPLIANT',
      );
    });

    it('AccountAccessKeysPresent 1 falls back to the report', async () => {
      const [model] = await collect({ accountAccessKeysPresent: 1, credentialReport: UNUSED_KEYS });
      expect(model).to.deep.include({ source: 'credential-report' });
    });

    it('without the report in the context, raises InsufficientDataError naming the key', async () => {
      const error = await collect({}).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(InsufficientDataError);
      expect((error as Error).message).to.match(/credentialReport/);
    });

    it('a report without a <root_account> row raises InsufficientDataError', async () => {
      const error = await collect({ credentialReport: NO_ROOT_ROW }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).to.be.instanceOf(InsufficientDataError);
    });
  });

  describe('collect through a stubbed reader (the short-cut)', () => {
    function stubReader(present: () => Promise<number | undefined>) {
      const credentialReport = sinon.stub().resolves(UNUSED_KEYS);
      const reader = { accountAccessKeysPresent: sinon.stub().callsFake(present), credentialReport };
      return { reader: reader as unknown as Reader, credentialReport };
    }

    it('0 keys: the credential report is not read', async () => {
      const { reader, credentialReport } = stubReader(async () => 0);
      const model = await collectRootAccessKeys(reader, REPORT_SCOPE);
      expect(model.source).to.equal('account-summary');
      expect(credentialReport.callCount).to.equal(0);
    });

    const fallbacks: [string, () => Promise<number | undefined>][] = [
      [
        'GetAccountSummary fails (AccessDenied)',
        () => Promise.reject(Object.assign(new Error('no'), { name: 'AccessDenied' })),
      ],
      ['the summary has no AccountAccessKeysPresent', async () => undefined],
      ['1 key present', async () => 1],
    ];
    for (const [name, present] of fallbacks)
      it(`${name}: falls back to the credential report`, async () => {
        const { reader, credentialReport } = stubReader(present);
        const model = await collectRootAccessKeys(reader, REPORT_SCOPE);
        expect(model.source).to.equal('credential-report');
        expect(model.keys.filter((k) => k.active)).to.have.length(1);
        expect(credentialReport.callCount).to.equal(1);
      });
  });

  describe('LiveReader.credentialReport wait loop (aws-sdk-client-mock)', () => {
    // Created in before(), not at load time: a mock made while mocha loads files would leak into other files.
    let iam: AwsClientStub<IAMClient>;
    before(() => {
      iam = mockClient(IAMClient);
    });
    const content = { Content: new TextEncoder().encode(UNUSED_KEYS), ReportFormat: 'text/csv' as const };
    const inProgress = () =>
      recordedError(
        'credential_reports/raw/c7n__test_iam_user_unused_keys_report_in_progress__iam.GetCredentialReport_1.json',
      );
    const notPresent = () =>
      recordedError('credential_reports/raw/c7n__test_iam_user_unused_keys__iam.GetCredentialReport_1.json');
    const live = () =>
      new LiveReader(new AwsClients({ region: 'us-east-1' }), REPORT_SCOPE.accountId, rule.reads, {
        attempts: 3,
        delayMs: 0,
      });

    beforeEach(() => {
      iam.reset();
      iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { AccountAccessKeysPresent: 1 } });
    });
    after(() => iam.restore());

    it('generates (STARTED, then COMPLETE), retries ReportInProgress, then reads the report', async () => {
      iam
        .on(GenerateCredentialReportCommand)
        .resolvesOnce({ State: 'STARTED' })
        .resolves({ State: 'COMPLETE' });
      iam.on(GetCredentialReportCommand).rejectsOnce(inProgress()).resolves(content);
      const [model] = await collectWith(live());
      expect(model).to.deep.include({ source: 'credential-report', resourceId: '619193117841' });
      expect(evaluate(model as RootAccessKeysModel, p(), undefined, REPORT_SCOPE).complianceType).to.equal(
        'NON_COMPLIANT',
      );
      expect(iam.commandCalls(GenerateCredentialReportCommand)).to.have.length(3);
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(2);
    });

    it('retries ReportNotPresent (recorded) after generation', async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
      iam.on(GetCredentialReportCommand).rejectsOnce(notPresent()).resolves(content);
      expect(await live().credentialReport()).to.equal(UNUSED_KEYS);
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(2);
    });

    it('AccountAccessKeysPresent 0 (recorded) never generates a report', async () => {
      iam
        .on(GetAccountSummaryCommand)
        .resolves(
          recorded('credential_reports/raw/c7n__test_account_root_api_keys__iam.GetAccountSummary_1.json'),
        );
      const [model] = await collectWith(live());
      expect(model).to.deep.include({ source: 'account-summary', keys: [] });
      expect(iam.commandCalls(GenerateCredentialReportCommand)).to.have.length(0);
    });

    it('gives up after the bounded attempts while generation never completes', async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: 'STARTED' });
      const error = await live()
        .credentialReport()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).to.be.instanceOf(InsufficientDataError);
      expect((error as Error).message).to.match(/not ready after 3 attempts/);
      expect(iam.commandCalls(GenerateCredentialReportCommand)).to.have.length(3);
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(0);
    });

    it('gives up after the bounded attempts while the report stays in progress', async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
      iam.on(GetCredentialReportCommand).rejects(inProgress());
      const error = await live()
        .credentialReport()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).to.be.instanceOf(InsufficientDataError);
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(3);
    });

    it('an unexpected error is not retried', async () => {
      iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
      iam
        .on(GetCredentialReportCommand)
        .rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
      const error = await live()
        .credentialReport()
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((error as Error).name).to.equal('AccessDenied');
      expect(iam.commandCalls(GetCredentialReportCommand)).to.have.length(1);
    });
  });

  describe('offline CLI (rebaseline evaluate)', () => {
    const ROOT = join(__dirname, '..', '..', '..');
    const EVENT = 'test/fixtures/corpus/invoking_events/c7n__config__poll-evaluation.json';
    const run = (...args: string[]) =>
      spawnSync(
        process.execPath,
        ['bin/rebaseline.js', 'evaluate', '--rule', 'iam-root-access-keys-absent', '--event', EVENT, ...args],
        { cwd: ROOT, encoding: 'utf8' },
      );
    const account = { complianceResourceType: 'AWS::::Account', complianceResourceId: '644160558196' };

    it('evaluates the real scheduled event against a real report (now = notification time)', () => {
      const out = run('--context', JSON.stringify({ credentialReport: UNUSED_KEYS }));
      expect(out.status, out.stderr).to.equal(0);
      expect(JSON.parse(out.stdout)).to.deep.equal({
        evaluations: [
          {
            ...account,
            complianceType: 'NON_COMPLIANT',
            annotation:
              'Root access key 1 is active and unused: last used 1764 days ago, more than 90 days (highest risk). Inactive root access key 2 present; delete it.',
          },
        ],
      });
    });

    it('takes accountAccessKeysPresent and --params', () => {
      const out = run('--context', '{"accountAccessKeysPresent":0}', '--params', '{"unusedDays":"2000"}');
      expect(out.status, out.stderr).to.equal(0);
      expect(JSON.parse(out.stdout).evaluations).to.deep.equal([
        { ...account, complianceType: 'COMPLIANT', annotation: 'The root user has no access keys.' },
      ]);
    });

    const failures: [string, string[], RegExp][] = [
      ['no context', [], /credentialReport/],
      [
        'a report without a <root_account> row',
        ['--context', JSON.stringify({ credentialReport: NO_ROOT_ROW })],
        /<root_account>/,
      ],
      [
        'unusedDays 0',
        ['--context', '{"accountAccessKeysPresent":0}', '--params', '{"unusedDays":"0"}'],
        /unusedDays/,
      ],
    ];
    for (const [name, args, message] of failures)
      it(`${name} → exit 2 and a one-line error`, () => {
        const out = run(...args);
        expect(out.status).to.equal(2);
        expect(out.stdout).to.equal('');
        expect(out.stderr.trimEnd().split('\n')).to.have.length(1);
        expect(out.stderr).to.match(message);
      });
  });
});
