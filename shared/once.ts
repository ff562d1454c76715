/**
 * `load`, made once: every call gets the promise of the first, and once it has resolved, its value for the life of
 * the process (a warm Lambda container). A rejection is not kept: the next call loads again, so a throttled lookup or
 * a module that failed to load is not remembered as a failure for the container's life. Calls made while a load is
 * pending share it; the arguments of the call that starts a load are the ones used.
 * @example
 * const configCalls = onceResolved(() => import('./config-history.js'));
 * await configCalls(); // loads the module on the first call only
 */
export function onceResolved<A extends unknown[], T>(
  load: (...args: A) => Promise<T>,
): (...args: A) => Promise<T> {
  let pending: Promise<T> | undefined;
  return (...args) =>
    (pending ??= load(...args).catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}
