import { InsufficientDataError, UsageError } from '../errors';
import { type ReaderParts, registeredParts } from './parts';
import type { EvaluationSnapshot, Reader } from './reader';

export type { EvaluationSnapshot } from './reader';

/** The snapshot key every reader accepts besides its parts'. */
const NOW_KEY = { now: 'the evaluation time (ISO 8601; default: the event time, else now)' };

/**
 * Every key an {@link EvaluationSnapshot} may hold for the given parts, with what it holds (the CLI's
 * `evaluate --help` lists them).
 * @example
 * snapshotKeys(rule.reads); // → { trails: 'DescribeTrails trailList', …, now: '…' }
 */
export function snapshotKeys(parts: ReaderParts = registeredParts()): Record<string, string> {
  return Object.assign({}, ...Object.values(parts).map((p) => p?.snapshot.keys ?? {}), NOW_KEY);
}

/**
 * The value of a snapshot key, which a read needs: absent is unknown, never empty.
 * @throws InsufficientDataError naming the key the evaluation context lacks.
 * @example
 * need(snapshot.trails, 'trails', 'CloudTrail');
 */
export function need<T>(value: T | undefined, key: string, what: string): T {
  if (value === undefined)
    throw new InsufficientDataError(
      `Offline evaluation of ${what} needs "${key}" in the evaluation context (--context).`,
    );
  return value;
}

/**
 * A {@link Reader} that answers from a JSON snapshot: no AWS calls. Its reads are those of the parts it is built
 * with (default: every part registered, for the command line's offline evaluation of any rule).
 * @throws UsageError for a snapshot key no part answers from.
 * @example
 * await new SnapshotReader({ trails: [] }, '123456789012', 'us-east-1').describeTrails(); // → []
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the constructor attaches the reads the interface below names.
export class SnapshotReader {
  constructor(
    snapshot: EvaluationSnapshot,
    readonly accountId: string,
    readonly region: string,
    parts: ReaderParts = registeredParts(),
  ) {
    const known = snapshotKeys(parts);
    for (const key of Object.keys(snapshot))
      if (!Object.hasOwn(known, key))
        throw new UsageError(
          `Unknown evaluation context key "${key}"; known keys: ${Object.keys(known).sort().join(', ')}.`,
        );
    const target = this as unknown as Record<string, unknown>;
    for (const part of Object.values(parts))
      if (part) Object.assign(target, part.snapshot.open(snapshot, { accountId, region }));
  }
}

// The reads are attached per instance from its parts; the type says what a reader of every part offers.
export interface SnapshotReader extends Reader {}
