import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { ConfigServiceClient } from '@aws-sdk/client-config-service';
import { EC2Client } from '@aws-sdk/client-ec2';
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { SNSClient } from '@aws-sdk/client-sns';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** Retries for throttling at organisation scale: the SDK default is 3 attempts. */
export const DEFAULT_MAX_ATTEMPTS = 8;

export interface ClientOptions {
  region: string;
  /** Endpoint override for every service (a local emulator); defaults to `AWS_ENDPOINT_URL`. */
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Named profile from the shared config files (CLI `--profile`). */
  profile?: string;
  maxAttempts?: number;
  /** Called once per API operation sent (for call counting in benchmarks and the CLI). */
  onCall?: (service: string, operation: string) => void;
}

interface Middlewareable {
  middlewareStack: {
    add: (
      mw: (
        next: (a: unknown) => Promise<unknown>,
        ctx: { clientName?: string; commandName?: string },
      ) => (a: unknown) => Promise<unknown>,
      opts: { step: 'initialize'; name: string },
    ) => void;
  };
}

const CLIENTS = {
  cloudtrail: CloudTrailClient,
  config: ConfigServiceClient,
  ec2: EC2Client,
  iam: IAMClient,
  organizations: OrganizationsClient,
  s3: S3Client,
  s3control: S3ControlClient,
  sns: SNSClient,
  ssm: SSMClient,
  sts: STSClient,
} as const;

export type ServiceName = keyof typeof CLIENTS;
type ClientOf<S extends ServiceName> = InstanceType<(typeof CLIENTS)[S]>;

/**
 * The one place AWS clients are made: region, standard retries with more attempts, an endpoint override
 * (everything can run against a local emulator) and credentials (the default chain, a profile, or assumed ones).
 * Clients are created on first use and reused.
 *
 * @example
 * const aws = new AwsClients({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:5000' });
 * await aws.get('ec2').send(new DescribeSecurityGroupsCommand({}));
 */
export class AwsClients {
  private readonly cache = new Map<ServiceName, unknown>();
  readonly region: string;
  readonly endpoint: string | undefined;

  constructor(readonly options: ClientOptions) {
    this.region = options.region;
    this.endpoint = options.endpoint ?? (process.env.AWS_ENDPOINT_URL || undefined);
  }

  get<S extends ServiceName>(service: S): ClientOf<S> {
    let client = this.cache.get(service) as ClientOf<S> | undefined;
    if (!client) {
      client = this.create(service);
      this.cache.set(service, client);
    }
    return client;
  }

  /** Same options, other credentials (an assumed role in another account). */
  withCredentials(credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider): AwsClients {
    return new AwsClients({ ...this.options, endpoint: this.endpoint, profile: undefined, credentials });
  }

  /** Same options, another region. */
  inRegion(region: string): AwsClients {
    return new AwsClients({ ...this.options, endpoint: this.endpoint, region });
  }

  private create<S extends ServiceName>(service: S): ClientOf<S> {
    const endpoint = this.endpoint;
    const config: Record<string, unknown> = {
      region: this.region,
      retryMode: 'standard',
      maxAttempts: this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      credentials:
        this.options.credentials ??
        (this.options.profile ? fromIni({ profile: this.options.profile }) : undefined),
    };
    if (endpoint) {
      config.endpoint = endpoint;
      if (service === 's3') config.forcePathStyle = true;
      // S3 Control prefixes the host with the account id ({AccountId}.s3-control…); against a custom endpoint
      // that host does not exist, so the endpoint is fixed and the prefix is never applied.
      if (service === 's3control') {
        const url = new URL(endpoint);
        config.endpointProvider = () => ({ url });
        config.disableHostPrefix = true;
      }
    }
    const Ctor = CLIENTS[service] as unknown as new (c: Record<string, unknown>) => ClientOf<S>;
    const client = new Ctor(config);
    const onCall = this.options.onCall;
    if (onCall) {
      (client as unknown as Middlewareable).middlewareStack.add(
        (next, ctx) => (args) => {
          onCall(service, ctx.commandName?.replace(/Command$/, '') ?? 'unknown');
          return next(args);
        },
        { step: 'initialize', name: 'rebaselineCallCounter' },
      );
    }
    return client;
  }
}
