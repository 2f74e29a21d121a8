/**
 * State stores for breaker, health, isolation, flag and outcome-count state: in-process, or shared on Redis.
 * @packageDocumentation
 */

export { type IpcEndpoint, IpcStateStore, serveStateOverIpc } from './ipc-state-store.js';
export { MemoryStateStore } from './memory-state-store.js';
export { describeRedisUrl, RedisStateStore, type RedisStateStoreOptions } from './redis-state-store.js';
export {
  parseStateJson,
  type StateStore,
  type StateWrite,
  type StoreAvailability,
  stateJson,
} from './state-store.js';
