/**
 * Per-call timers and cancellation for provider calls: a total deadline, a time-to-first-token limit
 * and an idle limit between stream chunks, all on one lazily re-armed timer, plus the caller's signal.
 * No `AbortController` is created: when a limit runs out or the caller aborts, the watch calls the
 * cancel function of the HTTP exchange it guards (see `http-exchange.ts`). The caller's signal gets one
 * listener, and only when there is a caller signal.
 * @packageDocumentation
 */
import type { CancelSignal } from '../core/cancel-signal.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Failure } from '../core/outcome.js';
import {
  abortedFailure,
  type ClassifyContext,
  classifySignalAbort,
  classifyTransportError,
  timeoutFailure,
} from './classify.js';

/**
 * Which limit ran out. `drain`: a stream that delivered its last event, whose response did not end in
 * time (see `SseProviderStream.release`).
 */
export type WatchPhase = 'total' | 'ttft' | 'idle' | 'drain';

const PHASE_TEXT: Readonly<Record<WatchPhase, string>> = {
  total: 'the call exceeded its timeout',
  ttft: 'no first token within the time-to-first-token limit',
  idle: 'the stream stalled longer than the idle limit',
  drain: 'the response did not end after its last event',
};

/** Timers and cancellation for one provider call. */
export class CallWatch {
  /** Set once a limit has run out. */
  expired: WatchPhase | undefined;
  /** Set when the consumer closed the stream. */
  closed = false;
  private cancelExchange: ((reason: Error) => void) | undefined;
  private timer: TimerHandle | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private expireAt = Number.POSITIVE_INFINITY;
  private phase: WatchPhase = 'total';
  private listening = false;

  /**
   * @param clock - time source for the timers
   * @param caller - the caller's signal, if any
   */
  constructor(
    private readonly clock: Clock,
    private readonly caller: CancelSignal | undefined,
  ) {}

  /** True when the caller's signal is already aborted. */
  get callerAborted(): boolean {
    return this.caller?.aborted === true;
  }

  /**
   * Binds the exchange to cancel when a limit runs out or the caller aborts. Call once, right after the
   * exchange is dispatched; from then on the caller's abort reaches it.
   */
  attach(cancel: (reason: Error) => void): void {
    this.cancelExchange = cancel;
    if (this.caller && !this.listening) {
      this.listening = true;
      this.caller.addEventListener('abort', this.onCallerAbort, { once: true });
    }
  }

  /** Sets the current limit: the call expires `ms` from now unless re-armed (`undefined` = no limit). */
  arm(ms: number | undefined, phase: WatchPhase): void {
    if (this.expired) return;
    if (ms === undefined || ms <= 0) {
      this.expireAt = Number.POSITIVE_INFINITY;
      return;
    }
    this.phase = phase;
    this.expireAt = this.clock.now() + ms;
    if (this.timer === undefined || this.expireAt < this.timerAt) this.schedule(this.expireAt, ms);
  }

  /** Stops the timers and unlinks the caller's signal. Safe to call more than once. */
  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.expireAt = Number.POSITIVE_INFINITY;
    this.cancelExchange = undefined;
    if (this.listening) {
      this.listening = false;
      this.caller?.removeEventListener('abort', this.onCallerAbort);
    }
  }

  /** The failure for a call that ended with `err`: our timeout, the caller's abort, a close, or transport. */
  failureFor(err: unknown, ctx: ClassifyContext): Failure {
    if (this.expired) return timeoutFailure(ctx, `${this.expired}_timeout`, PHASE_TEXT[this.expired]);
    if (this.caller?.aborted) return classifySignalAbort(this.caller, ctx);
    if (this.closed) return abortedFailure(ctx, 'the stream was closed by its consumer');
    return classifyTransportError(err, ctx);
  }

  /** (Re)sets the one timer to fire `ms` from now, that is at `at` on the clock. */
  private schedule(at: number, ms: number): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timerAt = at;
    this.timer = this.clock.setTimer(this.check, ms);
  }

  private readonly check = (): void => {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    if (this.expireAt === Number.POSITIVE_INFINITY) return;
    const left = this.expireAt - this.clock.now();
    if (left > 0) {
      this.schedule(this.expireAt, left);
      return;
    }
    this.expired = this.phase;
    this.cancelExchange?.(new Error(PHASE_TEXT[this.phase]));
  };

  private readonly onCallerAbort = (): void => {
    const reason = this.caller?.reason;
    this.cancelExchange?.(reason instanceof Error ? reason : new Error('the caller aborted the call'));
  };
}
