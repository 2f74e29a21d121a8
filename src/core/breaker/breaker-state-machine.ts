/**
 * The circuit breaker's state machine: permits ({@link BreakerStateMachine.tryAcquire}) and their
 * settlement, counting (consecutive or windowed), half-open probes, disabling, and snapshots. The state,
 * its transitions and rejections are in `BreakerTransitions`; the policy face (wrapping calls in a
 * pipeline, manual isolation and closing) is `CircuitBreaker`, which extends it.
 * @packageDocumentation
 */
import { countsAsFailure, type Failure, type OutcomeKind } from '../outcome.js';
import { type CircuitBreakerSnapshot, type CircuitState, parseSnapshot } from './breaker-options.js';
import { BreakerPermit, type PermitSink, type ProbeLease } from './breaker-permit.js';
import { planHydration, snapshotOf } from './breaker-snapshot.js';
import { CLOSED, DISABLED, HALF_OPEN, ISOLATED, NAMES, OPEN } from './breaker-state-codes.js';
import { BreakerTransitions } from './breaker-transitions.js';

/** Permits, counting and snapshots over {@link BreakerTransitions}. */
export abstract class BreakerStateMachine extends BreakerTransitions implements PermitSink {
  /** The current state (expires overdue probe leases first). */
  get state(): CircuitState {
    if (this.code === HALF_OPEN) this.expireLeases(this.clock.now());
    return NAMES[this.code]!;
  }

  /**
   * Milliseconds until a call may be admitted: 0 when closed, disabled, or open with its duration
   * elapsed; the time to the earliest probe deadline in half-open with every slot taken; undefined while
   * isolated (only a human ends that).
   */
  retryAfterMs(): number | undefined {
    const now = this.clock.now();
    if (this.code === HALF_OPEN) this.expireLeases(now);
    switch (this.code) {
      case OPEN:
        return Math.max(0, this.openUntil - now);
      case HALF_OPEN:
        return this.probes.admitted < this.opts.halfOpenProbes
          ? 0
          : Math.max(0, this.earliestLeaseDeadline() - now);
      case ISOLATED:
        return undefined;
      default:
        return 0;
    }
  }

  /**
   * Asks for permission to make one call (for callers that cannot wrap a function, e.g. streams).
   * Returns a {@link BreakerPermit} to `record()` or `release()`, or a `rejected` failure carrying a
   * {@link BrokenCircuitError} (with `retryAfterMs`) when the call must not be made.
   */
  tryAcquire(): BreakerPermit | Failure {
    switch (this.code) {
      case CLOSED:
      case DISABLED:
        return new BreakerPermit(this, this.generation, undefined);
      case ISOLATED:
        return this.reject(undefined, true);
    }
    const now = this.clock.now();
    if (this.code === OPEN) {
      if (now < this.openUntil) return this.reject(this.openUntil - now);
      return this.startHalfOpen(now);
    }
    this.expireLeases(now);
    if (this.code !== HALF_OPEN) return this.reject(Math.max(0, this.openUntil - now));
    if (this.probes.admitted >= this.opts.halfOpenProbes)
      return this.reject(Math.max(0, this.earliestLeaseDeadline() - now));
    return this.grantProbe(now);
  }

  /** @internal Settles a permit (called by {@link BreakerPermit}). */
  settlePermit(permit: BreakerPermit, kind: OutcomeKind | undefined, durationMs: number): void {
    const lease = permit.lease;
    if (permit.generation !== this.generation) {
      if (lease) lease.settled = true;
      return;
    }
    if (this.code === DISABLED || kind === undefined) {
      if (lease) this.releaseProbe(lease);
      return;
    }
    if (!lease) {
      this.recordClosed(kind, durationMs);
      return;
    }
    if (lease.settled) return;
    const slow = this.slowRate !== undefined && durationMs > this.slowMs!;
    if (kind !== 'success' && kind !== 'account' && !countsAsFailure(kind) && !slow) {
      // A neutral probe (the caller aborted, a request error, a rejection) proves nothing: give its slot
      // back while the lease is still live, so the next caller can probe.
      this.releaseProbe(lease);
      return;
    }
    this.probes.settle(lease);
    if (kind === 'account') {
      this.trip('account-failure', this.opts.accountCooldownMs);
      return;
    }
    if (kind !== 'success') {
      this.trip('probe-failed');
      return;
    }
    if (++this.probes.successes >= this.opts.halfOpenProbes) this.closeNow('probe-succeeded');
  }

