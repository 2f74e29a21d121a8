/**
 * State stores for breaker and health state.
 * @packageDocumentation
 */
export { MemoryStateStore } from './memory-state-store.js';
export type { StateStore } from './state-store.js';
