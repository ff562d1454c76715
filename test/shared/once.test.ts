import { expect } from 'chai';
import { onceResolved } from '../../shared/once';

describe('onceResolved (a load made once, a failure not remembered)', () => {
  it('loads once: later and concurrent calls get the first load, with its arguments', async () => {
    const calls: string[] = [];
    const load = onceResolved(async (who: string) => {
      calls.push(who);
      return `loaded by ${who}`;
    });
    const [a, b] = await Promise.all([load('first'), load('second')]);
    expect([a, b, await load('third')]).to.deep.equal([
      'loaded by first',
      'loaded by first',
      'loaded by first',
    ]);
    expect(calls).to.deep.equal(['first']);
  });

  it('does not keep a rejection: the next call loads again, and its value is kept', async () => {
    let attempts = 0;
    const load = onceResolved(async () => {
      attempts++;
      if (attempts === 1) throw new Error('throttled');
      return attempts;
    });
    await load().then(
      () => expect.fail('the first load should have been rejected'),
      (error: Error) => expect(error.message).to.equal('throttled'),
    );
    expect(await load()).to.equal(2);
    expect(await load()).to.equal(2);
    expect(attempts).to.equal(2);
  });
});
