/**
 * The circuit breaker's state codes: small integers compared on the hot path, and their names.
 * @packageDocumentation
 */
import { CIRCUIT_STATES } from './breaker-options.js';

/** Closed: calls pass and are counted. */
export const CLOSED = 0;
/** Open: calls fail fast until the open duration has elapsed. */
export const OPEN = 1;
/** Half-open: a few probes are admitted under leases. */
export const HALF_OPEN = 2;
/** Isolated by hand: every call fails fast until a human closes it. */
export const ISOLATED = 3;
/** Disabled: every call passes, nothing is recorded. */
export const DISABLED = 4;
/** State names by state code (the codes above index {@link CIRCUIT_STATES}). */
export const NAMES = CIRCUIT_STATES;
