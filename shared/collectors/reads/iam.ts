import {
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
} from '@aws-sdk/client-iam';
import { IAM } from '../../aws/services/iam';
import { awsErrorName, InsufficientDataError } from '../../errors';
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
  live: ({ aws, wait }) => ({
    async accountAccessKeysPresent() {
      const out = await aws.get(IAM).send(new GetAccountSummaryCommand({}));
      return out.SummaryMap?.AccountAccessKeysPresent;
    },

    async credentialReport() {
      const iam = aws.get(IAM);
      for (let attempt = 1; attempt <= wait.attempts; attempt++) {
        const generated = await iam.send(new GenerateCredentialReportCommand({}));
        if (generated.State === 'COMPLETE') {
          try {
            const report = await iam.send(new GetCredentialReportCommand({}));
            return new TextDecoder().decode(report.Content);
          } catch (error) {
            // Generated but not yet readable, or expired between the two calls: ask again.
            if (
              !['ReportInProgress', 'ReportNotPresent', 'ReportExpired'].includes(awsErrorName(error) ?? '')
            )
              throw error;
          }
        }
        if (attempt < wait.attempts) await new Promise((r) => setTimeout(r, wait.delayMs));
      }
      throw new InsufficientDataError(
        `The IAM credential report was not ready after ${wait.attempts} attempts; the invocation fails so Config retries.`,
      );
    },
  }),
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
