import type { AwsClients } from '../aws/clients';
import { DeploymentConfigError } from '../errors';
import { onceResolved } from '../once';
import type { KeptRead } from './kept';
import type { EvaluationSnapshot, ReaderScope, ReadPart, ReadsByPart } from './reader';

/** How long `credentialReport()` waits for IAM to generate the report. */
export interface CredentialReportWait {
  attempts: number;
  delayMs: number;
}

/** What a part of the live reader reads with: the account's clients, its id, and the credential report wait. */
export interface LiveSession extends ReaderScope {
  readonly aws: AwsClients;
  readonly wait: CredentialReportWait;
}

/** How a part's reads are made with SDK clients, for one account and region (called once per live reader). */
export type LiveReads<N extends ReadPart> = (session: LiveSession) => ReadsByPart[N];

/**
 * One part of a reader: the reads of one AWS service (or one concern), how the {@link LiveReader} makes them with
 * SDK clients, and how the {@link SnapshotReader} answers them offline from the `--context` JSON. The live half is
 * a module of its own (`<part>.live.ts`, exporting `live`), loaded on a live reader's first read of the part and
 * kept: loading a rule (the offline evaluator, a Lambda whose invocation reads nothing) loads no SDK client.
 * `live` and `snapshot.open` are called once per reader; their reads are cached by the reader.
 */
export interface ReaderPart<N extends ReadPart = ReadPart> {
  readonly part: N;
  /** The live half's module (`() => import('./<part>.live')`); the same promise on every call once loaded. */
  readonly live: () => Promise<{ readonly live: LiveReads<N> }>;
  readonly snapshot: {
    /** The `--context` keys these reads answer from, each with what it holds (listed by `evaluate --help`). */
    readonly keys: Readonly<Record<string, string>>;
    readonly open: (snapshot: EvaluationSnapshot, where: ReaderScope) => ReadsByPart[N];
  };
  /**
   * Reads whose complete answers a warm Lambda container may keep across invocations, each with its TTL (a
   * {@link LiveReader} given a `KeptAnswers` serves them from it). Only what changes rarely and is safe to read a
   * few minutes late.
   */
  readonly keep?: { readonly [R in keyof ReadsByPart[N]]?: KeptRead };
}

/** Parts of a reader by name; a rule's `reads`. */
export type ReaderParts = { readonly [N in ReadPart]?: ReaderPart<N> };

const REGISTERED = new Map<string, ReaderPart>();
/** {@link registeredParts}' answer, made again when a part is defined (a reader is built per invocation). */
let registeredView: ReaderParts | undefined;

/**
 * Declares a part of a reader, once per part: in `shared/collectors/reads/<part>.ts` for parts several rules share,
 * or in the folder of a rule whose reads no shared part has (`rules/<id>/reads.ts`, a part named after the rule, as
 * the scaffold writes it). The module also adds the part's reads to {@link ReadsByPart} and its snapshot keys to
 * {@link EvaluationSnapshot} by declaration merging. Every part defined is registered, so a reader that may be asked
 * anything (the offline evaluator, the live reader's tests) takes {@link registeredParts}.
 * @throws DeploymentConfigError when two parts share a name, a snapshot key or a read ({@link checkNewPart}).
 * @example
 * export const s3ControlReads = defineReads('s3control', {
 *   live: () => import('./s3control.live'), // exports `live: LiveReads<'s3control'>`, the SDK calls
 *   snapshot: { keys: { accountPublicAccessBlock: '…' }, open: (snapshot) => ({ accountPublicAccessBlock: async () => … }) },
 * });
 */
export function defineReads<N extends ReadPart>(
  part: N,
  definition: Omit<ReaderPart<N>, 'part'>,
): ReaderPart<N> {
  const defined: ReaderPart<N> = {
    part,
    ...definition,
    // Loaded once per process (a warm Lambda keeps it); a failed load is tried again on the next read.
    live: onceResolved(definition.live),
  };
  checkNewPart(REGISTERED.values(), defined as unknown as ReaderPart);
  REGISTERED.set(part, defined as unknown as ReaderPart);
  registeredView = undefined;
  return defined;
}

/**
 * Checks that a part can join the parts defined before it: its name, its snapshot keys and its reads are its own
 * (a reader is one object holding every part's reads, and one snapshot holding every part's keys: a second
 * definition of either would silently replace the first).
 * @throws DeploymentConfigError naming both parts and what they share.
 * @example
 * checkNewPart(Object.values(registeredParts()), candidate); // throws if candidate reuses a name, key or read
 */
export function checkNewPart(defined: Iterable<ReaderPart>, part: ReaderPart): void {
  const reads = readNames(part);
  for (const other of defined) {
    if (other.part === part.part)
      throw new DeploymentConfigError(`Two reader parts are named ${part.part}: a part name must be unique.`);
    for (const key of Object.keys(part.snapshot.keys))
      if (Object.hasOwn(other.snapshot.keys, key))
        throw new DeploymentConfigError(
          `Reader parts ${other.part} and ${part.part} both answer from the snapshot key ${key}.`,
        );
    for (const read of readNames(other))
      if (reads.includes(read))
        throw new DeploymentConfigError(
          `Reader parts ${other.part} and ${part.part} both define the read ${read}.`,
        );
  }
}

/** Each part's read names, listed once: a live reader is made per invocation. */
const READ_NAMES = new WeakMap<ReaderPart, readonly string[]>();

/**
 * The names of a part's reads (what it adds to a reader), from its offline reads: opening them reads nothing.
 * @example
 * readNames(cloudtrailReads); // → ['describeTrails', 'trailStatus', 'eventSelectors']
 */
export function readNames(part: ReaderPart): readonly string[] {
  let names = READ_NAMES.get(part);
  if (!names) {
    names = Object.freeze(Object.keys(part.snapshot.open({}, { accountId: '', region: '' })));
    READ_NAMES.set(part, names);
  }
  return names;
}

/**
 * Every part defined by a module loaded so far: in a Lambda, its rule's; in the command line, every rule's.
 * @example
 * new SnapshotReader(snapshot, accountId, region, registeredParts());
 */
export function registeredParts(): ReaderParts {
  registeredView ??= Object.freeze(Object.fromEntries(REGISTERED)) as ReaderParts;
  return registeredView;
}

/**
 * The parts of several rules together (a scan's reader), each part once.
 * @example
 * const reader = new LiveReader(aws, accountId, partsOf(rules.map((r) => r.reads)));
 */
export function partsOf(reads: readonly ReaderParts[]): ReaderParts {
  return Object.assign({}, ...reads);
}
