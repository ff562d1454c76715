import { expect } from 'chai';
import fc from 'fast-check';
import {
  describeCover,
  endingPrefixLength,
  isCidr,
  isWorldCidr,
  parseCidr,
  plainCidrPrefix,
  worldCover,
} from '../../../shared/models/cidr';

/** Text that is, or nearly is, a CIDR: real addresses with any prefix, and strings of CIDR characters. */
const cidrLike = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: -1, max: 40 })).map(([a, p]) => `${a}/${p}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: -1, max: 140 })).map(([a, p]) => `${a}/${p}`),
  fc.tuple(fc.ipV4Extended(), fc.integer({ min: 0, max: 33 })).map(([a, p]) => `${a}/${p}`),
  fc
    .array(fc.constantFrom(...'0123456789abcdefABCDEF:./ x'.split('')), { maxLength: 45 })
    .map((chars) => chars.join('')),
);

const sources = (...cidrs: string[]) =>
  cidrs.map((text) => {
    const cidr = parseCidr(text, { bareAddress: true });
    if (!cidr) throw new Error(`not a CIDR: ${text}`);
    return { cidr };
  });
const covered = (...cidrs: string[]) => worldCover(sources(...cidrs)).map((c) => c.family);

describe('CIDR arithmetic', () => {
  describe('parseCidr', () => {
    for (const [text, family, prefix, network] of [
      ['10.0.0.0/8', 4, 8, 10n << 24n],
      ['10.1.2.3/8', 4, 8, 10n << 24n],
      [' 0.0.0.0/0 ', 4, 0, 0n],
      ['::/0', 6, 0, 0n],
      ['0:0:0:0:0:0:0:0/0', 6, 0, 0n],
      ['2001:db8::/32', 6, 32, 0x20010db8n << 96n],
      ['::ffff:10.0.0.0/104', 6, 104, (0xffffn << 32n) | (10n << 24n)],
      ['8000::/1', 6, 1, 1n << 127n],
    ] as const)
      it(`${text} → IPv${family} /${prefix}`, () => {
        expect(parseCidr(text)).to.deep.include({ family, prefix, network });
      });
    for (const bad of [
      '10.0.0.0',
      '256.0.0.0/8',
      '10.0.0.0/33',
      '::/129',
      '1::2::3/64',
      'garbage/0',
      '10.0.0/8',
      '',
      '/0',
      '10.0.0.0/-1',
      'fe80::1%eth0/64',
    ])
      it(`refuses ${JSON.stringify(bad)}`, () => expect(parseCidr(bad)).to.equal(undefined));
    it('an address alone is its /32 or /128 when asked (aws:SourceIp)', () => {
      expect(parseCidr('203.0.113.7', { bareAddress: true })).to.deep.include({ prefix: 32 });
      expect(parseCidr('2001:db8::1', { bareAddress: true })).to.deep.include({ prefix: 128 });
    });
  });

  it('isWorldCidr: prefix 0 in any spelling, nothing else', () => {
    for (const world of ['0.0.0.0/0', '10.0.0.0/0', '::/0', '0::/0', '0:0:0:0:0:0:0:0/0', '::/00'])
      expect(isWorldCidr(world), world).to.equal(true);
    for (const not of ['0.0.0.0/1', '10.0.0.0/8', 'abc/0', '::/1', '0.0.0.0'])
      expect(isWorldCidr(not), not).to.equal(false);
  });

  describe('worldCover', () => {
    it('halves, quarters, overlaps and duplicates that cover a family', () => {
      expect(covered('0.0.0.0/1', '128.0.0.0/1')).to.deep.equal([4]);
      expect(covered('0.0.0.0/2', '64.0.0.0/2', '128.0.0.0/2', '192.0.0.0/2')).to.deep.equal([4]);
      expect(covered('0.0.0.0/1', '10.0.0.0/8', '128.0.0.0/1', '128.0.0.0/1')).to.deep.equal([4]);
      expect(covered('::/1', '8000::/1', '10.0.0.0/8')).to.deep.equal([6]);
      expect(covered('0.0.0.0/0', '::/0')).to.deep.equal([4, 6]);
    });
    it('sets with a hole, or of the other family, do not', () => {
      expect(covered('0.0.0.0/1', '128.0.0.0/2')).to.deep.equal([]);
      expect(covered('0.0.0.0/1', '128.0.0.0/2', '192.0.0.0/3', '224.0.0.0/4', '240.0.0.0/5')).to.deep.equal(
        [],
      );
      expect(covered('0.0.0.0/1', '::/1')).to.deep.equal([]);
      expect(covered()).to.deep.equal([]);
    });
    it('the cover is the largest blocks, disjoint, in address order', () => {
      const [cover] = worldCover(sources('128.0.0.0/1', '10.0.0.0/8', '0.0.0.0/1'));
      expect(cover?.blocks.map((b) => b.cidr.text)).to.deep.equal(['0.0.0.0/1', '128.0.0.0/1']);
    });
    it('many small blocks that add up to the whole space', () => {
      const all = Array.from({ length: 256 }, (_, i) => `${i}.0.0.0/8`);
      expect(covered(...all)).to.deep.equal([4]);
      expect(covered(...all.slice(1))).to.deep.equal([]);
    });
  });

  it('describeCover names what was found', () => {
    expect(describeCover(4, ['0.0.0.0/0'])).to.equal('0.0.0.0/0');
    expect(describeCover(4, ['0.0.0.0/1', '128.0.0.0/1'])).to.equal('0.0.0.0/1 + 128.0.0.0/1 (all of IPv4)');
    expect(describeCover(6, ['::/2', '4000::/2', '8000::/2', 'c000::/2'])).to.equal(
      '::/2 + 4000::/2 + 8000::/2 + 1 more (all of IPv6)',
    );
  });
});

describe('CIDR arithmetic, the plain readers', () => {
  it('plainCidrPrefix accepts only what parseCidr reads as a CIDR of that family, with the same prefix', () => {
    fc.assert(
      fc.property(cidrLike, (text) => {
        for (const family of [4, 6] as const) {
          const plain = plainCidrPrefix(text, family);
          if (plain < 0) continue;
          const parsed = parseCidr(text);
          expect(parsed?.family, text).to.equal(family);
          expect(parsed?.prefix, text).to.equal(plain);
        }
      }),
      { numRuns: 20_000, seed: 12 },
    );
  });

  it('plainCidrPrefix reads the forms AWS writes, and leaves the others to parseCidr', () => {
    for (const [text, family, prefix] of [
      ['10.0.0.0/8', 4, 8],
      ['0.0.0.0/0', 4, 0],
      ['203.0.113.7/32', 4, 32],
      ['::/0', 6, 0],
      ['0:0:0:0:0:0:0:0/0', 6, 0],
      ['2001:db8::/32', 6, 32],
      ['fd00:1234::/64', 6, 64],
      ['1::/64', 6, 64],
      ['::1/128', 6, 128],
    ] as const)
      expect(plainCidrPrefix(text, family), text).to.equal(prefix);
    for (const text of [' 10.0.0.0/8', '::ffff:10.0.0.0/104', '10.0.0.0/8 ', '10.0.0.0', '1:::2/64'])
      expect(plainCidrPrefix(text, text.includes(':') ? 6 : 4), text).to.equal(-1);
  });

  it('isCidr and isWorldCidr agree with parseCidr on any text', () => {
    fc.assert(
      fc.property(cidrLike, (text) => {
        expect(isCidr(text), text).to.equal(parseCidr(text) !== undefined);
        expect(isWorldCidr(text), text).to.equal(parseCidr(text)?.prefix === 0);
      }),
      { numRuns: 20_000, seed: 13 },
    );
  });

  it('endingPrefixLength reads the slash and 1-3 digits a text ends with, nothing else', () => {
    expect(endingPrefixLength('10.0.0.0/8')).to.equal(8);
    expect(endingPrefixLength('::/0')).to.equal(0);
    expect(endingPrefixLength('2001:db8::/128')).to.equal(128);
    for (const text of ['10.0.0.0', '10.0.0.0/', '10.0.0.0/8 ', '10.0.0.0/1000', '/x', ''])
      expect(endingPrefixLength(text), text).to.equal(-1);
  });
});