  /** Turns the breaker off: every call passes, nothing is recorded (isolation still wins). */
  disable(): void {
    this.disabledFlag = true;
    if (this.code !== ISOLATED && this.code !== DISABLED) this.move(DISABLED, 'disabled');
  }

  /** Turns a disabled breaker back on, closed with fresh statistics. */
  enable(): void {
    this.disabledFlag = false;
    if (this.code === DISABLED) this.move(CLOSED, 'enabled');
  }

  /** A serialisable snapshot for a state store. Window statistics are not included. */
  toJSON(): CircuitBreakerSnapshot {
    const now = this.clock.now();
    const state = this.state;
    const remaining =
      this.code === OPEN || this.code === HALF_OPEN ? Math.max(0, this.openUntil - now) : undefined;
    return snapshotOf(state, this.openMs, this.consecutive, this.clock.wallNow(), remaining);
  }

  /**
   * Applies a snapshot (from this or another instance): `open` resumes with the remaining time minus
   * the wall time elapsed since the snapshot; `half-open` becomes open with nothing remaining (leases
   * cannot travel); `isolated` becomes open for its open duration. Local isolation or a local
   * `disable()` is kept (returns false). Fires one `hydrated` event if the state changes.
   */
  hydrate(json: unknown): boolean {
    const snap = parseSnapshot(json);
    if (this.code === ISOLATED || this.code === DISABLED) return false;
    const plan = planHydration(snap, this.opts.maxOpenDurationMs, this.clock);
    this.openMs = plan.openDurationMs;
    if (plan.to === 'open') {
      this.openUntil = this.clock.now() + plan.remainingMs;
      if (this.code !== OPEN) this.move(OPEN, 'hydrated');
      return true;
    }
    if (plan.to === 'disabled') this.disable();
    else if (this.code !== CLOSED) this.move(CLOSED, 'hydrated');
    this.consecutive = plan.consecutiveFailures;
    return true;
  }

  protected recordConsecutive(kind: OutcomeKind): void {
    if (kind === 'success') this.consecutive = 0;
    else if (countsAsFailure(kind)) {
      if (++this.consecutive >= this.opts.consecutiveFailures) this.trip('consecutive-failures');
    } else if (kind === 'account') this.trip('account-failure', this.opts.accountCooldownMs);
  }

  protected recordClosed(kind: OutcomeKind, durationMs: number): void {
    if (this.code !== CLOSED) return;
    const failed = countsAsFailure(kind);
    if (!failed && kind !== 'success') {
      if (kind === 'account') this.trip('account-failure', this.opts.accountCooldownMs);
      return;
    }
    const now = this.window !== undefined || this.idleResetMs !== undefined ? this.clock.now() : 0;
    const window = this.window;
    if (!window) {
      if (this.idleResetMs !== undefined && now - this.lastCallAt > this.idleResetMs) this.consecutive = 0;
      this.lastCallAt = now;
      this.recordConsecutive(kind);
      return;
    }
    const slow = this.slowMs !== undefined && durationMs > this.slowMs;
    window.record(now, failed, slow);
    if (window.calls < this.opts.minimumCalls) return;
    if (window.failures / window.calls >= this.opts.failureRateThreshold) {
      this.trip('failure-rate');
      return;
    }
    if (this.slowRate !== undefined && window.slow / window.calls >= this.slowRate)
      this.trip('slow-call-rate');
  }

  protected startHalfOpen(now: number): BreakerPermit {
    const from = this.enterState(HALF_OPEN);
    const permit = this.grantProbe(now);
    this.announce(from, HALF_OPEN, 'open-elapsed');
    return permit;
  }

  protected grantProbe(now: number): BreakerPermit {
    return new BreakerPermit(this, this.generation, this.probes.grant(now + this.opts.probeLeaseMs));
  }

  protected releaseProbe(lease: ProbeLease): void {
    if (!this.probes.release(lease)) return;
    if (this.probes.count === 0 && this.code === HALF_OPEN) {
      this.openUntil = this.clock.now();
      this.move(OPEN, 'probe-released');
    }
  }
}
