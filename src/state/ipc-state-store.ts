/**
 * A {@link StateStore} for the workers of `serve --workers N` when no Redis is configured: the primary
 * process keeps one in-process store and each worker reaches it over the cluster IPC channel. Every
 * request has the same short timeout as a Redis command; messages a worker publishes reach every worker.
 * @packageDocumentation
 */
import { type Disposable, EventEmitter } from '../core/event-emitter.js';
import type { MemoryStateStore } from './memory-state-store.js';
import { checkStateKey, type StateStore, type StateWrite, type StoreAvailability } from './state-store.js';

/** An IPC endpoint: a worker's `process`, or the primary's handle on one worker. */
export interface IpcEndpoint {
  send(message: unknown): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

type Op = 'get' | 'set' | 'delete' | 'write' | 'entries' | 'counters' | 'acquireLease' | 'publish';
interface Request {
  readonly hive: 'state';
  readonly id: number;
  readonly op: Op;
  readonly args: unknown[];
}
interface Reply {
  readonly hive: 'state-reply';
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: string;
}
interface Broadcast {
  readonly hive: 'state-msg';
  readonly message: unknown;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The worker side. */
export class IpcStateStore implements StateStore {
  private readonly pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }
  >();
  private readonly messages = new EventEmitter<unknown>();
  private readonly listener = (raw: unknown): void => this.receive(raw);
  private seq = 0;
  private closed = false;
  readonly available = true;

  /** @param timeoutMs - longest wait for the primary's answer */
  constructor(
    private readonly endpoint: IpcEndpoint,
    private readonly timeoutMs = 250,
  ) {
    endpoint.on('message', this.listener);
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.call('get', key) as Promise<T | undefined>;
  }
  async set<T>(key: string, value: T, ttlMs?: number): Promise<void> {
    await this.call('set', key, value, ttlMs);
  }
  async delete(key: string): Promise<void> {
    await this.call('delete', key);
  }
  async write(batch: readonly StateWrite[]): Promise<void> {
    await this.call('write', batch);
  }
  entries(prefix: string): Promise<Array<[string, unknown]>> {
    return this.call('entries', prefix) as Promise<Array<[string, unknown]>>;
  }
  counters(keys: readonly string[]): Promise<Array<Record<string, number>>> {
    return this.call('counters', keys) as Promise<Array<Record<string, number>>>;
  }
  async acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.call('acquireLease', key, owner, ttlMs)) === true;
  }
  async publish(message: unknown): Promise<void> {
    await this.call('publish', message);
  }
  subscribe(listener: (message: unknown) => void): Disposable {
    return this.messages.on(listener);
  }
  onAvailability(_listener: (change: StoreAvailability) => void): Disposable {
    return { dispose() {} };
  }
  async close(): Promise<void> {
    this.closed = true;
    this.endpoint.off('message', this.listener);
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('state store is closed'));
    }
    this.pending.clear();
  }

  private call(op: Op, ...args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new Error('state store is closed'));
    if (op !== 'write' && op !== 'counters' && op !== 'publish' && op !== 'entries') checkStateKey(args[0]);
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`state request "${op}" got no answer from the primary within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      const request: Request = { hive: 'state', id, op, args };
      this.endpoint.send(request);
    });
  }

  private receive(raw: unknown): void {
    if (!isObject(raw)) return;
    if (raw.hive === 'state-msg') {
      this.messages.emit((raw as unknown as Broadcast).message);
      return;
    }
    if (raw.hive !== 'state-reply' || typeof raw.id !== 'number') return;
    const reply = raw as unknown as Reply;
    const p = this.pending.get(reply.id);
    if (!p) return;
    this.pending.delete(reply.id);
    clearTimeout(p.timer);
    if (reply.ok) p.resolve(reply.value);
    else p.reject(new Error(reply.error ?? 'state request failed'));
  }
}

/**
 * The primary side: answers one worker's requests from `store`, and sends what any worker publishes to
 * every endpoint `broadcast` returns. Returns a handle that stops listening.
 */
export function serveStateOverIpc(
  store: MemoryStateStore,
  worker: IpcEndpoint,
  broadcast: () => Iterable<IpcEndpoint>,
): Disposable {
  const listener = (raw: unknown): void => {
    if (!isObject(raw) || raw.hive !== 'state' || typeof raw.id !== 'number' || !Array.isArray(raw.args))
      return;
    const { id, op, args } = raw as unknown as Request;
    const answer = (value: Promise<unknown>) =>
      value.then(
        (v) => worker.send({ hive: 'state-reply', id, ok: true, value: v } satisfies Reply),
        (e: Error) =>
          worker.send({ hive: 'state-reply', id, ok: false, error: String(e?.message ?? e) } satisfies Reply),
      );
    const a = args as [never, never, never];
    switch (op) {
      case 'get':
        return void answer(store.get(a[0]));
      case 'set':
        return void answer(store.set(a[0], a[1], a[2]));
      case 'delete':
        return void answer(store.delete(a[0]));
      case 'write':
        return void answer(store.write(a[0]));
      case 'entries':
        return void answer(store.entries(a[0]));
      case 'counters':
        return void answer(store.counters(a[0]));
      case 'acquireLease':
        return void answer(store.acquireLease(a[0], a[1], a[2]));
      case 'publish':
        for (const w of broadcast()) w.send({ hive: 'state-msg', message: args[0] } satisfies Broadcast);
        return void answer(Promise.resolve(undefined));
      default:
        return void answer(Promise.reject(new Error(`unknown state operation "${String(op).slice(0, 40)}"`)));
    }
  };
  worker.on('message', listener);
  return { dispose: () => worker.off('message', listener) };
}
