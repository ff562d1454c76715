import { isThrottlingError } from '@smithy/core/retry';
import type { FinalizeRequestMiddleware, MetadataBearer } from '@smithy/types';
import {
  type ClientOptions,
  type ConfigurableClient,
  definedService,
  type ServiceName,
} from '../../shared/aws/clients';
import { UsageError } from '../../shared/errors';

/** A steady rate (requests per second) and how many requests may go at once after a quiet spell. */
export interface Rate {
  perSecond: number;
  burst: number;
}

/**
 * The default per-service, per-account rates of a scan: well under what AWS allows, so that a scan shares an
 * account's API budget with the workloads running in it. EC2 publishes its limits (non-mutating actions such as
 * DescribeSecurityGroups: a bucket of 100 requests refilled at 20 per second, per account and region); the others
 * publish no per-operation rate for the reads a scan makes, and are given conservative ones. The SDK's adaptive
 * retries still slow a client down when it is throttled anyway (by other callers in the account). Override with
 * `--max-rate service=perSecond,…`.
 */
export const DEFAULT_RATES: Readonly<Record<ServiceName, Rate>> = {
  // A service with no entry here (one a new rule reads) gets DEFAULT_RATE.
  ec2: { perSecond: 10, burst: 20 },
  s3: { perSecond: 50, burst: 50 },
  s3control: { perSecond: 5, burst: 5 },
  iam: { perSecond: 5, burst: 5 },
  cloudtrail: { perSecond: 5, burst: 5 },
  config: { perSecond: 5, burst: 10 },
  organizations: { perSecond: 2, burst: 2 },
  sts: { perSecond: 20, burst: 20 },
  sns: { perSecond: 10, burst: 10 },
  ssm: { perSecond: 5, burst: 5 },
};

/** The rate of a service not in {@link DEFAULT_RATES}: conservative, as for the reads AWS publishes no rate for. */
export const DEFAULT_RATE: Rate = { perSecond: 5, burst: 5 };

/** Services whose rate limits hold per account, whatever the region (the others: per account and region). */
const GLOBAL_SERVICES: ReadonlySet<string> = new Set(['iam', 'organizations']);

/**
 * Parses `--max-rate ec2=20,s3=100` (requests per second per account; the burst becomes the rate, at least 1).
 * @throws UsageError naming the entry that is not `service=number` or names no service rebaseline calls.
 * @example
 * parseRates('ec2=20'); // → { ...DEFAULT_RATES, ec2: { perSecond: 20, burst: 20 } }
 */
export function parseRates(text: string | undefined): Record<ServiceName, Rate> {
  const rates = { ...DEFAULT_RATES };
  if (text === undefined) return rates;
  for (const entry of text.split(',').map((s) => s.trim())) {
    if (!entry) continue;
    const m = /^([a-z0-9]+)=(\d+(?:\.\d+)?)$/.exec(entry);
    const service = m?.[1] as ServiceName | undefined;
    const perSecond = Number(m?.[2]);
    const known =
      service !== undefined && (service in DEFAULT_RATES || definedService(service) !== undefined);
    if (!m || !known || !(perSecond > 0))
      throw new UsageError(
        `--max-rate ${entry} is not service=requests-per-second with a rate above 0 (services: ${Object.keys(DEFAULT_RATES).join(', ')}, and those the rules define).`,
      );
    rates[service] = { perSecond, burst: Math.max(1, Math.floor(perSecond)) };
  }
  return rates;
}

/** How a bucket waits (injectable, so tests run on a fake clock). */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const REAL_CLOCK: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * A token bucket: `burst` tokens, refilled at `perSecond`. Each request takes one; a request that finds none
 * reserves the next token to come and waits for it, so concurrent callers are served in the order they asked and
 * the rate holds however many wait.
 * @example
 * const bucket = new TokenBucket({ perSecond: 10, burst: 20 });
 * await bucket.take(); // immediate for the first 20, then one every 100 ms
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rate: Rate,
    private readonly clock: Clock = REAL_CLOCK,
  ) {
    this.tokens = rate.burst;
    this.last = clock.now();
  }

  /** Waits until the request may go; returns how long it waited (ms). */
  async take(): Promise<number> {
    const now = this.clock.now();
    this.tokens = Math.min(this.rate.burst, this.tokens + ((now - this.last) / 1000) * this.rate.perSecond);
    this.last = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return 0;
    // A negative balance is the queue: this request's token arrives after those reserved before it.
    const wait = (-this.tokens / this.rate.perSecond) * 1000;
    await this.clock.sleep(wait);
    return wait;
  }
}

/** The SDK's own reading of a throttling answer (429, or a throttling code such as `RequestLimitExceeded`). */
function isThrottle(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    isThrottlingError(error as Parameters<typeof isThrottlingError>[0])
  );
}

/** What a scan's clients did, for the progress line and the summary. */
export interface CallStats {
  /** Requests sent (each attempt of each call). */
  requests: number;
  /** Attempts AWS answered with a throttling error (retried by the SDK). */
  throttles: number;
  /** Time spent waiting for the rate limit, in ms. */
  waitedMs: number;
  requestsByService: Record<string, number>;
  throttlesByService: Record<string, number>;
}

export function emptyStats(): CallStats {
  return { requests: 0, throttles: 0, waitedMs: 0, requestsByService: {}, throttlesByService: {} };
}

/**
 * The per-service, per-account rate limits of one scan, and its request and throttle counts. `configureFor(account)`
 * gives the {@link ClientOptions.configure} hook of that account's clients: each request attempt (retries included,
 * inside the SDK's retry loop) first takes a token from the bucket of (account, service, region, or the account
 * alone for IAM and Organizations), then is counted, and a throttling answer is counted as one.
 * @example
 * const limits = new ScanRateLimits(parseRates(undefined));
 * const member = new AwsClients({ ...options, credentials, configure: limits.configureFor('111122223333') });
 */
export class ScanRateLimits {
  readonly stats: CallStats = emptyStats();
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    readonly rates: Readonly<Record<ServiceName, Rate>>,
    private readonly clock: Clock = REAL_CLOCK,
  ) {}

  /** The bucket of an account's service in a region (IAM and Organizations: one per account). */
  bucket(accountId: string, service: ServiceName, region: string): TokenBucket {
    const key = `${accountId}|${service}|${GLOBAL_SERVICES.has(service) ? '*' : region}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.rates[service] ?? DEFAULT_RATE, this.clock);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }

  /** The `configure` hook for the clients of one account. */
  configureFor(accountId: string): NonNullable<ClientOptions['configure']> {
    return (client: ConfigurableClient, service: ServiceName, region: string) => {
      const bucket = this.bucket(accountId, service, region);
      const stats = this.stats;
      const limit: FinalizeRequestMiddleware<object, MetadataBearer> = (next) => async (args) => {
        stats.waitedMs += await bucket.take();
        stats.requests++;
        stats.requestsByService[service] = (stats.requestsByService[service] ?? 0) + 1;
        try {
          return await next(args);
        } catch (error) {
          if (isThrottle(error)) {
            stats.throttles++;
            stats.throttlesByService[service] = (stats.throttlesByService[service] ?? 0) + 1;
          }
          throw error;
        }
      };
      // After the retry middleware: inside its loop, so every attempt (a retry too) takes a token.
      client.middlewareStack.addRelativeTo(limit, {
        relation: 'after',
        toMiddleware: 'retryMiddleware',
        name: 'rebaselineRateLimit',
        override: true,
      });
    };
  }
}
