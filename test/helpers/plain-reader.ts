import { expect } from 'chai';
import fc from 'fast-check';
import { apply, kindsFor, paths } from '../fuzz/mutate';

/**
 * One of the seeds with one of its places mutated as the fuzzer mutates them (deleted, nulled, retyped, given JSON
 * text or other strings), the seed itself when it has no place.
 * @example
 * fc.assert(fc.property(singleMutations(seeds), agreesWithStrict(plainly, strictly)), { numRuns: 5_000 });
 */
export function singleMutations(seeds: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.tuple(fc.nat(seeds.length - 1), fc.nat(), fc.nat(), fc.nat()).map(([s, p, k, pick]) => {
    const seed = seeds[s];
    const places = paths(seed);
    const place = places[p % places.length];
    if (!place) return seed;
    const kinds = kindsFor(place.value, place.inArray);
    return apply(seed, { path: place.path, kind: kinds[k % kinds.length] ?? 'null', pick });
  });
}

/**
 * What a plain (fast-path) reader must hold against the strict reader it stands in for: where the plain one gives a
 * model, the strict one gives the same model and no error (the plain one may always leave an item to the strict one).
 * @example
 * fc.property(items, agreesWithStrict(plainly, strictly))
 */
export function agreesWithStrict<M>(
  plainly: (raw: unknown) => M | undefined,
  strictly: (raw: unknown) => { model?: M; error?: unknown },
): (raw: unknown) => void {
  return (raw) => {
    const model = plainly(raw);
    if (model === undefined) return;
    const strict = strictly(raw);
    expect(strict.error, JSON.stringify(raw).slice(0, 300)).to.equal(undefined);
    expect(model).to.deep.equal(strict.model);
  };
}
