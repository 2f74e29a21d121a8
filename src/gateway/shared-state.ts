/**
 * Opens the state store the `state` section asks for, and names this instance.
 * @packageDocumentation
 */
import { hostname } from 'node:os';
import type { StateConfig } from '../config/state-schema.js';
import type { StateStore } from '../state/state-store.js';

/** A store shared with other instances. */
export interface SharedStore {
  readonly store: StateStore;
  /** Where it is, without credentials. */
  readonly name: string;
}

/** This instance's id: the configured one, else `hostname-pid` (characters outside `[A-Za-z0-9._-]` become `-`). */
export function instanceIdFor(config: StateConfig, override?: string): string {
  const id = override ?? config.instanceId ?? `${hostname()}-${process.pid}`;
  return id.replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) || `instance-${process.pid}`;
}

/**
 * Opens the shared store for `store: redis` (waiting at most a few command timeouts for the first
 * connection: an unreachable Redis does not stop the gateway, which then serves on local state), or
 * returns undefined for `store: memory` (nothing to share).
 */
export async function openSharedStore(
  config: StateConfig,
  instanceId: string,
): Promise<SharedStore | undefined> {
  if (config.store !== 'redis' || config.url === undefined) return undefined;
  // Loaded only when asked for: the Redis client adds ~12 MB of resident memory to every process.
  const { describeRedisUrl, RedisStateStore } = await import('../state/redis-state-store.js');
  const store = new RedisStateStore({
    url: config.url,
    keyPrefix: config.keyPrefix,
    commandTimeoutMs: config.commandTimeout,
    reconnectDelayMs: Math.min(config.syncInterval, 1000),
    name: `hive-${instanceId}`,
  });
  await store.ready(config.commandTimeout * 4);
  return { store, name: describeRedisUrl(config.url) };
}
