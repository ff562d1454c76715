import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { InsufficientDataError } from '../errors';
import type { AwsClients } from './clients';
import { STS } from './services/sts';

/**
 * Clients with the credentials of an assumed role (same region and endpoint).
 * @example
 * const member = await assumeRole(aws, 'arn:aws:iam::111122223333:role/Audit', 'rebaseline-scan');
 */
export async function assumeRole(
  aws: AwsClients,
  roleArn: string,
  sessionName: string,
  externalId?: string,
): Promise<AwsClients> {
  const out = await aws.get(STS).send(
    new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: sessionName.replace(/[^\w+=,.@-]/g, '-').slice(0, 64),
      ExternalId: externalId,
      DurationSeconds: 900,
    }),
  );
  const c = out.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey)
    throw new InsufficientDataError(`AssumeRole into ${roleArn} returned no credentials.`);
  return aws.withCredentials({
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
  });
}

/** Account id and partition of the credentials in use. */
export async function callerIdentity(
  aws: AwsClients,
): Promise<{ accountId: string; partition: string; arn: string }> {
  const out = await aws.get(STS).send(new GetCallerIdentityCommand({}));
  if (!out.Account || !out.Arn) throw new InsufficientDataError('STS GetCallerIdentity returned no account.');
  return { accountId: out.Account, arn: out.Arn, partition: out.Arn.split(':')[1] ?? 'aws' };
}
