import { defineReads } from '../parts';
import { need } from '../snapshot-reader';

declare module '../reader' {
  interface ReadsByPart {
    iam: {
      /** `AccountAccessKeysPresent` from `GetAccountSummary`, when readable. */
      accountAccessKeysPresent(): Promise<number | undefined>;
      /** The IAM credential report as CSV text. */
      credentialReport(): Promise<string>;
    };
  }
  interface EvaluationSnapshot {
    credentialReport?: string;
    accountAccessKeysPresent?: number;
  }
}

/**
 * The IAM part of a reader: the account summary and the credential report (generated and waited for).
 * @example
 * const csv = await new LiveReader(aws, accountId, { iam: iamReads }).credentialReport();
 */
export const iamReads = defineReads('iam', {
  live: () => import('./iam.live.js'),
  snapshot: {
    keys: {
      credentialReport: 'the IAM credential report, as CSV text',
      accountAccessKeysPresent: "GetAccountSummary's AccountAccessKeysPresent (0 or 1)",
    },
    open: (snapshot) => ({
      async accountAccessKeysPresent() {
        return snapshot.accountAccessKeysPresent;
      },
      async credentialReport() {
        return need(snapshot.credentialReport, 'credentialReport', 'root access keys');
      },
    }),
  },
});
