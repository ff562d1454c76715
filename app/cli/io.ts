import { existsSync, readFileSync } from 'node:fs';
import { RebaselineError, UsageError } from '../../shared/errors';

/** Exit status for bad input (unknown rule, unreadable JSON, invalid parameters). */
export const EXIT_USAGE = 2;

/**
 * Reads a JSON file; the error names the file and what is wrong with it.
 * @example
 * readJsonFile('event.json', 'Event'); // UsageError: Event file event.json does not exist.
 */
export function readJsonFile(path: string, what: string): unknown {
  if (!existsSync(path)) throw new UsageError(`${what} file ${path} does not exist.`);
  return parseJson(readFileSync(path, 'utf8'), `${what} file ${path}`);
}

/**
 * Parses JSON text; the error names what was being read and stays on one line.
 * @example
 * parseJson(options.params, '--params'); // UsageError: --params is not valid JSON: Unexpected token …
 */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    // V8 quotes the offending input in its message, newlines included; the CLI's error is one line.
    const reason = (cause as Error).message.replace(/\r?\n/g, '\\n');
    throw new UsageError(`${what} is not valid JSON: ${reason}.`, { cause });
  }
}

/**
 * An option that takes inline JSON (`'{"a":1}'`) or a path to a JSON file (`params.json` or `@params.json`).
 * @example
 * jsonOption('{"allowIcmp":"false"}', '--params'); // → { allowIcmp: 'false' }
 */
export function jsonOption(value: string | undefined, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  const v = value.trim();
  const parsed = v.startsWith('{') ? parseJson(v, what) : readJsonFile(v.replace(/^@/, ''), what);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError(`${what} must be a JSON object.`);
  return parsed as Record<string, unknown>;
}

/**
 * The exit code for a failure: 2 for rebaseline's own errors (bad input), 1 for anything unexpected.
 * @example
 * process.exitCode = exitCodeFor(new UsageError('Unknown rule x.')); // 2
 */
export function exitCodeFor(error: unknown): number {
  // An error that says its own status (a run with unfinished resources: 1; stopped by a signal: 128 + n) keeps it.
  const own = (error as { exitCode?: unknown } | undefined)?.exitCode;
  if (error instanceof RebaselineError && typeof own === 'number') return own;
  return error instanceof RebaselineError ? EXIT_USAGE : 1;
}
