/**
 * Shared state behind an interface: breaker and health state are plain serialisable objects that a
 * {@link StateStore} persists and (with a networked implementation) shares between gateway instances.
 * @packageDocumentation
 */

/**
 * A small async key-value store for JSON-serialisable state.
 *
 * The in-process {@link MemoryStateStore} is the default. A Redis implementation can come later for
 * several gateway instances sharing breaker/health state; it only has to honour this contract
 * (values round-trip through JSON; `get` of a missing key resolves to `undefined`).
 */
export interface StateStore {
  /** The value stored under `key`, or `undefined`. */
  get<T>(key: string): Promise<T | undefined>;
  /** Stores a JSON-serialisable `value` under `key` (replacing any previous value). */
  set<T>(key: string, value: T): Promise<void>;
  /** Removes `key` (no error if missing). */
  delete(key: string): Promise<void>;
  /** Releases resources; later calls reject. */
  close(): Promise<void>;
}
