/**
 * Timeout policy: a cooperative deadline delivered through the attempt's `AbortSignal`.
 * @packageDocumentation
 */
import { type Call, type Chain, type FastStage, SLOW_PATH, type UserFn } from './call.js';
import { type Clock, systemClock } from './clock.js';
import { type DeadlineEntry, DeadlineQueue } from './deadline-queue.js';
import { TimeoutError } from './errors/policy-errors.js';
import type { Disposable } from './event-emitter.js';
import { failure, type Outcome } from './outcome.js';
import { BasePolicy, type PolicyOptions } from './policy-base.js';
import { SignalScope } from './signal-scope.js';

/**
 * - `cooperative` (default): at the deadline the attempt's signal aborts and the policy waits for the
 *   function to return, then reports `timeout`. A function that ignores its signal runs to its end.
 * - `aggressive`: at the deadline the signal aborts and the policy reports `timeout` at once; the
 *   function keeps running in the background until it notices.
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

  invoke<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    const entry = this.queue.add(this.timeoutMs, new SignalScope(call.scope));
    const inner = next.run<T>(call.with(entry.scope, call.attempt), fn);
    if (this.strategy === 'aggressive') return this.race(inner, entry);
    return this.settleCooperative(inner, entry);
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

  private async settleCooperative<T>(inner: Promise<Outcome<T>>, entry: DeadlineEntry): Promise<Outcome<T>> {
    const out = await inner;
    return this.finish(out, entry);
  }

  private finish<T>(out: Outcome<T>, entry: DeadlineEntry): Outcome<T> {
    entry.scope.dispose();
    if (entry.fired) return failure('timeout', entry.error);
    this.queue.complete(entry);
    return out;
  }

  private race<T>(inner: Promise<Outcome<T>>, entry: DeadlineEntry): Promise<Outcome<T>> {
    return new Promise<Outcome<T>>((resolve) => {
      entry.settle = (error) => resolve(failure('timeout', error));
      inner.then((out) => resolve(this.finish(out, entry)));
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
