/**
 * Hedging: start another attempt when the first is slow; the first acceptable outcome wins.
 * @packageDocumentation
 */
import type { Call, Chain, UserFn } from './call.js';
import { classifySafely } from './classifier.js';
import { type Clock, systemClock, type TimerHandle } from './clock.js';
import { AbortedError } from './errors/policy-errors.js';
import { EventEmitter } from './event-emitter.js';
import { failure, isRetryable, type Outcome, type Success } from './outcome.js';
import { BasePolicy, type PolicyOptions } from './policy-base.js';
import type { RetryBudget } from './retry-budget.js';
import { SignalScope } from './signal-scope.js';

/** Options of {@link HedgePolicy}. */
export interface HedgeOptions extends PolicyOptions {
  /**
   * Delay before each hedge: fixed ms, or a function read at each hedge (e.g. the current p95 latency
   * from a health tracker). A negative (or infinite) delay means sequential, "fallback mode" as in Polly:
   * the next attempt starts only when the previous one failed. NaN is treated as 0. A function that
   * throws fails the call with its classified error.
   */
  readonly delayMs: number | (() => number);
  /** Extra attempts at most (default 1). */
  readonly maxHedges?: number;
  /** Each hedge pays `budget.trySpend()` (the same budget retries use); none is started when it is low. */
  readonly budget?: RetryBudget;
  /**
   * Whether an outcome ends the race (default: success, or a failure a retry would not help with,
   * `aborted` excepted). An outcome it does not accept is *handled*: the next attempt starts at once.
   * A predicate that throws fails the call with its classified error.
   */
  readonly isAcceptable?: (outcome: Outcome<unknown>) => boolean;
  /**
   * Called with each losing attempt's successful outcome once it settled, so a result nobody will read
   * (an unread stream body) can be released. Its errors are ignored.
   */
  readonly onDiscard?: (outcome: Success<unknown>) => void;
  /** Time source (default `systemClock`). */
  readonly clock?: Clock;
}

/** Fired when a hedged attempt starts. */
export interface HedgingEvent {
  /** The attempt started (1 = first hedge). */
  readonly attempt: number;
  /** Why: the delay passed (`delay`) or the previous attempts failed (`failure`). */
  readonly cause: 'delay' | 'failure';
}

const defaultAcceptable = (o: Outcome<unknown>): boolean =>
  o.ok || (!isRetryable(o.kind) && o.kind !== 'aborted');

interface Attempt<T> {
  readonly scope: SignalScope;
  promise: Promise<Outcome<T>> | undefined;
  out: Outcome<T> | undefined;
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
    const attempt: Attempt<T> = {
      scope: new SignalScope(this.call.scope),
      promise: undefined,
      out: undefined,
    };
    this.attempts.push(attempt);
    this.pending++;
    const promise = this.next.run<T>(this.call.with(attempt.scope, this.call.attempt + index), this.fn);
    attempt.promise = promise;
    promise.then((out) => this.onResult(attempt, out));
  }

  /** Schedules the next hedge after the delay (none in sequential mode). */
  private arm(): void {
    if (this.hedges >= this.policy.maxHedges || this.settled) return;
    let delay: number;
    try {
      delay = this.policy.nextDelay();
    } catch (error) {
      this.fail(error);
      return;
    }
    if (delay < 0) return;
    // Awaited by the caller: the timer keeps the process alive.
    this.timer = this.policy.clock.setTimer(
      () => {
        this.timer = undefined;
        this.hedge('delay');
      },
      delay,
      true,
    );
  }

  /** Starts one more attempt if allowed; returns whether it did. */
  private hedge(cause: HedgingEvent['cause']): boolean {
    if (this.settled || this.hedges >= this.policy.maxHedges || this.call.scope?.aborted) return false;
    if (this.policy.budget && !this.policy.budget.trySpend()) return false;
    this.hedges++;
    if (this.policy.onHedging.hasListeners) this.policy.onHedging.emit({ attempt: this.hedges, cause });
    this.launch(this.hedges);
    this.arm();
    return true;
  }

  private onResult(attempt: Attempt<T>, out: Outcome<T>): void {
    this.pending--;
    attempt.out = out;
    if (this.settled) return;
    let acceptable: boolean;
    try {
      acceptable = this.policy.isAcceptable(out);
    } catch (error) {
      this.fail(error);
      return;
    }
    if (acceptable) {
      this.finish(out, attempt);
      return;
    }
    // A handled outcome: the next attempt starts at once, even while others still run.
    let started = false;
    if (out.ok || out.kind !== 'aborted') {
      this.clearTimer();
      started = this.hedge('failure');
    }
    if (!started && this.pending === 0) this.finish(out, undefined);
  }

  private fail(error: unknown): void {
    this.finish(classifySafely(this.call.classifier, error), undefined);
  }

  /** Ends the race: losers are aborted (never the winner) and awaited, then the result is returned. */
  private finish(out: Outcome<T>, winner: Attempt<T> | undefined): void {
    this.settled = true;
    this.clearTimer();
    for (const a of this.attempts) if (a !== winner && a.out === undefined) a.scope.abort(LOST);
    const done = (): void => {
      for (const a of this.attempts) a.scope.dispose();
      const discard = this.policy.onDiscard;
      if (discard !== undefined) {
        for (const a of this.attempts) {
          if (a === winner || a.out === undefined || !a.out.ok) continue;
          try {
            discard(a.out);
          } catch {
            // The hook's failure is its own; the race's result stands.
          }
        }
      }
      this.resolve(out);
    };
    if (this.pending === 0) done();
    else Promise.all(this.attempts.map((a) => a.promise)).then(done);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.policy.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}

const LOST = new AbortedError('hedge lost');

/**
 * Hedges slow calls: after `delayMs` without an acceptable outcome it starts another attempt (up to
 * `maxHedges`), each in its own cancellation scope. The first acceptable outcome wins and its signal is
 * never aborted; the others are aborted and awaited before the result is returned (their successful
 * results go to `onDiscard`), so nothing keeps running behind the caller's back. A handled (not
 * acceptable) outcome starts the next attempt at once. A throwing delay function or predicate fails the
 * call; the call always settles.
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
  /** See {@link HedgeOptions.onDiscard}. */
  readonly onDiscard: ((outcome: Success<unknown>) => void) | undefined;
  /** Fired when a hedged attempt starts (free when nobody listens). */
  readonly onHedging = new EventEmitter<HedgingEvent>();
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
    this.onDiscard = options.onDiscard;
    this.delay = options.delayMs;
  }

  /** The delay before the next hedge: -1 for sequential (negative or infinite), 0 for NaN. May throw. */
  nextDelay(): number {
    const d = typeof this.delay === 'function' ? this.delay() : this.delay;
    if (typeof d !== 'number' || Number.isNaN(d)) return 0;
    return d < 0 || d === Number.POSITIVE_INFINITY ? -1 : d;
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
