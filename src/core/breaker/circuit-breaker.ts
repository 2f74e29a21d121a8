/**
 * The circuit breaker policy. See {@link CircuitBreaker}.
 * @packageDocumentation
 */
import { type Call, type Chain, type FastStage, SLOW_PATH, type UserFn } from '../call.js';
import { type Clock, systemClock } from '../clock.js';
import { BrokenCircuitError } from '../errors/policy-errors.js';
import { type Disposable, EventEmitter } from '../event-emitter.js';
import { countsAsFailure, type Failure, failure, type Outcome, type OutcomeKind } from '../outcome.js';
import { BasePolicy } from '../policy-base.js';
import {
  type CircuitBreakerOptions,
  type CircuitBreakerSnapshot,
  type CircuitState,
  parseSnapshot,
  type StateChangeEvent,
  type TransitionReason,
} from './breaker-options.js';
import { BreakerPermit, type PermitSink, type ProbeLease } from './breaker-permit.js';
import { type BreakerLimits, describeBreaker, resolveBreakerSettings } from './breaker-settings.js';
import { planHydration, snapshotOf } from './breaker-snapshot.js';
import type { CallWindow } from './call-window.js';
import { ProbeLeases } from './probe-leases.js';

const CLOSED = 0;
const OPEN = 1;
const HALF_OPEN = 2;
const ISOLATED = 3;
const DISABLED = 4;
const NAMES: readonly CircuitState[] = ['closed', 'open', 'half-open', 'isolated', 'disabled'];

/**
 * A circuit breaker.
 *
 * Counting: only kinds for which `countsAsFailure` is true count as failures; `request`, `aborted`
 * and `rejected` are neutral (not recorded at all). An `account` failure opens the breaker at once for
 * `accountCooldownMs` (default 5 min): auth/billing problems do not fix themselves in seconds.
 *
 * Thresholds are inclusive: consecutive mode opens when the count reaches `consecutiveFailures`;
 * window mode opens when, with at least `minimumCalls` calls in the window, `failures / calls >=
 * failureRateThreshold` or `slow / calls >= slowCallRateThreshold`.
 *
 * Open → half-open happens when the open duration has elapsed and a call arrives: that call becomes a
 * probe holding a {@link ProbeLease}, so the breaker is never half-open without a live lease (a state
 * read also expires overdue leases). Up to `halfOpenProbes` probes are admitted; everyone else fails
 * fast with a `rejected` failure carrying {@link BrokenCircuitError} and `retryAfterMs` (nobody
 * queues). `halfOpenProbes` successes close it; a failed or expired probe re-opens it with the open
 * duration multiplied by `openBackoffFactor` (capped); closing resets the duration.
 *
 * Every transition bumps a generation number: results of calls admitted before a transition are
 * ignored, so a late completion can neither flip the state nor fire a second event.
 */
export class CircuitBreaker extends BasePolicy implements PermitSink, FastStage {
  /** One event per transition; listeners that throw are isolated. */
  readonly onStateChange = new EventEmitter<StateChangeEvent>();
  /** The breaker's name (for descriptions). */
  readonly name: string | undefined;
  private readonly clock: Clock;
  private readonly opts: BreakerLimits;
  private readonly window: CallWindow | undefined;
  private readonly slowMs: number | undefined;
  private readonly slowRate: number | undefined;
  private readonly idleResetMs: number | undefined;
  private code = CLOSED;
  private generation = 0;
  private consecutive = 0;
  private lastCallAt = 0;
  private openUntil = 0;
  private openMs: number;
  private readonly probes = new ProbeLeases();
  private isolations = 0;
  private openError: BrokenCircuitError | undefined = undefined;
  private isolatedError: BrokenCircuitError | undefined = undefined;
  private disabledFlag = false;

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

