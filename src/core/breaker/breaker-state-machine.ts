/**
 * The circuit breaker's state machine: states and transitions, counting (consecutive or windowed),
 * half-open probe leases, permits ({@link BreakerStateMachine.tryAcquire}) and snapshots. The policy face
 * (wrapping calls in a pipeline, manual isolation and closing) is `CircuitBreaker`, which extends it.
 * @packageDocumentation
 */
import { type Clock, systemClock } from '../clock.js';
import { BrokenCircuitError } from '../errors/policy-errors.js';
import { EventEmitter } from '../event-emitter.js';
import { countsAsFailure, type Failure, failure, type OutcomeKind } from '../outcome.js';
import { BasePolicy } from '../policy-base.js';
import {
  CIRCUIT_STATES,
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
  type CircuitState,
  parseSnapshot,
  type StateChangeEvent,
  type TransitionReason,
} from './breaker-options.js';
import { BreakerPermit, type PermitSink, type ProbeLease } from './breaker-permit.js';
import { type BreakerLimits, resolveBreakerSettings } from './breaker-settings.js';
import { planHydration, snapshotOf } from './breaker-snapshot.js';
import type { CallWindow } from './call-window.js';
import { ProbeLeases } from './probe-leases.js';

export const CLOSED = 0;
export const OPEN = 1;
export const HALF_OPEN = 2;
export const ISOLATED = 3;
export const DISABLED = 4;
/** State names by state code (the codes above index {@link CIRCUIT_STATES}). */
export const NAMES = CIRCUIT_STATES;

export abstract class BreakerStateMachine extends BasePolicy implements PermitSink {
  /** One event per transition; listeners that throw are isolated. */
  readonly onStateChange = new EventEmitter<StateChangeEvent>();
  /** The breaker's name (for descriptions). */
  readonly name: string | undefined;
  protected readonly clock: Clock;
  protected readonly opts: BreakerLimits;
  protected readonly window: CallWindow | undefined;
  protected readonly slowMs: number | undefined;
  protected readonly slowRate: number | undefined;
  protected readonly idleResetMs: number | undefined;
  protected code = CLOSED;
  protected generation = 0;
  protected consecutive = 0;
  protected lastCallAt = 0;
  protected openUntil = 0;
  protected openMs: number;
  protected readonly probes = new ProbeLeases();
  protected isolations = 0;
  protected openError: BrokenCircuitError | undefined = undefined;
  protected isolatedError: BrokenCircuitError | undefined = undefined;
  protected disabledFlag = false;
  /** Metrics-only mode: never opens (see `CircuitBreakerOptions.metricsOnly`). */
  protected readonly metricsOnly: boolean;
  /** Metrics-only mode: times it would have opened. */
  protected wouldHaveOpened = 0;

  /** @param options - see {@link CircuitBreakerOptions} */
  constructor(options: CircuitBreakerOptions = {}) {
    super(options);
    this.name = options.name;
    this.clock = options.clock ?? systemClock;
    const settings = resolveBreakerSettings(options);
    this.opts = settings.limits;
    this.window = settings.window;
    this.slowMs = settings.slowMs;
    this.slowRate = settings.slowRate;
    this.idleResetMs = settings.idleResetMs;
    this.openMs = this.opts.openDurationMs;
    this.metricsOnly = options.metricsOnly === true;
  }

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

  protected trip(reason: TransitionReason, cooldownMs?: number): void {
    if (this.metricsOnly) {
      // Records, never rejects: note it, then count afresh as a breaker that closed again would.
      this.wouldHaveOpened++;
      this.consecutive = 0;
      this.window?.reset();
      return;
    }
    if (this.code === HALF_OPEN)
      this.openMs = Math.min(this.opts.maxOpenDurationMs, this.openMs * this.opts.openBackoffFactor);
    else if (this.code === CLOSED) this.openMs = this.opts.openDurationMs;
    this.openUntil = this.clock.now() + (cooldownMs ?? this.openMs);
    this.move(OPEN, reason);
  }

  protected closeNow(reason: TransitionReason): void {
    this.openMs = this.opts.openDurationMs;
    this.move(CLOSED, reason);
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

  protected expireLeases(now: number): void {
    if (this.probes.anyExpired(now)) this.trip('probe-lease-expired');
  }

  protected earliestLeaseDeadline(): number {
    const min = this.probes.earliestDeadline();
    return Number.isFinite(min) ? min : this.clock.now();
  }

  /**
   * Fail-fast rejection. Building an `Error` costs microseconds even without a stack, so each breaker
   * preallocates one stack-free {@link BrokenCircuitError} for open/half-open and one for isolation and
   * reuses them (their `retryAfterMs` is read live); a rejection allocates only the small `Failure`.
   */
  protected reject(retryAfterMs: number | undefined, isolated = false): Failure {
    let error: BrokenCircuitError;
    if (isolated) {
      this.isolatedError ??= BrokenCircuitError.fast(undefined, 'Circuit is isolated');
      error = this.isolatedError;
    } else {
      this.openError ??= BrokenCircuitError.fast(() => this.peekRetryAfter());
      error = this.openError;
    }
    return failure('rejected', error, retryAfterMs);
  }

  protected peekRetryAfter(): number {
    const now = this.clock.now();
    if (this.code === OPEN) return Math.max(0, this.openUntil - now);
    if (this.code === HALF_OPEN) return Math.max(0, this.earliestLeaseDeadline() - now);
    return 0;
  }

  /** Changes state and fires the event (bookkeeping first, so listeners see a consistent breaker). */
  protected move(to: number, reason: TransitionReason): void {
    const from = this.enterState(to);
    this.announce(from, to, reason);
  }

  protected enterState(to: number): number {
    const from = this.code;
    this.code = to;
    this.generation++;
    this.probes.reset();
    if (to === CLOSED || to === DISABLED) {
      this.consecutive = 0;
      this.window?.reset();
    }
    return from;
  }

  protected announce(from: number, to: number, reason: TransitionReason): void {
    if (this.onStateChange.hasListeners)
      this.onStateChange.emit({ from: NAMES[from]!, to: NAMES[to]!, reason });
  }
}
