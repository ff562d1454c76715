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

/** The services rebaseline talks to; each has its module in `shared/aws/services/`. */
export type ServiceName =
  | 'cloudtrail'
  | 'config'
  | 'ec2'
  | 'iam'
  | 'organizations'
  | 's3'
  | 's3control'
  | 'sns'
  | 'ssm'
  | 'sts';

/** What `AwsClients` needs of an SDK v3 client: its middleware stack (for the call counter). */
interface SdkClient {
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

/**
 * One AWS service as `AwsClients.get` takes it: its name (in call counts), its SDK client class, and the client
 * options it needs against a custom endpoint. Each service is defined in its own module under
 * `shared/aws/services/`, so a Lambda bundles exactly the SDK clients of the services whose modules it imports.
 */
export interface AwsService<C, N extends ServiceName = ServiceName> {
  readonly name: N;
  readonly client: abstract new (...args: never) => C;
  /** Extra client options when a custom endpoint is set (path-style S3, S3 Control without a host prefix). */
  readonly withEndpoint?: (endpoint: string) => Record<string, unknown>;
}

/**
 * Declares a service for {@link AwsClients.get}; used once per service, in `shared/aws/services/<name>.ts`.
 * @example
 * export const EC2: AwsService<EC2Client, 'ec2'> = defineService({ name: 'ec2', client: EC2Client });
 */
export function defineService<C, N extends ServiceName>(service: AwsService<C, N>): AwsService<C, N> {
  return service;
}

/**
 * The one place AWS clients are made: region, standard retries with more attempts, an endpoint override
 * (everything can run against a local emulator) and credentials (the default chain, a profile, or assumed ones).
 * Clients are created on first use and reused. A service is passed as its module's definition, so the code that
 * uses a client imports it, and a bundle carries only the clients its code can reach.
 *
 * @example
 * const aws = new AwsClients({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:5000' });
 * await aws.get(EC2).send(new DescribeSecurityGroupsCommand({})); // EC2 from shared/aws/services/ec2
 */
export class AwsClients {
  private readonly cache = new Map<AwsService<unknown>, unknown>();
  readonly region: string;
  readonly endpoint: string | undefined;

  constructor(readonly options: ClientOptions) {
    this.region = options.region;
    this.endpoint = options.endpoint ?? (process.env.AWS_ENDPOINT_URL || undefined);
  }

  /** The client of `service` (from `shared/aws/services/<name>.ts`), made on first use and then reused. */
  get<C>(service: AwsService<C>): C {
    let client = this.cache.get(service) as C | undefined;
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

  private create<C>(service: AwsService<C>): C {
    const endpoint = this.endpoint;
    const config: Record<string, unknown> = {
      region: this.region,
      retryMode: 'standard',
      maxAttempts: this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
      credentials:
        this.options.credentials ??
        (this.options.profile ? fromIni({ profile: this.options.profile }) : undefined),
    };
    if (endpoint) Object.assign(config, { endpoint }, service.withEndpoint?.(endpoint));
    // SDK client constructors take their own config type; the options above are common to every client.
    const Client = service.client as unknown as new (config: Record<string, unknown>) => C;
    const client = new Client(config);
    const onCall = this.options.onCall;
    if (onCall) {
      (client as unknown as SdkClient).middlewareStack.add(
        (next, ctx) => (args) => {
          onCall(service.name, ctx.commandName?.replace(/Command$/, '') ?? 'unknown');
          return next(args);
        },
        { step: 'initialize', name: 'rebaselineCallCounter' },
      );
    }
    return client;
  }
}
