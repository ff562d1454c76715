import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetBucketPolicyCommand, GetBucketTaggingCommand, type S3Client } from '@aws-sdk/client-s3';
import { expect } from 'chai';
import { AwsClients, retryStrategy } from '../../../shared/aws/clients';
import { S3 } from '../../../shared/aws/services/s3';
import { errorAnswer } from '../../helpers/fault-proxy';
import { TEST_CREDENTIALS } from '../../helpers/moto';

/**
 * A loopback S3 that fails the first attempt of every call with a 500 and answers the second with the expected
 * "not configured" 404 (NoSuchBucketPolicy), as S3 does for a bucket without a policy after a network fault; a
 * bucket named `healthy-*` answers the first attempt with a 500 and the second with a policy.
 */
function useFlakyS3() {
  const state = { server: undefined as Server | undefined, attempts: [] as string[] };
  before(async () => {
    state.server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const attempt = /attempt=(\d+)/.exec(String(req.headers['amz-sdk-request']))?.[1] ?? '1';
        state.attempts.push(`${req.url} ${attempt}`);
        const answer =
          attempt === '1'
            ? errorAnswer('s3', 500, 'InternalError', 'We encountered an internal error.', 'r')
            : req.url?.startsWith('/healthy-')
              ? {
                  status: 200,
                  headers: { 'content-type': 'application/json' },
                  body: '{"Version":"2012-10-17"}',
                }
              : errorAnswer('s3', 404, 'NoSuchBucketPolicy', 'The bucket policy does not exist', 'r');
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => state.server?.listen(0, '127.0.0.1', resolve));
  });
  beforeEach(() => {
    state.attempts = [];
  });
  after(async () => {
    await new Promise((resolve) => state.server?.close(resolve));
  });
  return {
    get endpoint() {
      if (!state.server) throw new Error('the flaky S3 is not listening');
      return `http://127.0.0.1:${(state.server.address() as AddressInfo).port}`;
    },
    get attempts() {
      return state.attempts;
    },
  };
}

/** The retry quota left in a client's strategy. */
async function quotaOf(s3: S3Client): Promise<number> {
  const strategy = (await s3.config.retryStrategy()) as unknown as { capacity(): number };
  return strategy.capacity();
}

describe('shared/aws/clients retry strategy', () => {
  const flaky = useFlakyS3();

  it('is adaptive, with 8 attempts, per client', async () => {
    const aws = new AwsClients({ region: 'us-east-1' });
    const strategy = (await aws.get(S3).config.retryStrategy()) as unknown as { mode: string };
    expect(strategy.mode).to.equal('adaptive');
    expect(await aws.get(S3).config.maxAttempts()).to.equal(8);
    expect(await aws.get(S3).config.retryStrategy()).to.not.equal(
      await aws.inRegion('eu-west-1').get(S3).config.retryStrategy(),
    );
  });

  it('keeps retrying after 100 calls that were retried once and then answered with an expected 404', async () => {
    // Prepare: with the SDK's own strategy, each of these calls spends 14 of the 500 tokens and never gets them
    // back (the call does not succeed), so from about the 36th call on nothing is retried any more.
    const aws = new AwsClients({
      region: 'us-east-1',
      endpoint: flaky.endpoint,
      credentials: TEST_CREDENTIALS,
      retry: { delayScale: 0.001 },
    });
    const s3 = aws.get(S3);
    // Act
    const names: (string | undefined)[] = [];
    for (let i = 0; i < 100; i++) {
      try {
        await s3.send(new GetBucketPolicyCommand({ Bucket: `bucket-${i}` }));
      } catch (error) {
        names.push((error as Error).name);
      }
    }
    const healthy = await s3.send(new GetBucketPolicyCommand({ Bucket: 'healthy-1' }));
    // Assess: every call was retried and reached its real answer; the quota is whole again.
    expect(names).to.have.length(100);
    expect(new Set(names)).to.deep.equal(new Set(['NoSuchBucketPolicy']));
    expect(flaky.attempts.filter((a) => a.endsWith(' 2'))).to.have.length(101);
    expect(healthy.Policy).to.equal('{"Version":"2012-10-17"}');
    expect(healthy.$metadata.attempts).to.equal(2);
    expect(await quotaOf(s3)).to.equal(500);
  });

  it('still spends the quota on faults that end in a fault (the circuit breaker works)', async () => {
    // Prepare: a strategy on its own, fed errors the way the SDK's retry middleware feeds them.
    const strategy = retryStrategy(8, { mode: 'standard', delayScale: 0.001 }) as ReturnType<
      typeof retryStrategy
    > & { capacity(): number };
    // Act: 40 calls that each fail three times with a 500.
    for (let i = 0; i < 40; i++) {
      let token = await strategy.acquireInitialRetryToken('');
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          token = await strategy.refreshRetryTokenForRetry(token, {
            errorType: 'TRANSIENT',
            error: new Error('500'),
          } as never);
        } catch {
          break;
        }
      }
    }
    // Assess: the quota ran dry, and a further transient error is no longer retried.
    expect(strategy.capacity()).to.be.lessThan(14);
    let refused = false;
    try {
      await strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken(''), {
        errorType: 'TRANSIENT',
      } as never);
    } catch {
      refused = true;
    }
    expect(refused).to.equal(true);
  });

  it('never retries an answered error, and refunds what its retries cost', async () => {
    const strategy = retryStrategy(8, { mode: 'standard', delayScale: 0.001 }) as ReturnType<
      typeof retryStrategy
    > & { capacity(): number };
    const token = await strategy.refreshRetryTokenForRetry(await strategy.acquireInitialRetryToken(''), {
      errorType: 'TRANSIENT',
    } as never);
    expect(strategy.capacity()).to.equal(486);
    let refused = false;
    try {
      await strategy.refreshRetryTokenForRetry(token, { errorType: 'CLIENT_ERROR' } as never);
    } catch {
      refused = true;
    }
    expect(refused).to.equal(true);
    expect(strategy.capacity()).to.equal(500);
  });

  it('answers a tagging read too (any operation of the client), refunding each time', async () => {
    const aws = new AwsClients({
      region: 'us-east-1',
      endpoint: flaky.endpoint,
      credentials: TEST_CREDENTIALS,
      retry: { delayScale: 0.001 },
    });
    for (let i = 0; i < 50; i++)
      await aws
        .get(S3)
        .send(new GetBucketTaggingCommand({ Bucket: `bucket-${i}` }))
        .catch(() => undefined);
    expect(await quotaOf(aws.get(S3))).to.equal(500);
  });
});
