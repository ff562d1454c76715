/** At most this many answers are kept (a container serving many accounts must not grow without bound). */
export const KEPT_ANSWERS_MAX = 1_000;

/**
 * A read whose complete answers a warm Lambda container may keep across invocations: how long, and which answers
 * are complete. An answer that says "could not be read" (a prefix list the role may not see: `undefined`) is never
 * kept, nor is a failed read, so a kept answer never makes something unreadable look read.
 */
export interface KeptRead {
  readonly ttlMs: number;
  readonly complete: (answer: unknown) => boolean;
}

/** A copy of a kept answer, so what one invocation does with it cannot change what the next one gets. */
const copyOf = <T>(answer: T): T => (Array.isArray(answer) ? answer.slice() : structuredClone(answer)) as T;

/**
 * Answers of the reads a reader part declares `keep` for, kept by a Lambda container across warm invocations
 * (shared/lambda/config-rule.ts gives one to each invocation's {@link LiveReader}). Keyed by account, region, read
 * and arguments; each answer for its read's TTL; the oldest makes room when full.
 * @example
 * const kept = new KeptAnswers();
 * kept.set('111122223333|us-east-1|prefixListCidrs:["pl-1"]', ['10.0.0.0/8'], 300_000);
 */
export class KeptAnswers {
  private readonly answers = new Map<string, { answer: unknown; until: number }>();

  constructor(
    private readonly maxEntries = KEPT_ANSWERS_MAX,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A copy of the answer kept for `key`, if it is younger than its TTL. */
  get(key: string): unknown {
    const kept = this.answers.get(key);
    if (!kept) return undefined;
    if (kept.until > this.clock()) return copyOf(kept.answer);
    this.answers.delete(key);
    return undefined;
  }

  /** Keeps a copy of a complete answer for `ttlMs`. */
  set(key: string, answer: unknown, ttlMs: number): void {
    this.answers.delete(key);
    if (this.answers.size >= this.maxEntries) {
      const oldest = this.answers.keys().next().value;
      if (oldest !== undefined) this.answers.delete(oldest);
    }
    this.answers.set(key, { answer: copyOf(answer), until: this.clock() + ttlMs });
  }

  /**
   * The answer kept for `key`, or `read()`'s, kept when `how` says it is complete (a failed read is never kept).
   * @example
   * await kept.through(key, PREFIX_LISTS_KEPT, () => ec2.prefixListCidrs('pl-1'));
   */
  through<T>(key: string, how: KeptRead, read: () => Promise<T>): Promise<T> {
    const known = this.get(key);
    if (known !== undefined) return Promise.resolve(known as T);
    return read().then((answer) => {
      if (how.complete(answer)) this.set(key, answer, how.ttlMs);
      return answer;
    });
  }

  get size(): number {
    return this.answers.size;
  }
}
