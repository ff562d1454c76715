import { fromIni } from '@aws-sdk/credential-providers';
import {
  AdaptiveRetryStrategy,
  DefaultRateLimiter,
  type DefaultRateLimiterOptions,
  MAXIMUM_RETRY_DELAY,
  StandardRetryStrategy,
} from '@smithy/core/retry';
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  MetadataBearer,
  MiddlewareStack,
  RetryErrorInfo,
  RetryStrategyV2,
  RetryToken,
} from '@smithy/types';

/** Retries for throttling at organisation scale: the SDK default is 3 attempts. */
export const DEFAULT_MAX_ATTEMPTS = 8;

/** A connection that cannot be made in this time is abandoned and retried (the SDK's default is to wait forever). */
export const CONNECTION_TIMEOUT_MS = 5_000;
/** An answer that has not arrived in this time is abandoned and retried (the SDK's default is to wait forever). */
export const REQUEST_TIMEOUT_MS = 60_000;

/** How the clients retry; the defaults are for AWS, the overrides for tests against a fault-injecting proxy. */
export interface RetryOptions {
  /** `adaptive` (the default): standard retries plus a client-side rate limiter that slows down when throttled. */
  mode?: 'adaptive' | 'standard';
  /** Multiplies every backoff delay (default 1). Tests use a small scale so that thousands of retries stay fast. */
  delayScale?: number;
  /** The adaptive mode's rate limiter (the SDK's defaults when absent). */
  rateLimiter?: DefaultRateLimiterOptions;
  /** Connection and answer timeouts in ms (defaults {@link CONNECTION_TIMEOUT_MS}, {@link REQUEST_TIMEOUT_MS}). */
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface ClientOptions {
  region: string;
  /** Endpoint override for every service (a local emulator); defaults to `AWS_ENDPOINT_URL`. */
  endpoint?: string;
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Named profile from the shared config files (CLI `--profile`). */
  profile?: string;
  maxAttempts?: number;
  retry?: RetryOptions;
  /** Called once per API operation sent (for call counting in benchmarks and the CLI). */
  onCall?: (service: string, operation: string) => void;
  /**
   * Called once per client made, before its first call, with the client's middleware stack: the organisation scan
   * adds its per-account rate limit and its throttle counter there (`app/scan/rate-limit.ts`).
   */
  configure?: (client: ConfigurableClient, service: ServiceName, region: string) => void;
}

/** What {@link ClientOptions.configure} gets of a client: its middleware stack, to add a middleware to. */
export interface ConfigurableClient {
  middlewareStack: Pick<MiddlewareStack<object, MetadataBearer>, 'add' | 'addRelativeTo'>;
}

/**
 * A service's name as AWS and SSM documents spell it (`ec2`, `s3control`, `guardduty`): open, so a rule on a new
 * service defines its own (in its folder) without editing a list here.
 */
export type ServiceName = string;

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

const DEFINED = new Map<string, AwsService<unknown>>();

/**
 * Declares a service for {@link AwsClients.get}; used once per service, in `shared/aws/services/<name>.ts` for the
 * services the framework uses, or in the folder of the rule that reads a service no other rule reads.
 * @example
 * export const EC2: AwsService<EC2Client, 'ec2'> = defineService({ name: 'ec2', client: EC2Client });
 */
export function defineService<C, N extends ServiceName>(service: AwsService<C, N>): AwsService<C, N> {
  DEFINED.set(service.name, service as AwsService<unknown>);
  return service;
}

/**
 * The service defined under `name` by a module loaded so far, if any (the SSM runner's `aws:executeAwsApi` uses it
 * for the endpoint options a service needs).
 * @example
 * definedService('s3')?.withEndpoint?.('http://127.0.0.1:5000'); // → { forcePathStyle: true }
 */
export function definedService(name: string): AwsService<unknown> | undefined {
  return DEFINED.get(name);
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
    const maxAttempts = this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    const retry = this.options.retry ?? {};
    const config: Record<string, unknown> = {
      region: this.region,
      maxAttempts,
      retryStrategy: retryStrategy(maxAttempts, retry),
      requestHandler: {
        connectionTimeout: retry.connectionTimeoutMs ?? CONNECTION_TIMEOUT_MS,
        requestTimeout: retry.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
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
    this.options.configure?.(client as unknown as ConfigurableClient, service.name, this.region);
    return client;
  }
}

/** The SDK's backoff (full jitter, exponential, capped at 20 s) with every delay multiplied by `scale`. */
class ScaledBackoff {
  private base = 0;
  constructor(private readonly scale: number) {}
  setDelayBase(delay: number): void {
    this.base = delay * this.scale;
  }
  computeNextBackoffDelay(retries: number): number {
    return Math.floor(Math.random() * Math.min(this.base * 2 ** retries, MAXIMUM_RETRY_DELAY * this.scale));
  }
}

/**
 * The retry strategy of every client: the SDK's adaptive (or standard) strategy, except that an error the service
 * answered on purpose (`CLIENT_ERROR`: `NoSuchBucketPolicy`, `InvalidGroup.NotFound`, `AccessDenied`) gives back
 * the retry quota its call took, as a success does.
 *
 * Why: the SDK keeps one retry quota per client (500 tokens; a retry costs 14, 5 when throttled) and refunds a call's
 * retry cost only when the call finally succeeds. Four of the six reads of a bucket normally end in a 404 (no policy,
 * no Block Public Access, no ownership controls, no tags), and S3 has no call that says "none" without an error. A
 * read retried after a network fault that then ends in its expected 404 never gave its tokens back, so under 20 %
 * faults a scan's S3 client ran dry around the 60th bucket and from then on retried nothing: 31 of 202 resources
 * went unevaluated. A definite answer from the service is evidence the service is healthy, which is what the quota
 * measures, so it is counted as one. Throttling, 5xx and network errors still spend the quota as before, and the
 * quota is per client, so one account's or region's outage cannot drain another's.
 *
 * @example
 * new EC2Client({ retryStrategy: retryStrategy(8, {}) });
 */
export function retryStrategy(maxAttempts: number, options: RetryOptions = {}): RetryStrategyV2 {
  const scale = options.delayScale ?? 1;
  const tuning = scale === 1 ? {} : { backoff: new ScaledBackoff(scale), baseDelay: 50 };
  const inner =
    (options.mode ?? 'adaptive') === 'adaptive'
      ? new AdaptiveRetryStrategy(maxAttempts, {
          rateLimiter: new DefaultRateLimiter(options.rateLimiter),
          ...tuning,
        })
      : new StandardRetryStrategy({ maxAttempts, ...tuning });
  return new AnswerRefundingRetryStrategy(inner, options.mode ?? 'adaptive');
}

/** See {@link retryStrategy}. */
class AnswerRefundingRetryStrategy implements RetryStrategyV2 {
  constructor(
    private readonly inner: RetryStrategyV2,
    readonly mode: 'adaptive' | 'standard',
  ) {}

  acquireInitialRetryToken(scope: string): Promise<RetryToken> {
    return this.inner.acquireInitialRetryToken(scope);
  }

  refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    if (errorInfo.errorType === 'CLIENT_ERROR') {
      this.inner.recordSuccess(token);
      return Promise.reject(new Error('The service answered with an error that is not retried.'));
    }
    return this.inner.refreshRetryTokenForRetry(token, errorInfo);
  }

  recordSuccess(token: RetryToken): void {
    this.inner.recordSuccess(token);
  }

  /** The quota left (for tests and diagnostics). */
  capacity(): number {
    const standard =
      (this.inner as unknown as { standardRetryStrategy?: StandardRetryStrategy }).standardRetryStrategy ??
      (this.inner as StandardRetryStrategy);
    return standard.getCapacity();
  }
}
