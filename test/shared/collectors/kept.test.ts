import { expect } from 'chai';
import { KeptAnswers } from '../../../shared/collectors/kept';

const TTL = 300_000;
const lists = { ttlMs: TTL, complete: Array.isArray };

describe('shared/collectors/kept', () => {
  it('keeps an answer for its TTL, then forgets it', () => {
    let now = 1_000;
    const kept = new KeptAnswers(10, () => now);
    kept.set('a', ['10.0.0.0/8'], TTL);
    expect(kept.get('a')).to.deep.equal(['10.0.0.0/8']);
    now += TTL - 1;
    expect(kept.get('a')).to.deep.equal(['10.0.0.0/8']);
    now += 1;
    expect(kept.get('a')).to.equal(undefined);
    expect(kept.size).to.equal(0);
  });

  it('keeps at most its size, making room by dropping the oldest, and copies that nobody can change', () => {
    const kept = new KeptAnswers(2, () => 0);
    const entries = ['10.0.0.0/8'];
    kept.set('a', entries, TTL);
    kept.set('b', ['172.16.0.0/12'], TTL);
    kept.set('c', ['192.168.0.0/16'], TTL);
    entries.push('0.0.0.0/0');
    (kept.get('c') as string[]).push('0.0.0.0/0');
    expect([kept.get('a'), kept.get('b'), kept.get('c')]).to.deep.equal([
      undefined,
      ['172.16.0.0/12'],
      ['192.168.0.0/16'],
    ]);
  });

  it('through: reads once while fresh; never keeps an incomplete answer or a failure', async () => {
    const kept = new KeptAnswers(10, () => 0);
    let reads = 0;
    const read = (answer: string[] | undefined) => () => {
      reads++;
      return Promise.resolve(answer);
    };
    expect(await kept.through('a', lists, read(['10.0.0.0/8']))).to.deep.equal(['10.0.0.0/8']);
    expect(await kept.through('a', lists, read(['0.0.0.0/0']))).to.deep.equal(['10.0.0.0/8']);
    expect(await kept.through('b', lists, read(undefined))).to.equal(undefined);
    expect(await kept.through('b', lists, read(['0.0.0.0/0']))).to.deep.equal(['0.0.0.0/0']);
    const failed = await kept
      .through('c', lists, () => Promise.reject(new Error('Rate exceeded')))
      .catch((error: Error) => error.message);
    expect(failed).to.equal('Rate exceeded');
    expect(kept.get('c')).to.equal(undefined);
    expect(reads).to.equal(3);
  });
});
