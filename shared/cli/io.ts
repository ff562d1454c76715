import { existsSync, readFileSync } from 'node:fs';
import { RebaselineError, UsageError } from '../errors';

/** Exit status for bad input (unknown rule, unreadable JSON, invalid parameters). */
export const EXIT_USAGE = 2;

/** Reads a JSON file; the error names the file and what is wrong with it. */
export function readJsonFile(path: string, what: string): unknown {
  if (!existsSync(path)) throw new UsageError(`${what} file ${path} does not exist.`);
  return parseJson(readFileSync(path, 'utf8'), `${what} file ${path}`);
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new UsageError(`${what} is not valid JSON: ${(cause as Error).message}.`, { cause });
  }
}

/** An option that takes inline JSON (`'{"a":1}'`) or a path to a JSON file. */
export function jsonOption(value: string | undefined, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  const v = value.trim();
  const parsed = v.startsWith('{') ? parseJson(v, what) : readJsonFile(v.replace(/^@/, ''), what);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError(`${what} must be a JSON object.`);
  return parsed as Record<string, unknown>;
}

/** One line on stderr, then the exit code for the kind of failure. */
export function exitCodeFor(error: unknown): number {
  return error instanceof RebaselineError ? EXIT_USAGE : 1;
}
