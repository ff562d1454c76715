import { expect } from 'chai';
import { ScanProgress } from '../../../app/scan/progress';
import {
  type Clock,
  DEFAULT_RATE,
  DEFAULT_RATES,
  emptyStats,
  parseRates,
  ScanRateLimits,
  TokenBucket,
} from '../../../app/scan/rate-limit';

/** The bucket a service without a rate of its own gets. */
const limitsFor = (service: string) =>
  new ScanRateLimits(DEFAULT_RATES).bucket('111111111111', service, 'eu-west-1');

/** A clock that moves only when told to; `sleep` records the wait and returns at once. */
function fakeClock(): Clock & { advance(ms: number): void; slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
    },
    advance: (ms) => {
      now += ms;
    },
    slept,
  };
}

describe('scan rate limits (app/scan/rate-limit.ts)', () => {
  it('lets a burst through, then spaces requests at the rate, first come first served', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ perSecond: 2, burst: 3 }, clock);
    const waits = await Promise.all(Array.from({ length: 6 }, () => bucket.take()));
    expect(waits).to.deep.equal([0, 0, 0, 500, 1000, 1500]);
    expect(clock.slept).to.deep.equal([500, 1000, 1500]);
  });

  it('refills at the rate, never above the burst', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket({ perSecond: 10, burst: 2 }, clock);
    await bucket.take();
    await bucket.take();
    clock.advance(60_000);
    expect(await Promise.all([bucket.take(), bucket.take(), bucket.take()])).to.deep.equal([0, 0, 100]);
  });

  it('keeps one bucket per account, service and region; IAM and Organizations per account', () => {
    const limits = new ScanRateLimits(DEFAULT_RATES, fakeClock());
    const ec2 = limits.bucket('111111111111', 'ec2', 'eu-west-1');
    expect(limits.bucket('111111111111', 'ec2', 'eu-west-1')).to.equal(ec2);
    expect(limits.bucket('111111111111', 'ec2', 'us-east-1')).to.not.equal(ec2);
    expect(limits.bucket('222222222222', 'ec2', 'eu-west-1')).to.not.equal(ec2);
    expect(limits.bucket('111111111111', 'iam', 'eu-west-1')).to.equal(
      limits.bucket('111111111111', 'iam', 'us-east-1'),
    );
    expect(ec2.rate).to.deep.equal(DEFAULT_RATES.ec2);
  });

  it('stays well under the limits AWS publishes (EC2: 20 requests/s refill, bucket of 100, for Describe*)', () => {
    expect(DEFAULT_RATES.ec2?.perSecond).to.be.at.most(20 / 2);
    expect(DEFAULT_RATES.ec2?.burst).to.be.at.most(100 / 2);
    for (const rate of Object.values(DEFAULT_RATES)) expect(rate.burst).to.be.at.least(1);
  });

  it('parses --max-rate and refuses what is not service=rate', () => {
    expect(parseRates('ec2=20, s3=100').ec2).to.deep.equal({ perSecond: 20, burst: 20 });
    expect(parseRates('config=0.5').config).to.deep.equal({ perSecond: 0.5, burst: 1 });
    expect(parseRates(undefined)).to.deep.equal(DEFAULT_RATES);
    expect(limitsFor('kinesis').rate).to.deep.equal(DEFAULT_RATE);
    for (const bad of ['ec2', 'ec2=0', 'ec2=-1', 'lambda=5', 'ec2=fast'])
      expect(() => parseRates(bad), bad).to.throw(/--max-rate .* is not service=requests-per-second/);
  });
});

describe('scan progress line (app/scan/progress.ts)', () => {
  it('counts accounts reached, account-regions done once each, resources, requests, throttles and failures', () => {
    const stats = { ...emptyStats(), requests: 1234, throttles: 7 };
    const progress = new ScanProgress(() => stats);
    progress.on({ type: 'accounts', accounts: 3 });
    expect(progress.line()).to.equal(
      '0/3 accounts · 0/0 account-regions · 0 resources · 1,234 requests · 7 throttled',
    );
    progress.on({
      type: 'account-ready',
      accountId: '111111111111',
      regions: ['us-east-1', 'eu-west-1'],
      skipped: [],
    });
    progress.on({ type: 'account-failed', accountId: '222222222222', message: 'AccessDenied', final: false });
    progress.on({
      type: 'region-done',
      accountId: '111111111111',
      region: 'us-east-1',
      evaluated: 40,
      failed: 2,
      retry: true,
    });
    progress.on({ type: 'retrying', accountRegions: 1, accounts: 1 });
    progress.on({
      type: 'region-done',
      accountId: '111111111111',
      region: 'us-east-1',
      evaluated: 2,
      failed: 0,
      retry: false,
    });
    progress.on({ type: 'account-failed', accountId: '222222222222', message: 'AccessDenied', final: true });
    expect(progress.line()).to.equal(
      '1/3 accounts · 1/2 account-regions · 42 resources · 1,234 requests · 7 throttled · 0 not evaluated, 1 accounts unreachable · retrying what failed',
    );
  });
});
