/**
 * The default, in-process state store.
 * @packageDocumentation
 */
import { type Clock, systemClock } from '../core/clock.js';
import { type Disposable, EventEmitter } from '../core/event-emitter.js';
import {
  checkStateKey,
  parseStateJson,
  type StateStore,
  type StateWrite,
  type StoreAvailability,
  stateJson,
} from './state-store.js';

interface Entry {
  text: string;
  /** Clock `now()` after which the entry is gone; Infinity for no expiry. */
  expiresAt: number;
}

/**
 * {@link StateStore} in a `Map`. Values are stored and returned as JSON copies, so neither the caller
 * that set a value nor one that read it can mutate the stored state, and semantics match a networked
 * store (`undefined` fields vanish, dates become strings). Messages go to this store's own subscribers
 * (asynchronously, as JSON copies): gateways sharing one instance in one process see each other.
 */
export class MemoryStateStore implements StateStore {
  private readonly values = new Map<string, Entry>();
  private readonly counts = new Map<string, { fields: Map<string, number>; expiresAt: number }>();
  private readonly messages = new EventEmitter<unknown>();
  private readonly clock: Clock;
  private closed = false;

  /** @param options.clock - time source for expiry (default: the system clock) */
  constructor(options: { clock?: Clock } = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /** Number of keys stored (unexpired values and counter hashes). */
  get size(): number {
    this.sweep();
    return this.values.size + this.counts.size;
  }

  readonly available = true;

  async get<T>(key: string): Promise<T | undefined> {
    this.check(key);
    const entry = this.live(key);
    return entry === undefined ? undefined : (JSON.parse(entry.text) as T);
  }

  async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    this.check(key);
    this.put(key, stateJson(key, value), ttlMs);
  }

  async delete(key: string): Promise<void> {
    this.check(key);
    this.values.delete(key);
    this.counts.delete(key);
  }

  async write(batch: readonly StateWrite[]): Promise<void> {
    this.check('batch');
    for (const w of batch) checkStateKey(w.key);
    const texts = batch.map((w) => (w.op === 'set' ? stateJson(w.key, w.value) : ''));
    batch.forEach((w, i) => {
      if (w.op === 'set') this.put(w.key, texts[i]!, w.ttlMs);
      else if (w.op === 'delete') {
        this.values.delete(w.key);
        this.counts.delete(w.key);
      } else {
        const now = this.clock.now();
        let hash = this.counts.get(w.key);
        if (!hash || hash.expiresAt <= now) {
          hash = { fields: new Map(), expiresAt: Number.POSITIVE_INFINITY };
          this.counts.set(w.key, hash);
        }
        hash.fields.set(w.field, (hash.fields.get(w.field) ?? 0) + w.by);
        hash.expiresAt = now + w.ttlMs;
      }
    });
  }

  async entries(prefix: string): Promise<Array<[string, unknown]>> {
    this.check('entries');
    this.sweep();
    const out: Array<[string, unknown]> = [];
    for (const [key, entry] of this.values) {
      if (!key.startsWith(prefix)) continue;
      const value = parseStateJson(entry.text);
      if (value !== undefined) out.push([key, value]);
    }
    return out;
  }

  async counters(keys: readonly string[]): Promise<Array<Record<string, number>>> {
    this.check('counters');
    const now = this.clock.now();
    return keys.map((key) => {
      const hash = this.counts.get(key);
      if (!hash || hash.expiresAt <= now) return {};
      return Object.fromEntries(hash.fields);
    });
  }

  async acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    this.check(key);
    if (this.live(key)) return false;
    this.put(key, stateJson(key, owner), ttlMs);
    return true;
  }

  async publish(message: unknown): Promise<void> {
    this.check('publish');
    const text = stateJson('message', message);
    queueMicrotask(() => {
      if (!this.closed) this.messages.emit(JSON.parse(text) as unknown);
    });
  }

  subscribe(listener: (message: unknown) => void): Disposable {
    return this.messages.on(listener);
  }

  onAvailability(_listener: (change: StoreAvailability) => void): Disposable {
    return { dispose() {} };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.values.clear();
    this.counts.clear();
  }

  private put(key: string, text: string, ttlMs: number | undefined): void {
    const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : this.clock.now() + Math.max(1, ttlMs);
    this.values.set(key, { text, expiresAt });
  }

  private live(key: string): Entry | undefined {
    const entry = this.values.get(key);
    if (entry && entry.expiresAt <= this.clock.now()) {
      this.values.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [key, entry] of this.values) if (entry.expiresAt <= now) this.values.delete(key);
    for (const [key, hash] of this.counts) if (hash.expiresAt <= now) this.counts.delete(key);
  }

  private check(key: string): void {
    if (this.closed) throw new Error('state store is closed');
    checkStateKey(key);
  }
}
