/**
 * Hedging: start another attempt when the first is slow; the first acceptable outcome wins.
 * @packageDocumentation
 */
import type { Call, Chain, UserFn } from './call.js';
import { type Clock, systemClock, type TimerHandle } from './clock.js';
import { AbortedError } from './errors/policy-errors.js';
import { failure, isRetryable, type Outcome } from './outcome.js';
import { BasePolicy, type PolicyOptions } from './policy-base.js';
import type { RetryBudget } from './retry-budget.js';
import { SignalScope } from './signal-scope.js';

/** Options of {@link HedgePolicy}. */
export interface HedgeOptions extends PolicyOptions {
  /**
   * Delay before each hedge: fixed ms, or a function read at each hedge (e.g. the current p95 latency
   * from a health tracker). Non-finite or negative values are treated as 0.
   */
  readonly delayMs: number | (() => number);
  /** Extra attempts at most (default 1). */
  readonly maxHedges?: number;
  /** Each hedge pays `budget.trySpend()` (the same budget retries use); none is started when it is low. */
  readonly budget?: RetryBudget;
  /**
   * Whether an outcome ends the race (default: success, or a failure a retry would not help with,
   * `aborted` excepted).
   */
  readonly isAcceptable?: (outcome: Outcome<unknown>) => boolean;
  /** Time source (default `systemClock`). */
  readonly clock?: Clock;
}

const defaultAcceptable = (o: Outcome<unknown>): boolean =>
  o.ok || (!isRetryable(o.kind) && o.kind !== 'aborted');

interface Attempt<T> {
  readonly scope: SignalScope;
  readonly promise: Promise<Outcome<T>>;
}

class HedgeRace<T> {
  private readonly attempts: Attempt<T>[] = [];
  private pending = 0;
  private hedges = 0;
  private settled = false;
  private timer: TimerHandle | undefined = undefined;

  constructor(
    private readonly policy: HedgePolicy,
    private readonly call: Call,
    private readonly fn: UserFn,
    private readonly next: Chain,
    private readonly resolve: (out: Outcome<T>) => void,
  ) {}

  start(): void {
    this.launch(0);
    this.arm();
  }

  private launch(index: number): void {
    const scope = new SignalScope(this.call.scope);
    const promise = this.next.run<T>(this.call.with(scope, this.call.attempt + index), this.fn);
    this.attempts.push({ scope, promise });
    this.pending++;
    promise.then((out) => this.onResult(out));
  }

  private arm(): void {
    if (this.hedges >= this.policy.maxHedges || this.settled) return;
    this.timer = this.policy.clock.setTimer(() => {
      this.timer = undefined;
      this.hedge();
    }, this.policy.nextDelay());
  }

  /** Starts one more attempt if allowed; returns whether it did. */
  private hedge(): boolean {
    if (this.settled || this.hedges >= this.policy.maxHedges || this.call.scope?.aborted) return false;
    if (this.policy.budget && !this.policy.budget.trySpend()) return false;
    this.hedges++;
    this.launch(this.hedges);
    this.arm();
    return true;
  }

  private onResult(out: Outcome<T>): void {
    this.pending--;
    if (this.settled) return;
    if (this.policy.isAcceptable(out)) {
      this.finish(out);
    } else if (this.pending === 0) {
      const hopeless = out.ok || out.kind === 'aborted' || !isRetryable(out.kind);
      this.clearTimer();
      if (hopeless || !this.hedge()) this.finish(out);
    }
  }

  private finish(out: Outcome<T>): void {
    this.settled = true;
    this.clearTimer();
    const losers: Promise<Outcome<T>>[] = [];
    for (const a of this.attempts) {
      if (this.pending > 0) a.scope.abort(new AbortedError('hedge lost'));
      losers.push(a.promise);
    }
    const done = () => {
      for (const a of this.attempts) a.scope.dispose();
      this.resolve(out);
    };
    if (this.pending === 0) done();
    else Promise.all(losers).then(done);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.policy.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}

/**
 * Hedges slow calls: after `delayMs` without an acceptable outcome it starts another attempt (up to
 * `maxHedges`), each in its own cancellation scope. The first acceptable outcome wins; the others are
 * aborted and awaited before the result is returned, so nothing keeps running behind the caller's
 * back. When every running attempt failed retryably and hedges remain, the next starts at once.
 */
export class HedgePolicy extends BasePolicy {
  /** Maximum extra attempts. */
  readonly maxHedges: number;
  /** The shared retry budget, if any. */
  readonly budget: RetryBudget | undefined;
  /** The time source. */
  readonly clock: Clock;
  /** Decides whether an outcome ends the race. */
  readonly isAcceptable: (outcome: Outcome<unknown>) => boolean;
  private readonly delay: number | (() => number);

  /** @param options - see {@link HedgeOptions} */
  constructor(options: HedgeOptions) {
    super(options);
    const max = options.maxHedges ?? 1;
    if (!Number.isInteger(max) || max < 0)
      throw new RangeError(`hedge: maxHedges must be an integer >= 0 (got ${max})`);
    if (typeof options.delayMs !== 'function' && typeof options.delayMs !== 'number') {
      throw new TypeError('hedge: delayMs must be a number or a function');
    }
    this.maxHedges = max;
    this.budget = options.budget;
    this.clock = options.clock ?? systemClock;
    this.isAcceptable = options.isAcceptable ?? defaultAcceptable;
    this.delay = options.delayMs;
  }

  /** The delay before the next hedge (sanitised). */
  nextDelay(): number {
    const d = typeof this.delay === 'function' ? this.delay() : this.delay;
    return Number.isFinite(d) && d > 0 ? d : 0;
  }

  invoke<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    if (this.maxHedges === 0) return next.run<T>(call, fn);
    if (call.scope?.aborted) return Promise.resolve(failure('aborted', new AbortedError(call.scope.reason)));
    return new Promise<Outcome<T>>((resolve) => new HedgeRace<T>(this, call, fn, next, resolve).start());
  }

  describeSelf(): { name: string; options: Readonly<Record<string, unknown>> } {
    return {
      name: 'hedge',
      options: {
        maxHedges: this.maxHedges,
        delayMs: typeof this.delay === 'function' ? 'dynamic' : this.delay,
        budget: this.budget !== undefined,
      },
    };
  }
}

/** Shorthand for `new HedgePolicy(options)`. */
export function hedge(options: HedgeOptions): HedgePolicy {
  return new HedgePolicy(options);
}
