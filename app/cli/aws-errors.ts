import { RebaselineError } from '../../shared/errors';

/** The AWS SDK could not find, refresh or use credentials: a setup problem, with what to do about it. */
export class AwsCredentialsError extends RebaselineError {}

/** What a person can give the CLI to reach an account, one line. */
export const CREDENTIAL_OPTIONS =
  'give --profile <name> (a profile in ~/.aws/config; after `aws sso login --profile <name>` for SSO), set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, add --role-arn <arn> to assume a role from those credentials, or point --endpoint-url at a local emulator (it accepts any keys, e.g. AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test); see docs/your-account.md';

const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const INVALID = new Set(['InvalidClientTokenId', 'UnrecognizedClientException', 'SignatureDoesNotMatch']);

/**
 * The SDK's credential failures as errors that say what to do, or `undefined` for any other error. The SDK's own
 * message ("Could not load credentials from any providers") names no option of this CLI.
 * @example
 * explainAwsError(Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }));
 * // → AwsCredentialsError: No AWS credentials were found (…): give --profile <name> …
 */
export function explainAwsError(error: unknown): AwsCredentialsError | undefined {
  if (!(error instanceof Error) || error instanceof RebaselineError) return undefined;
  const reason = error.message.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  if (error.name === 'CredentialsProviderError' || error.name === 'TokenProviderError')
    return new AwsCredentialsError(
      `No usable AWS credentials were found (${reason}): ${CREDENTIAL_OPTIONS}.`,
      {
        cause: error,
      },
    );
  if (EXPIRED.has(error.name))
    return new AwsCredentialsError(
      `The AWS credentials have expired (${reason}): refresh them (aws sso login --profile <name>, or new keys) and run again.`,
      { cause: error },
    );
  if (INVALID.has(error.name))
    return new AwsCredentialsError(
      `AWS rejected the credentials (${error.name}: ${reason}): check the profile or keys in use (aws sts get-caller-identity), or ${CREDENTIAL_OPTIONS}.`,
      { cause: error },
    );
  return undefined;
}
