import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HistoryStoreError } from '../../shared/errors';
import { HistoryStore, resolveDbPath } from '../history/store';

/** Where `rebaseline demo` writes its history unless told otherwise (relative to the working directory). */
export const DEMO_OUT_DIR = 'rebaseline-demo';

/**
 * Runs `write` on the history store at `--db` (or the default), closing it whatever happens (after the promise
 * settles when `write` is async).
 */
export function withHistory<T>(db: string | undefined, write: (store: HistoryStore) => T): T {
  const store = HistoryStore.open(resolveDbPath(db));
  let result: T;
  try {
    result = write(store);
  } catch (error) {
    store.close();
    throw error;
  }
  if (result instanceof Promise) return result.finally(() => store.close()) as T;
  store.close();
  return result;
}

/** A path as a person would type it from here: relative when it is under the working directory. */
export function displayPath(path: string, cwd = process.cwd()): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !rel.startsWith('/') ? rel : path;
}

/** The newest history database the demo wrote under `dir`, if any. */
export function latestDemoHistory(dir = join(process.cwd(), DEMO_OUT_DIR)): string | undefined {
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir)
    .filter((name) => /^history-.*\.db$/.test(name))
    .map((name) => join(dir, name))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs || (a < b ? 1 : -1))[0];
}

/**
 * Runs `read` on an existing history store, read-only: a read command never creates a database. A missing file is
 * an error that says where history comes from and, after a demo, the exact `--db` to use.
 * @example
 * readHistory(opts.db, (store) => buildReport(store));
 */
export function readHistory<T>(db: string | undefined, read: (store: HistoryStore) => T): T {
  const path = resolveDbPath(db);
  let store: HistoryStore;
  try {
    store = HistoryStore.openExisting(path);
  } catch (error) {
    if (!(error instanceof HistoryStoreError) || existsSync(path)) throw error;
    const demo = latestDemoHistory();
    const where = db ? `--db ${db}` : process.env.REBASELINE_DB ? 'REBASELINE_DB' : 'the default location';
    const hint = demo
      ? ` The latest demo history is ${displayPath(demo)}: add --db ${displayPath(demo)}.`
      : ' Run rebaseline scan (or rebaseline demo, which prints the database it wrote) first, or give --db <file>.';
    throw new HistoryStoreError(`No history database at ${path} (${where}).${hint}`, { cause: error });
  }
  try {
    return read(store);
  } finally {
    store.close();
  }
}
