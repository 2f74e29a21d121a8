/**
 * The Redis state store (ioredis), for several gateway instances sharing breaker, health, isolation,
 * flag and outcome-count state.
 *
 * Fail-fast by construction: every command has `commandTimeout`; while the connection is down nothing is
 * queued (commands reject at once) and the client reconnects in the background every
 * `reconnectDelayMs`. Availability changes are reported so the caller can fall back to local state,
 * alert, and resynchronise when Redis is back.
 * @packageDocumentation
 */
import { Redis } from 'ioredis';
import { type Disposable, EventEmitter } from '../core/event-emitter.js';
import {
  checkStateKey,
  parseStateJson,
  type StateStore,
  type StateWrite,
  type StoreAvailability,
  stateJson,
} from './state-store.js';

/** Options of {@link RedisStateStore}. */
export interface RedisStateStoreOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). The password is never logged or reported. */
  readonly url: string;
  /** Prefix of every key and of the channel (default `hive:`). */
  readonly keyPrefix?: string;
  /** Longest wait for one command (ms, default 250). */
  readonly commandTimeoutMs?: number;
  /** Delay between reconnection attempts (ms, default 500). */
  readonly reconnectDelayMs?: number;
  /** Connection name shown by `CLIENT LIST` (e.g. the instance id). */
  readonly name?: string;
}

/** The URL without its credentials, for messages. */
export function describeRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return '(invalid redis url)';
  }
}

/** Escapes glob characters for `SCAN MATCH`. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** {@link StateStore} on Redis. Construct, then `await ready()` if you want to wait for the first connection. */
export class RedisStateStore implements StateStore {
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly prefix: string;
  private readonly channel: string;
  private readonly messages = new EventEmitter<unknown>();
  private readonly availability = new EventEmitter<StoreAvailability>();
  private up = false;
  private cmdUp = false;
  private subUp = false;
  private closed = false;
  private lastError = 'not connected yet';

