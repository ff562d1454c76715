import {
  GenerateCredentialReportCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
} from '@aws-sdk/client-iam';
import { IAM } from '../../aws/services/iam';
import { awsErrorName, InsufficientDataError } from '../../errors';
import type { LiveReads } from '../parts';

/**
 * The IAM part's reads through the SDK (the live half of `iamReads`, loaded on its first read).
 * @example
 * await new LiveReader(aws, accountId, { iam: iamReads }).credentialReport(); // loads this module
 */
export const live: LiveReads<'iam'> = ({ aws, wait }) => ({
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
          if (!['ReportInProgress', 'ReportNotPresent', 'ReportExpired'].includes(awsErrorName(error) ?? ''))
            throw error;
        }
      }
      if (attempt < wait.attempts) await new Promise((r) => setTimeout(r, wait.delayMs));
    }
    throw new InsufficientDataError(
      `The IAM credential report was not ready after ${wait.attempts} attempts; the invocation fails so Config retries.`,
    );
  },
});
