import type { AwsClients } from '../aws/clients';
import { awsErrorName, ReaderPartMissingError } from '../errors';
import type { KeptAnswers, KeptRead } from './kept';
import { type CredentialReportWait, type ReaderPart, type ReaderParts, readNames, registeredParts } from './parts';
import type { Reader } from './reader';

export type { CredentialReportWait, LiveSession } from './parts';

/**
 * The answer of `read`, or `null` when the API says the thing is not configured (one of the `missing` error names).
 * @example
 * await orNull(s3.send(new GetBucketPolicyCommand({ Bucket })), ['NoSuchBucketPolicy']); // → null without a policy
 */
export async function orNull<T>(read: Promise<T>, missing: readonly string[]): Promise<T | null> {
  try {
    return await read;
  } catch (error) {
    if (missing.includes(awsErrorName(error) ?? '')) return null;
    throw error;
  }
}

type AnyRead = (...args: unknown[]) => Promise<unknown>;

/** The names of each part's reads, listed once per part (a reader is built per invocation). */
const READ_NAMES = new WeakMap<ReaderPart, readonly string[]>();
function readNamesOf(part: ReaderPart): readonly string[] {
  let names = READ_NAMES.get(part);
  if (!names) {
    names = readNames(part);
    READ_NAMES.set(part, names);
  }
  return names;
}

/** The key a read's answer is cached under: the read and its arguments. */
function cacheKey(read: string, args: readonly unknown[]): string {
  return `${read}:${JSON.stringify(args)}`;
}

/**
 * Reads an account through SDK clients. One instance serves one invocation (or one scan): every answer is cached
 * here, so a value needed by several resources (account-level BPA, a prefix list) is read once. Its reads are those
 * of the parts it is built with (a rule's `reads`; several rules' with `partsOf`); a read of another registered part
 * fails with {@link ReaderPartMissingError} and sends nothing. Given `kept` (a warm Lambda container's), the reads a
 * part declares `keep` for are answered from it while their answers are fresh, and their complete answers kept.
 * @example
 * const reader = new LiveReader(aws, '123456789012', { ec2: ec2Reads });
 * await reader.describeSecurityGroups(['sg-0123456789abcdef0']);
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the constructor attaches the reads the interface below names.
export class LiveReader {
  readonly region: string;

  constructor(
    aws: AwsClients,
    readonly accountId: string,
    parts: ReaderParts,
    wait: CredentialReportWait = { attempts: 15, delayMs: 2000 },
    kept?: KeptAnswers,
  ) {
    this.region = aws.region;
    const memo = new Map<string, Promise<unknown>>();
    const session = { aws, accountId, region: aws.region, wait };
    const target = this as unknown as Record<string, AnyRead>;
    // Reads of the other registered parts fail loudly; their names are listed without opening those parts.
    for (const [name, part] of Object.entries(registeredParts()))
      if (part && !(name in parts))
        for (const read of readNamesOf(part))
          target[read] ??= () => Promise.reject(new ReaderPartMissingError(read, name));
    for (const part of Object.values(parts)) {
      if (!part) continue;
      const reads = part.live(session) as unknown as Record<string, AnyRead>;
      const keep = part.keep as Record<string, KeptRead | undefined> | undefined;
      for (const [read, call] of Object.entries(reads)) {
        const how = kept && keep?.[read];
        target[read] = (...args) => {
          const key = cacheKey(read, args);
          let answer = memo.get(key);
          if (!answer) {
            answer = how
              ? kept.through(`${accountId}|${aws.region}|${key}`, how, () => call(...args))
              : call(...args);
            memo.set(key, answer);
          }
          return answer;
        };
      }
    }
  }
}

// The reads are attached per instance from its parts; the type says what a reader of every part offers.
export interface LiveReader extends Reader {}
