/**
 * Circuit-breaker snapshots for a state store: building one ({@link snapshotOf}) and deciding what
 * applying one means ({@link planHydration}). The breaker applies the plan to itself.
 * @packageDocumentation
 */
import type { Clock } from '../clock.js';
import type { CircuitBreakerSnapshot, CircuitState } from './breaker-options.js';

/**
 * The snapshot of a breaker. Window statistics are not included.
 * @param openRemainingMs - set only for `open` and `half-open`
 */
export function snapshotOf(
  state: CircuitState,
  openDurationMs: number,
  consecutiveFailures: number,
  savedAtWallMs: number,
  openRemainingMs: number | undefined,
): CircuitBreakerSnapshot {
  const base = { version: 1 as const, state, openDurationMs, consecutiveFailures, savedAtWallMs };
  return openRemainingMs === undefined ? base : { ...base, openRemainingMs };
}

/** What a breaker becomes when it applies a snapshot. */
export type HydrationPlan =
  | {
      readonly to: 'closed' | 'disabled';
      readonly openDurationMs: number;
      readonly consecutiveFailures: number;
    }
  | { readonly to: 'open'; readonly openDurationMs: number; readonly remainingMs: number };

/**
 * Plans the hydration of a validated snapshot: the open duration is clamped to
 * `[0, maxOpenDurationMs]`; `open` resumes with the remaining time minus the wall time elapsed since
 * the snapshot; `half-open` becomes open with nothing remaining (leases cannot travel); `isolated`
 * becomes open for its open duration.
 */
export function planHydration(
  snap: CircuitBreakerSnapshot,
  maxOpenDurationMs: number,
  clock: Clock,
): HydrationPlan {
  const openDurationMs = Math.min(Math.max(snap.openDurationMs, 0), maxOpenDurationMs);
  if (snap.state === 'closed' || snap.state === 'disabled') {
    return {
      to: snap.state,
      openDurationMs,
      consecutiveFailures: Math.max(0, Math.floor(snap.consecutiveFailures)),
    };
  }
  const elapsed = Math.max(0, clock.wallNow() - snap.savedAtWallMs);
  const remainingMs =
    snap.state === 'half-open' ? 0 : Math.max(0, (snap.openRemainingMs ?? openDurationMs) - elapsed);
  return { to: 'open', openDurationMs, remainingMs };
}
