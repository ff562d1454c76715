import { HistoryStore, resolveDbPath } from '../history/store';

/** Runs `write` on the history store at `--db` (or the default), closing it whatever happens. */
export function withHistory<T>(db: string | undefined, write: (store: HistoryStore) => T): T {
  const store = HistoryStore.open(resolveDbPath(db));
  try {
    return write(store);
  } finally {
    store.close();
  }
}
