import type { Command } from 'commander';
import { assumeRole } from '../../shared/aws/assume-role';
import { AwsClients } from '../../shared/aws/clients';

export interface ConnectionOptions {
  region?: string;
  endpointUrl?: string;
  profile?: string;
  roleArn?: string;
  externalId?: string;
}

/** The options every command that talks to AWS takes. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('--region <region>', 'AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or us-east-1)')
    .option(
      '--endpoint-url <url>',
      'endpoint for every service, e.g. a local emulator (default: AWS_ENDPOINT_URL)',
    )
    .option('--profile <profile>', 'named profile from the shared AWS config files')
    .option('--role-arn <arn>', 'role to assume before reading (e.g. an audit role in a member account)')
    .option('--external-id <id>', 'external id for --role-arn');
}

/** Clients for the connection options: standard credential chain or profile, then the role if one is given. */
export async function connect(
  options: ConnectionOptions,
  extra: { onCall?: (s: string, o: string) => void } = {},
) {
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const base = new AwsClients({
    region,
    endpoint: options.endpointUrl,
    profile: options.profile,
    onCall: extra.onCall,
  });
  return options.roleArn ? assumeRole(base, options.roleArn, 'rebaseline-cli', options.externalId) : base;
}
