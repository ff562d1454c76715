import {
  DeleteAccessKeyCommand,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListOrganizationsFeaturesCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  ListDelegatedAdministratorsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRootCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { fixture, fixtureText } from '../../helpers/fixtures';

export const MANAGEMENT = '111111111111';
export const MEMBER = '555555555555';
/** The account of the recorded credential report with an active root key (used when the Lambda runs there). */
export const REPORT_ACCOUNT = '619193117841';
export const TOPIC = `arn:aws:sns:us-east-1:${MANAGEMENT}:rebaseline-root-keys`;
export const DELETE_TASK = 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials';
export const AUDIT_TASK = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';

const DATE_KEYS = new Set([
  'CreateDate',
  'LastUsedDate',
  'Expiration',
  'JoinedTimestamp',
  'DelegationEnabledDate',
]);

/** A recorded response shape (`responses.json`), with its timestamps as the Date objects the SDK returns. */
export function response<T>(path: string): T {
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [
          k,
          DATE_KEYS.has(k) && typeof x === 'string' ? new Date(x) : revive(x),
        ]),
      );
    return v;
  };
  let value: unknown = fixture('remediations/remove-root-access-keys/responses.json');
  for (const part of path.split('.')) value = (value as Record<string, unknown>)[part];
  return revive(value) as T;
}

/** An AWS SDK error as the SDK raises it (`name` = the error code). */
export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name });
}

/** The access key id a stubbed client signs with (the root session's, or the Lambda's own). */
export async function signingKey(client: unknown): Promise<string> {
  const provider = (client as { config: { credentials: () => Promise<AwsCredentialIdentity> } }).config
    .credentials;
  return (await provider()).accessKeyId;
}

type RootKey = { AccessKeyId: string; Status: string; CreateDate: Date };

/**
 * An AWS Organization replayed from recorded response shapes (moto has no AssumeRoot): STS, Organizations, IAM and
 * SNS stubbed for one test file, and the member account's root keys held as state, so a test asserts the end state
 * (ListAccessKeys reads `rootKeys`, UpdateAccessKey and DeleteAccessKey change it).
 * @example
 * const org = useFakeOrganization();
 * it('…', async () => { org.as('management'); …; expect(org.rootKeys).to.deep.equal([]); });
 */
export function useFakeOrganization() {
  const org = {
    sts: undefined as unknown as AwsClientStub<STSClient>,
    orgs: undefined as unknown as AwsClientStub<OrganizationsClient>,
    iam: undefined as unknown as AwsClientStub<IAMClient>,
    sns: undefined as unknown as AwsClientStub<SNSClient>,
    rootKeys: [] as RootKey[],

    /** The Lambda runs as `caller`; the member account has one active and one inactive root key. */
    as(caller: 'management' | 'delegatedAdministrator' | 'member') {
      const { sts, orgs, iam, sns } = org;
      sts.on(GetCallerIdentityCommand).resolves(response(`GetCallerIdentity.${caller}`));
      sts.on(AssumeRootCommand).resolves(response('AssumeRoot'));
      orgs.on(DescribeOrganizationCommand).resolves(response('DescribeOrganization'));
      orgs.on(ListDelegatedAdministratorsCommand).resolves(response('ListDelegatedAdministrators'));
      orgs.on(DescribeAccountCommand).resolves(response('DescribeAccount'));
      iam.on(ListOrganizationsFeaturesCommand).resolves(response('ListOrganizationsFeatures'));
      org.rootKeys = response<{ AccessKeyMetadata: RootKey[] }>('ListAccessKeys.twoKeys').AccessKeyMetadata;
      iam
        .on(ListAccessKeysCommand)
        .callsFake(async () => ({ AccessKeyMetadata: org.rootKeys.map((k) => ({ ...k })) }));
      iam
        .on(GetAccessKeyLastUsedCommand)
        .callsFake(async (input: { AccessKeyId: string }) =>
          response(`GetAccessKeyLastUsed.${input.AccessKeyId}`),
        );
      iam.on(UpdateAccessKeyCommand).callsFake(async (input: { AccessKeyId: string; Status: string }) => {
        const key = org.rootKeys.find((k) => k.AccessKeyId === input.AccessKeyId);
        if (!key) throw awsError('NoSuchEntity');
        key.Status = input.Status;
        return {};
      });
      iam.on(DeleteAccessKeyCommand).callsFake(async (input: { AccessKeyId: string }) => {
        if (!org.rootKeys.some((k) => k.AccessKeyId === input.AccessKeyId)) throw awsError('NoSuchEntity');
        org.rootKeys = org.rootKeys.filter((k) => k.AccessKeyId !== input.AccessKeyId);
        return {};
      });
      sns.on(PublishCommand).resolves(response('Publish'));
    },

    /**
     * The Lambda runs in the member account itself (neither management nor delegated administrator), where it can
     * read the recorded credential report of account REPORT_ACCOUNT (root key 1 active, key 2 inactive).
     */
    asTheMemberItself() {
      org.as('member');
      org.orgs.on(ListDelegatedAdministratorsCommand).rejects(awsError('AccessDeniedException'));
      org.iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { AccountAccessKeysPresent: 1 } });
      org.iam.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
      org.iam.on(GetCredentialReportCommand).resolves({
        Content: new TextEncoder().encode(
          fixtureText(
            'corpus/credential_reports/c7n__test_iam_user_unused_keys__iam.GetCredentialReport_2.csv',
          ),
        ),
        ReportFormat: 'text/csv',
      });
    },
  };
  // Stubbed for the file's tests only: a class-level stub made at load time would reach every other test file.
  before(() => {
    org.sts = mockClient(STSClient);
    org.orgs = mockClient(OrganizationsClient);
    org.iam = mockClient(IAMClient);
    org.sns = mockClient(SNSClient);
  });
  beforeEach(() => {
    for (const stub of [org.sts, org.orgs, org.iam, org.sns]) stub.reset();
  });
  after(() => {
    for (const stub of [org.sts, org.orgs, org.iam, org.sns]) stub.restore();
  });
  return org;
}