  invoke<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    if (
      this.code === CLOSED &&
      this.slowMs === undefined &&
      this.window === undefined &&
      this.idleResetMs === undefined
    ) {
      return this.runClosedFast<T>(call, fn, next);
    }
    if (this.code === DISABLED) return next.run<T>(call, fn);
    const permit = this.tryAcquire();
    // A rejection adds no async frame: one resolved promise around a small Failure.
    if (!permit.ok) return Promise.resolve(permit);
    return this.runPermitted<T>(call, fn, next, permit);
  }

  private async runClosedFast<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    const generation = this.generation;
    const out = await next.run<T>(call, fn);
    if (generation === this.generation) this.recordConsecutive(out.ok ? 'success' : out.kind);
    return out;
  }

  /**
   * @inheritDoc FastStage.enter
   * Token: the generation (closed, consecutive mode, untimed), `undefined` (disabled), a permit, or the
   * rejection. Timed (slow-call) mode takes the `invoke` path.
   */
  enter(): unknown {
    if (this.slowMs !== undefined) return SLOW_PATH;
    if (this.code === CLOSED && this.window === undefined && this.idleResetMs === undefined) {
      return this.generation;
    }
    if (this.code === DISABLED) return undefined;
    return this.tryAcquire();
  }

  /** @inheritDoc FastStage.leave */
  leave<T>(out: Outcome<T>, token: unknown): Outcome<T> {
    if (typeof token === 'number') {
      if (token === this.generation) this.recordConsecutive(out.ok ? 'success' : out.kind);
    } else if (token !== undefined) {
      (token as BreakerPermit).record(out.ok ? 'success' : out.kind, 0);
    }
    return out;
  }

  private async runPermitted<T>(
    call: Call,
    fn: UserFn,
    next: Chain,
    permit: BreakerPermit,
  ): Promise<Outcome<T>> {
    const timed = this.slowMs !== undefined;
    const start = timed ? this.clock.now() : 0;
    const out = await next.run<T>(call, fn);
    permit.record(out.ok ? 'success' : out.kind, timed ? this.clock.now() - start : 0);
    return out;
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

  /**
   * Manually opens the breaker until every returned handle is disposed (reference-counted). While
   * isolated every call is rejected with `retryAfterMs` undefined. The last dispose closes it.
   */
  isolate(): Disposable {
    this.isolations++;
    if (this.isolations === 1) this.move(ISOLATED, 'isolated');
    let done = false;
    return {
      dispose: () => {
        if (done) return;
        done = true;
        this.isolations--;
        if (this.isolations === 0) this.move(this.disabledFlag ? DISABLED : CLOSED, 'isolation-ended');
      },
    };
  }

  /**
   * Force-closes the breaker (e.g. after a health prober's successful probe). No effect while isolated
   * or disabled. Returns true when the state changed.
   */
  close(): boolean {
    if (this.code === ISOLATED || this.code === DISABLED || this.code === CLOSED) return false;
    this.closeNow('forced-close');
    return true;
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

  /** Builds a breaker with `options` and applies `json` to it. */
  static hydrate(json: unknown, options?: CircuitBreakerOptions): CircuitBreaker {
    const breaker = new CircuitBreaker(options);
    breaker.hydrate(json);
    return breaker;
  }

  describeSelf(): { name: string; options: Readonly<Record<string, unknown>> } {
    const { opts: limits, window, slowMs, slowRate, idleResetMs } = this;
    return describeBreaker(this.name, { limits, window, slowMs, slowRate, idleResetMs });
  }

  private recordConsecutive(kind: OutcomeKind): void {
    if (kind === 'success') this.consecutive = 0;
    else if (countsAsFailure(kind)) {
      if (++this.consecutive >= this.opts.consecutiveFailures) this.trip('consecutive-failures');
    } else if (kind === 'account') this.trip('account-failure', this.opts.accountCooldownMs);
  }

  private recordClosed(kind: OutcomeKind, durationMs: number): void {
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

  private trip(reason: TransitionReason, cooldownMs?: number): void {
    if (this.code === HALF_OPEN)
      this.openMs = Math.min(this.opts.maxOpenDurationMs, this.openMs * this.opts.openBackoffFactor);
    else if (this.code === CLOSED) this.openMs = this.opts.openDurationMs;
    this.openUntil = this.clock.now() + (cooldownMs ?? this.openMs);
    this.move(OPEN, reason);
  }

  private closeNow(reason: TransitionReason): void {
    this.openMs = this.opts.openDurationMs;
    this.move(CLOSED, reason);
  }

  private startHalfOpen(now: number): BreakerPermit {
    const from = this.enterState(HALF_OPEN);
    const permit = this.grantProbe(now);
    this.announce(from, HALF_OPEN, 'open-elapsed');
    return permit;
  }

  private grantProbe(now: number): BreakerPermit {
    return new BreakerPermit(this, this.generation, this.probes.grant(now + this.opts.probeLeaseMs));
  }

  private releaseProbe(lease: ProbeLease): void {
    if (!this.probes.release(lease)) return;
    if (this.probes.count === 0 && this.code === HALF_OPEN) {
      this.openUntil = this.clock.now();
      this.move(OPEN, 'probe-released');
    }
  }

  private expireLeases(now: number): void {
    if (this.probes.anyExpired(now)) this.trip('probe-lease-expired');
  }

  private earliestLeaseDeadline(): number {
    const min = this.probes.earliestDeadline();
    return Number.isFinite(min) ? min : this.clock.now();
  }

  /**
   * Fail-fast rejection. Building an `Error` costs microseconds even without a stack, so each breaker
   * preallocates one stack-free {@link BrokenCircuitError} for open/half-open and one for isolation and
   * reuses them (their `retryAfterMs` is read live); a rejection allocates only the small `Failure`.
   */
  private reject(retryAfterMs: number | undefined, isolated = false): Failure {
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

  private peekRetryAfter(): number {
    const now = this.clock.now();
    if (this.code === OPEN) return Math.max(0, this.openUntil - now);
    if (this.code === HALF_OPEN) return Math.max(0, this.earliestLeaseDeadline() - now);
    return 0;
  }

  /** Changes state and fires the event (bookkeeping first, so listeners see a consistent breaker). */
  private move(to: number, reason: TransitionReason): void {
    const from = this.enterState(to);
    this.announce(from, to, reason);
  }

  private enterState(to: number): number {
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

  private announce(from: number, to: number, reason: TransitionReason): void {
    if (this.onStateChange.hasListeners)
      this.onStateChange.emit({ from: NAMES[from]!, to: NAMES[to]!, reason });
  }
}

/** Shorthand for `new CircuitBreaker(options)`. */
export function circuitBreaker(options?: CircuitBreakerOptions): CircuitBreaker {
  return new CircuitBreaker(options);
}
