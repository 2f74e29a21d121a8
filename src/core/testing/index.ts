/**
 * Test helpers for the core (not part of the runtime surface).
 * @packageDocumentation
 */
export { FakeClock, flushMicrotasks } from './fake-clock.js';
