/**
 * Timeout policy: a cooperative deadline delivered through the attempt's `AbortSignal`.
 * @packageDocumentation
 */
import { type Call, type Chain, type FastStage, invokeFast, SLOW_PATH, type UserFn } from './call.js';
import { type Clock, systemClock } from './clock.js';
import { type DeadlineEntry, DeadlineQueue } from './deadline-queue.js';
import { TimeoutError } from './errors/policy-errors.js';
import type { Disposable } from './event-emitter.js';
import { failure, type Outcome } from './outcome.js';
import { BasePolicy, type PolicyOptions } from './policy-base.js';
import { SignalScope } from './signal-scope.js';

/**
 * - `cooperative` (default): at the deadline the attempt's signal aborts and the policy waits for the
 *   function to return. A function that still fails (typically because it noticed the abort) reports
 *   `timeout`; one that finishes successfully anyway returns its value (a complete answer is not thrown
 *   away). A function that ignores its signal runs to its end.
 * - `aggressive`: at the deadline the signal aborts and the policy reports `timeout` at once; the
 *   function keeps running in the background until it notices. Such abandoned calls are counted
 *   ({@link TimeoutPolicy.abandoned}, {@link TimeoutPolicy.abandonedRunning}).
 */
export type TimeoutStrategy = 'cooperative' | 'aggressive';

/** Options of {@link TimeoutPolicy}. */
export interface TimeoutOptions extends PolicyOptions {
  /** The deadline in milliseconds (finite, > 0). */
  readonly timeoutMs: number;
  /** See {@link TimeoutStrategy} (default `cooperative`). */
  readonly strategy?: TimeoutStrategy;
  /** Time source (default {@link systemClock}). */
  readonly clock?: Clock;
}

/**
 * Gives each call a deadline. The deadline is one entry in a FIFO served by a single unref'd timer
 * (no `setTimeout` per call) and the signal's `AbortController` exists only if the function reads
 * `ctx.signal`. A deadline produces a `timeout` failure carrying a {@link TimeoutError}.
 */
export class TimeoutPolicy extends BasePolicy implements Disposable, FastStage {
  /** The deadline in ms. */
  readonly timeoutMs: number;
  private readonly strategy: TimeoutStrategy;
  private readonly queue: DeadlineQueue;
  private abandonedTotal = 0;
  private abandonedNow = 0;

  /** @param options - see {@link TimeoutOptions} */
  constructor(options: TimeoutOptions) {
    super(options);
    const ms = options.timeoutMs;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
      throw new RangeError(`timeoutMs must be a finite number > 0 (got ${String(ms)})`);
    }
    this.timeoutMs = ms;
    this.strategy = options.strategy ?? 'cooperative';
    this.queue = new DeadlineQueue(options.clock ?? systemClock, (entry) => this.expire(entry));
  }

  /** Aggressive calls abandoned at their deadline, in total. */
  get abandoned(): number {
    return this.abandonedTotal;
  }

  /** Aggressive calls abandoned at their deadline that are still running in the background. */
  get abandonedRunning(): number {
    return this.abandonedNow;
  }

  invoke<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    return invokeFast<T>(this, call, fn, next);
  }

  /** The aggressive strategy: the call races its deadline. */
  invokeSlow<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    const entry = this.queue.add(this.timeoutMs, new SignalScope(call.scope));
    return this.race(next.run<T>(call.with(entry.scope, call.attempt), fn), entry);
  }

  /** @inheritDoc FastStage.enter */
  enter(call: Call): unknown {
    if (this.strategy === 'aggressive') return SLOW_PATH;
    return this.queue.add(this.timeoutMs, new SignalScope(call.scope));
  }

  /** @inheritDoc FastStage.inner */
  inner(token: unknown, call: Call): Call {
    return call.with((token as DeadlineEntry).scope, call.attempt);
  }

  /** @inheritDoc FastStage.leave */
  leave<T>(out: Outcome<T>, token: unknown): Outcome<T> {
    return this.finish(out, token as DeadlineEntry);
  }

  private finish<T>(out: Outcome<T>, entry: DeadlineEntry): Outcome<T> {
    entry.scope.dispose();
    if (entry.fired) return out.ok ? out : failure('timeout', entry.error);
    this.queue.complete(entry);
    return out;
  }

  private race<T>(inner: Promise<Outcome<T>>, entry: DeadlineEntry): Promise<Outcome<T>> {
    return new Promise<Outcome<T>>((resolve) => {
      let abandoned = false;
      entry.settle = (error) => {
        abandoned = true;
        this.abandonedTotal++;
        this.abandonedNow++;
        resolve(failure('timeout', error));
      };
      inner.then((out) => {
        if (abandoned) this.abandonedNow--;
        resolve(this.finish(out, entry));
      });
    });
  }

  private expire(entry: DeadlineEntry): void {
    const error = new TimeoutError(this.timeoutMs);
    entry.error = error;
    entry.scope.abort(error);
    entry.settle?.(error);
  }

  /** Clears the policy's timer. Calls still running will not time out. */
  dispose(): void {
    this.queue.dispose();
  }

  describeSelf(): { name: string; options: Readonly<Record<string, unknown>> } {
    return { name: 'timeout', options: { timeoutMs: this.timeoutMs, strategy: this.strategy } };
  }
}

/** Shorthand: `timeout(5000)` or `timeout({ timeoutMs: 5000, strategy: 'aggressive' })`. */
export function timeout(msOrOptions: number | TimeoutOptions): TimeoutPolicy {
  return new TimeoutPolicy(typeof msOrOptions === 'number' ? { timeoutMs: msOrOptions } : msOrOptions);
}
