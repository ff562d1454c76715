import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURES = join(__dirname, '..', 'fixtures');
export const CORPUS = join(FIXTURES, 'corpus');

/** A fixture as parsed JSON, freshly parsed on every call so tests can mutate it. */
export function fixture<T = unknown>(relativePath: string): T {
  return JSON.parse(readFileSync(join(FIXTURES, relativePath), 'utf8')) as T;
}

export function fixtureText(relativePath: string): string {
  return readFileSync(join(FIXTURES, relativePath), 'utf8');
}

/** An API response recorded by boto3/placebo (`{status_code, data}`): the response body (or the error it recorded). */
export function recorded<T = Record<string, unknown>>(relativePath: string): T {
  const raw = fixture<{ status_code?: number; data?: T } & T>(join('corpus', relativePath));
  // Placebo recordings wrap the body in {status_code, data}; a few files are bare responses.
  return (raw.status_code !== undefined && raw.data !== undefined ? raw.data : raw) as T;
}

/** The recorded error of a placebo response, as the SDK v3 would raise it (`name` = error code). */
export function recordedError(relativePath: string): Error {
  const data = recorded<{ Error?: { Code: string; Message?: string } }>(relativePath);
  if (!data.Error) throw new Error(`${relativePath} records no error`);
  const error = new Error(data.Error.Message ?? data.Error.Code);
  error.name = data.Error.Code;
  return error;
}
