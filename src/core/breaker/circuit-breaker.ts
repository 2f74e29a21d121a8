/**
 * The circuit breaker policy. See {@link CircuitBreaker}; the state machine underneath is
 * {@link BreakerStateMachine}.
 * @packageDocumentation
 */
import { type Call, type Chain, type FastStage, invokeFast, SLOW_PATH, type UserFn } from '../call.js';
import type { TimerHandle } from '../clock.js';
import type { Disposable } from '../event-emitter.js';
import type { Outcome } from '../outcome.js';
import type { BreakerHealthCheck, BreakerMetrics, CircuitBreakerOptions } from './breaker-options.js';
import type { BreakerPermit } from './breaker-permit.js';
import { describeBreaker } from './breaker-settings.js';
import { CLOSED, DISABLED, HALF_OPEN, ISOLATED, OPEN } from './breaker-state-codes.js';
import { BreakerStateMachine } from './breaker-state-machine.js';

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
 * probe holding a `ProbeLease`, so the breaker is never half-open without a live lease (a state
 * read also expires overdue leases). Up to `halfOpenProbes` probes are admitted; everyone else fails
 * fast with a `rejected` failure carrying a `BrokenCircuitError` and `retryAfterMs` (nobody
 * queues). `halfOpenProbes` successes close it; a failed or expired probe re-opens it with the open
 * duration multiplied by `openBackoffFactor` (capped); closing resets the duration.
 *
 * Every transition bumps a generation number: results of calls admitted before a transition are
 * ignored, so a late completion can neither flip the state nor fire a second event.
 *
 * `metricsOnly` records without ever rejecting; {@link CircuitBreaker.metrics} is a read-only view of the
 * counts and rates; a `healthCheck` (or {@link CircuitBreaker.reportHealthCheck}) closes an open breaker
 * when the resource is healthy again.
 */
export class CircuitBreaker extends BreakerStateMachine implements FastStage, Disposable {
  /** Calls are timed only when a slow-call rate is set (the only reader of a call's duration). */
  private readonly timed: boolean;
  /** Closed-state counting is plain consecutive counting: untimed, no window, no idle reset. */
  private readonly plain: boolean;

  /** @param options - see {@link CircuitBreakerOptions} */
  private readonly healthCheck: BreakerHealthCheck | undefined;
  private checkTimer: TimerHandle | undefined = undefined;
  private checking = false;

  constructor(options: CircuitBreakerOptions = {}) {
    super(options);
    this.timed = this.slowRate !== undefined;
    this.plain = !this.timed && this.window === undefined && this.idleResetMs === undefined;
    const hc = options.healthCheck;
    if (hc !== undefined) {
      if (typeof hc.check !== 'function')
        throw new TypeError('circuitBreaker: healthCheck.check must be a function');
      if (!(hc.intervalMs > 0) || !Number.isFinite(hc.intervalMs)) {
        throw new RangeError(
          `circuitBreaker: healthCheck.intervalMs must be a finite number > 0 (got ${String(hc.intervalMs)})`,
        );
      }
      this.healthCheck = hc;
      this.onStateChange.on((e) =>
        e.to === 'open' ? this.armCheck() : e.to !== 'half-open' && this.disarmCheck(),
      );
    }
  }

  /** A read-only view of the breaker's counts and rates (window statistics in window mode). */
  get metrics(): BreakerMetrics {
    const w = this.window;
    if (w !== undefined) w.advance(this.clock.now());
    const calls = w?.calls;
    return {
      state: this.state,
      consecutiveFailures: this.consecutive,
      calls,
      failures: w?.failures,
      slowCalls: w?.slow,
      failureRate: w === undefined ? undefined : calls ? w.failures / calls : 0,
      slowCallRate: w === undefined ? undefined : calls ? w.slow / calls : 0,
      metricsOnly: this.metricsOnly,
      wouldHaveOpened: this.wouldHaveOpened,
    };
  }

  /**
   * The health-check hook: reports an out-of-band check of the protected resource (an active probe,
   * say). A passing check closes an open or half-open breaker (reason `health-check-passed`); a failing
   * one changes nothing. Isolation and `disable()` are kept. Returns true when the state changed.
   */
  reportHealthCheck(passed: boolean): boolean {
    if (!passed || (this.code !== OPEN && this.code !== HALF_OPEN)) return false;
    this.closeNow('health-check-passed');
    return true;
  }

  /** Stops a scheduled health check (the breaker keeps working). */
  dispose(): void {
    this.disarmCheck();
  }

  private armCheck(): void {
    if (this.checkTimer !== undefined || this.healthCheck === undefined) return;
    // A background timer: nobody awaits a health check.
    this.checkTimer = this.clock.setTimer(() => {
      this.checkTimer = undefined;
      void this.runCheck();
    }, this.healthCheck.intervalMs);
  }

  private disarmCheck(): void {
    if (this.checkTimer !== undefined) this.clock.clearTimer(this.checkTimer);
    this.checkTimer = undefined;
  }

  private async runCheck(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    let passed = false;
    try {
      passed = (await this.healthCheck!.check()) === true;
    } catch {
      passed = false; // a throwing check is a failing one
    } finally {
      this.checking = false;
    }
    if (!this.reportHealthCheck(passed) && (this.code === OPEN || this.code === HALF_OPEN)) this.armCheck();
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

  invoke<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    return invokeFast<T>(this, call, fn, next);
  }

  /** Timed (slow-call rate) mode: every call takes a permit and is timed. */
  invokeSlow<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    if (this.code === DISABLED) return next.run<T>(call, fn);
    const permit = this.tryAcquire();
    // A rejection adds no async frame: one resolved promise around a small Failure.
    if (!permit.ok) return Promise.resolve(permit);
    return this.runPermitted<T>(call, fn, next, permit);
  }

  /**
   * @inheritDoc FastStage.enter
   * Token: the generation (closed: no permit needed), `undefined` (disabled), a permit, or the
   * rejection. Timed (slow-call rate) mode takes the `invoke` path.
   */
  enter(): unknown {
    if (this.timed) return SLOW_PATH;
    if (this.code === CLOSED) return this.generation;
    if (this.code === DISABLED) return undefined;
    return this.tryAcquire();
  }

  /** @inheritDoc FastStage.leave */
  leave<T>(out: Outcome<T>, token: unknown): Outcome<T> {
    if (typeof token === 'number') {
      if (token !== this.generation) return out;
      const kind = out.ok ? 'success' : out.kind;
      // What settling a closed-state permit does, without allocating one.
      if (this.plain) this.recordConsecutive(kind);
      else this.recordClosed(kind, 0);
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
    const timed = this.timed;
    const start = timed ? this.clock.now() : 0;
    const out = await next.run<T>(call, fn);
    permit.record(out.ok ? 'success' : out.kind, timed ? this.clock.now() - start : 0);
    return out;
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
}

/** Shorthand for `new CircuitBreaker(options)`. */
export function circuitBreaker(options?: CircuitBreakerOptions): CircuitBreaker {
  return new CircuitBreaker(options);
}