  constructor(options: RedisStateStoreOptions) {
    this.prefix = options.keyPrefix ?? 'hive:';
    this.channel = `${this.prefix}events`;
    const delay = options.reconnectDelayMs ?? 500;
    const base = {
      commandTimeout: options.commandTimeoutMs ?? 250,
      connectTimeout: Math.max(1000, (options.commandTimeoutMs ?? 250) * 4),
      retryStrategy: () => delay,
      maxRetriesPerRequest: 0,
      connectionName: options.name,
      lazyConnect: false,
    };
    const url = options.url;
    this.cmd = new Redis(url, { ...base, enableOfflineQueue: false });
    this.sub = new Redis(url, { ...base, enableOfflineQueue: true, autoResubscribe: false });
    const where = describeRedisUrl(url);
    // Messages from ioredis name the host and port, never the password; the URL is replaced anyway (it may
    // carry one) and the message kept short.
    const failure = (prefix: string, error: Error): string =>
      `${where}: ${prefix}${String(error.message).replaceAll(url, where).slice(0, 200)}`;
    for (const client of [this.cmd, this.sub]) {
      client.on('error', (error: Error) => {
        this.lastError = failure('', error);
      });
    }
    // Available only once commands can run AND the channel is subscribed: a message published before
    // that would be missed by this instance.
    this.cmd.on('ready', () => {
      this.cmdUp = true;
      this.update(`connected to ${where}`);
    });
    this.cmd.on('close', () => {
      this.cmdUp = false;
      this.update(this.lastError);
    });
    this.sub.on('ready', () => {
      this.sub.subscribe(this.channel).then(
        () => {
          this.subUp = true;
          this.update(`connected to ${where}`);
        },
        (error: Error) => {
          this.lastError = failure('subscribe failed: ', error);
        },
      );
    });
    this.sub.on('close', () => {
      this.subUp = false;
      this.update(this.lastError);
    });
    this.sub.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      const message = parseStateJson(text);
      if (message !== undefined) this.messages.emit(message);
    });
  }

  /** True while commands can run and the channel is subscribed. */
  get available(): boolean {
    return this.up;
  }

  /** Resolves once connected, or after `timeoutMs` (returns whether it is connected). */
  async ready(timeoutMs = 2000): Promise<boolean> {
    if (this.up) return true;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        sub.dispose();
        resolve(this.up);
      }, timeoutMs);
      const sub = this.availability.on((c) => {
        if (!c.available) return;
        clearTimeout(timer);
        sub.dispose();
        resolve(true);
      });
    });
  }

  async get<T>(key: string): Promise<T | undefined> {
    this.check(key);
    return parseStateJson(await this.cmd.get(this.prefix + key)) as T | undefined;
  }

  async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    this.check(key);
    const text = stateJson(key, value);
    if (ttlMs === undefined) await this.cmd.set(this.prefix + key, text);
    else await this.cmd.set(this.prefix + key, text, 'PX', Math.max(1, Math.round(ttlMs)));
  }

  async delete(key: string): Promise<void> {
    this.check(key);
    await this.cmd.del(this.prefix + key);
  }

  async write(batch: readonly StateWrite[]): Promise<void> {
    this.check('batch');
    if (batch.length === 0) return;
    const p = this.cmd.pipeline();
    // One PEXPIRE per counter hash (the batch's last time to live for it), after its increments.
    let expiries: Map<string, number> | undefined;
    for (const w of batch) {
      checkStateKey(w.key);
      const key = this.prefix + w.key;
      if (w.op === 'incr') {
        p.hincrby(key, w.field, Math.round(w.by));
        expiries ??= new Map();
        expiries.set(key, Math.max(1, Math.round(w.ttlMs)));
        continue;
      }
      const pending = expiries?.get(key);
      if (pending !== undefined) {
        // A set or delete of a counted key comes after its expiry, as the batch's order says.
        p.pexpire(key, pending);
        expiries?.delete(key);
      }
      if (w.op === 'set') {
        const text = stateJson(w.key, w.value);
        if (w.ttlMs === undefined) p.set(key, text);
        else p.set(key, text, 'PX', Math.max(1, Math.round(w.ttlMs)));
      } else p.del(key);
    }
    if (expiries) for (const [key, ttlMs] of expiries) p.pexpire(key, ttlMs);
    const results = await p.exec();
    const failed = results?.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
  }

  async entries(prefix: string): Promise<Array<[string, unknown]>> {
    this.check('entries');
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.cmd.scan(
        cursor,
        'MATCH',
        `${globEscape(this.prefix + prefix)}*`,
        'COUNT',
        200,
      );
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0' && keys.length < 100_000);
    if (keys.length === 0) return [];
    const out: Array<[string, unknown]> = [];
    for (let i = 0; i < keys.length; i += 500) {
      const slice = keys.slice(i, i + 500);
      const values = await this.cmd.mget(...slice);
      slice.forEach((key, j) => {
        const value = parseStateJson(values[j]);
        if (value !== undefined) out.push([key.slice(this.prefix.length), value]);
      });
    }
    return out;
  }

  async counters(keys: readonly string[]): Promise<Array<Record<string, number>>> {
    this.check('counters');
    if (keys.length === 0) return [];
    const p = this.cmd.pipeline();
    for (const key of keys) p.hgetall(this.prefix + key);
    const results = (await p.exec()) ?? [];
    return keys.map((_, i) => {
      const [error, raw] = results[i] ?? [null, {}];
      if (error) throw error;
      const out: Record<string, number> = {};
      for (const [field, value] of Object.entries((raw ?? {}) as Record<string, string>)) {
        const n = Number(value);
        if (Number.isFinite(n)) out[field] = n;
      }
      return out;
    });
  }

  async acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    this.check(key);
    const text = stateJson(key, owner);
    const ok = await this.cmd.set(this.prefix + key, text, 'PX', Math.max(1, Math.round(ttlMs)), 'NX');
    return ok === 'OK';
  }

  async publish(message: unknown): Promise<void> {
    this.check('publish');
    await this.cmd.publish(this.channel, stateJson('message', message));
  }

  subscribe(listener: (message: unknown) => void): Disposable {
    return this.messages.on(listener);
  }

  onAvailability(listener: (change: StoreAvailability) => void): Disposable {
    return this.availability.on(listener);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.up = false;
    // Nothing to flush: every write was already sent; disconnect without waiting on a dead server.
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  private update(reason: string): void {
    const up = this.cmdUp && this.subUp;
    if (this.closed || up === this.up) return;
    this.up = up;
    this.availability.emit({ available: up, reason });
  }

  private check(key: string): void {
    if (this.closed) throw new Error('state store is closed');
    checkStateKey(key);
  }
}
