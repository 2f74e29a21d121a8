/**
 * The circuit breaker's state and its transitions: the fields every layer above reads, opening
 * ({@link BreakerTransitions.trip}, with backoff), closing, expiring half-open probe leases, the one
 * state-change event per transition, and fail-fast rejections. Permits and counting are in
 * `BreakerStateMachine`, which extends it.
 * @packageDocumentation
 */
import { type Clock, systemClock } from '../clock.js';
import { BrokenCircuitError } from '../errors/policy-errors.js';
import { EventEmitter } from '../event-emitter.js';
import { type Failure, failure } from '../outcome.js';
import { BasePolicy } from '../policy-base.js';
import type { CircuitBreakerOptions, StateChangeEvent, TransitionReason } from './breaker-options.js';
import { type BreakerLimits, resolveBreakerSettings } from './breaker-settings.js';
import { CLOSED, DISABLED, HALF_OPEN, NAMES, OPEN } from './breaker-state-codes.js';
import type { CallWindow } from './call-window.js';
import { ProbeLeases } from './probe-leases.js';

/** A breaker's state, settings and transitions (see the module comment). */
export abstract class BreakerTransitions extends BasePolicy {
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
