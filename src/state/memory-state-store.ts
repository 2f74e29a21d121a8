/**
 * The default, in-process state store.
 * @packageDocumentation
 */
import type { StateStore } from './state-store.js';

/**
 * {@link StateStore} in a `Map`. Values are stored and returned as JSON copies, so neither the caller
 * that set a value nor one that read it can mutate the stored state, and semantics match a networked
 * store (`undefined` fields vanish, dates become strings).
 */
export class MemoryStateStore implements StateStore {
  private readonly values = new Map<string, string>();
  private closed = false;

  /** Number of keys stored. */
  get size(): number {
    return this.values.size;
  }

  async get<T>(key: string): Promise<T | undefined> {
    this.check(key);
    const text = this.values.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async set<T>(key: string, value: T): Promise<void> {
    this.check(key);
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      throw new TypeError(
        `state value for key "${key}" is not JSON-serialisable: ${(error as Error).message}`,
      );
    }
    if (text === undefined) throw new TypeError(`state value for key "${key}" is not JSON-serialisable`);
    this.values.set(key, text);
  }

  async delete(key: string): Promise<void> {
    this.check(key);
    this.values.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.values.clear();
  }

  private check(key: string): void {
    if (this.closed) throw new Error('state store is closed');
    if (typeof key !== 'string' || key.length === 0)
      throw new TypeError('state key must be a non-empty string');
  }
}
