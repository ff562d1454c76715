import pino, { type DestinationStream, type Level, type LevelWithSilent } from 'pino';

/** Access key ids: `AKIA…` (long-term, a root or IAM user's) and `ASIA…` (temporary). Never in a log line. */
const ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g;
/** A JSON string value holding an IAM credential report (or part of one, with its header). */
const CREDENTIAL_REPORT = /"(?:[^"\\]|\\.)*user_creation_time(?:[^"\\]|\\.)*"/g;

/** What a log line shows in place of an access key id. */
export const REDACTED_ACCESS_KEY_ID = '[access key id redacted]';
/** What a log line shows in place of credential report contents. */
export const REDACTED_CREDENTIAL_REPORT = '[credential report redacted]';

/** Keys whose values are secrets, at the top level or one level down (`credentials.secretAccessKey`). */
const SECRET_KEYS = [
  'secretAccessKey',
  'SecretAccessKey',
  'sessionToken',
  'SessionToken',
  'externalId',
  'ExternalId',
  'credentials',
  'Credentials',
];

/**
 * The last guard before a line is written: access key ids and credential report contents are replaced, whatever
 * logged them and at whatever level. Code must not log them in the first place (the test suite fails on a line that
 * shows one of these markers); this keeps a mistake out of CloudWatch Logs.
 * @example
 * scrubLogLine('{"msg":"key AKIAIOSFODNN7EXAMPLE"}'); // → '{"msg":"key [access key id redacted]"}'
 */
export function scrubLogLine(line: string): string {
  // The plain substring tests first: most lines hold neither, and the report pattern rescans the line at every quote.
  const scrubbed = line.includes('user_creation_time')
    ? line.replace(CREDENTIAL_REPORT, `"${REDACTED_CREDENTIAL_REPORT}"`)
    : line;
  return scrubbed.includes('AKIA') || scrubbed.includes('ASIA')
    ? scrubbed.replace(ACCESS_KEY_ID, REDACTED_ACCESS_KEY_ID)
    : scrubbed;
}

const SECRET = new Set(SECRET_KEYS);
const CENSORED = '[redacted]';

/** `value` with its secret keys censored (a copy, the same prototype kept: an error stays an error); else itself. */
function censorKeys<T extends object>(value: T): T {
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value))
    if (SECRET.has(key)) {
      copy ??= Object.create(Object.getPrototypeOf(value), Object.getOwnPropertyDescriptors(value)) as Record<
        string,
        unknown
      >;
      copy[key] = CENSORED;
    }
  return (copy as T | undefined) ?? value;
}

/**
 * The object of a line (or a child's bindings) with the value of every secret key, at the top level or one level
 * down (`credentials.secretAccessKey`), censored. Written by hand: pino's `redact` with `*.key` paths cost 15 µs a
 * line (a rule Lambda logs one per invocation), this a few hundred nanoseconds when there is nothing to censor.
 */
export function censorSecrets(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(obj)) {
    const value = obj[key];
    const censored = SECRET.has(key)
      ? CENSORED
      : typeof value === 'object' && value !== null && !Array.isArray(value)
        ? censorKeys(value)
        : value;
    if (censored === value) continue;
    out ??= { ...obj };
    out[key] = censored;
  }
  return out ?? obj;
}

const level = (process.env.LOG_LEVEL ?? 'info') as LevelWithSilent;

/** Where lines go: stderr at `LOG_LEVEL`, plus any {@link addLogDestination} adds. */
const destinations = pino.multistream([
  { level: level as Level, stream: pino.destination({ fd: 2, sync: true }) },
]);

/**
 * The one structured JSON logger. It writes to stderr so that a CLI's stdout stays machine-readable; Lambda
 * sends stderr to CloudWatch Logs like stdout. Level from `LOG_LEVEL` (default `info`). Secret keys are censored
 * ({@link censorSecrets}) and every line goes through {@link scrubLogLine}.
 */
export const logger = pino(
  {
    level,
    base: { service: 'rebaseline' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }), log: censorSecrets, bindings: censorSecrets },
    hooks: { streamWrite: scrubLogLine },
  },
  destinations,
);

/**
 * Sends every line at `level` and above to `stream` as well (the logger's level is lowered to it; stderr keeps
 * `LOG_LEVEL`). The test suite uses it to read every line the suite logs, at trace level.
 * @returns a function that removes the destination and restores the level.
 * @example
 * const lines: string[] = [];
 * const stop = addLogDestination({ write: (line) => lines.push(line) }, 'trace');
 */
export function addLogDestination(stream: DestinationStream, atLevel: Level = 'trace'): () => void {
  const previous = logger.level;
  destinations.add({ level: atLevel, stream });
  // pino's multistream numbers its destinations (its typings omit the number): remove takes it.
  const entry = destinations.streams.find((s) => s.stream === stream) as { id?: number } | undefined;
  const id = entry?.id ?? -1;
  if (pino.levels.values[atLevel]! < logger.levelVal) logger.level = atLevel;
  return () => {
    destinations.remove(id);
    logger.level = previous;
  };
}
