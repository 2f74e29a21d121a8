/**
 * Shared state behind an interface: breaker and health state are plain serialisable objects that a
 * {@link StateStore} persists and (with a networked implementation) shares between gateway instances.
 * @packageDocumentation
 */
import type { Disposable } from '../core/event-emitter.js';

/** One write of a {@link StateStore.write} batch. */
export type StateWrite =
  /** Adds `by` to the counter `field` of the hash at `key`, and (re)sets the hash's time to live. */
  | {
      readonly op: 'incr';
      readonly key: string;
      readonly field: string;
      readonly by: number;
      readonly ttlMs: number;
    }
  /** Stores a JSON value (expiring after `ttlMs` when given). */
  | { readonly op: 'set'; readonly key: string; readonly value: unknown; readonly ttlMs?: number }
  /** Removes a key. */
  | { readonly op: 'delete'; readonly key: string };

/** Why a store became unavailable or available again. */
export interface StoreAvailability {
  readonly available: boolean;
  /** A short, secret-free description (`connection refused`, `connected`). */
  readonly reason: string;
}

/**
 * A small async key-value store for JSON-serialisable state, with what instances need to share it:
 * batched writes, counters, leases and a broadcast channel.
 *
 * Contract: values round-trip through JSON; `get` of a missing key resolves to `undefined`; a networked
 * store bounds every command by its own timeout and rejects (never hangs) when it cannot reach its
 * server. Keys are relative: an implementation may prefix them.
 */
export interface StateStore {
  /** The value stored under `key`, or `undefined`. */
  get<T>(key: string): Promise<T | undefined>;
  /** Stores a JSON-serialisable `value` under `key` (replacing any previous value). */
  set<T>(key: string, value: T, ttlMs?: number): Promise<void>;
  /** Removes `key` (no error if missing). */
  delete(key: string): Promise<void>;
  /** Applies several writes in one round trip (in order; not atomic). */
  write(batch: readonly StateWrite[]): Promise<void>;
  /** Every key starting with `prefix`, with its value (values that are not JSON are skipped). */
  entries(prefix: string): Promise<Array<[key: string, value: unknown]>>;
  /** The counter hashes at `keys` (a missing key reads as `{}`), in one round trip. */
  counters(keys: readonly string[]): Promise<Array<Record<string, number>>>;
  /**
   * Takes the lease `key` for `owner` for `ttlMs` when nobody holds it (SET NX PX).
   * @returns true when `owner` now holds it
   */
  acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Broadcasts a JSON message to every subscriber of every instance sharing this store (itself included). */
  publish(message: unknown): Promise<void>;
  /** Receives broadcast messages (parsed JSON; callers validate them). */
  subscribe(listener: (message: unknown) => void): Disposable;
  /** True while the store answers (always true for an in-process store). */
  readonly available: boolean;
  /** Called when the store becomes unavailable or available again. */
  onAvailability(listener: (change: StoreAvailability) => void): Disposable;
  /** Releases resources; later calls reject. */
  close(): Promise<void>;
}

/** Serialises a state value, naming the key when it cannot be. */
export function stateJson(key: string, value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`state value for key "${key}" is not JSON-serialisable: ${(error as Error).message}`);
  }
  if (text === undefined) throw new TypeError(`state value for key "${key}" is not JSON-serialisable`);
  return text;
}

/** Parses stored or received JSON; `undefined` when it is not JSON (hostile or corrupt input is dropped). */
export function parseStateJson(text: string | null | undefined): unknown {
  if (typeof text !== 'string') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Throws a clear error for an empty or non-string key. */
export function checkStateKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0)
    throw new TypeError('state key must be a non-empty string');
}
