/**
 * Asynchronous, bounded delivery of notifications to one notifier. `push` never blocks and never
 * throws: a full queue drops its oldest entry (counted), each delivery has a timeout (on the injected
 * clock), failures are retried with exponential backoff, and `stop()` clears every timer and aborts the
 * delivery in flight.
 * @packageDocumentation
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import { DeliveryError } from './notifiers/http-transport.js';
import type { AlertLogger, AlertNotification, AlertNotifier } from './types.js';

/** Delivery tuning. */
export interface DeliveryOptions {
  /** Pending notifications kept; the oldest is dropped beyond this. */
  readonly queueSize: number;
  /** Retries after a failed attempt. */
  readonly retries: number;
  /** First backoff delay in ms (doubles per retry). */
  readonly backoff: number;
  /** Backoff cap in ms. */
  readonly maxBackoff: number;
  /** Per-attempt timeout in ms. */
  readonly timeout: number;
}

/** Counters for one notifier. */
export interface DeliveryStats {
  readonly notifier: string;
  readonly queued: number;
  readonly inFlight: boolean;
  readonly delivered: number;
  /** Notifications given up on after their retries. */
  readonly failed: number;
  readonly retried: number;
  readonly timedOut: number;
  /** Notifications dropped because the queue was full. */
  readonly dropped: number;
}

interface Pending {
  readonly notification: AlertNotification;
  retriesLeft: number;
}

/** A short, non-secret description of a delivery error (codes only, never messages that may hold URLs). */
export function describeDeliveryError(error: unknown): string {
  if (error instanceof DeliveryError) return error.status !== undefined ? `http ${error.status}` : 'rejected';
  if (error && typeof error === 'object') {
    const e = error as { code?: unknown; name?: unknown };
    if (typeof e.code === 'string') return e.code;
    if (typeof e.name === 'string') return e.name;
  }
  return 'error';
}

/** The queue in front of one {@link AlertNotifier}. */
export class DeliveryQueue {
  private items: Pending[] = [];
  private current: Pending | undefined;
  private controller: AbortController | undefined;
  private timeoutTimer: TimerHandle | undefined;
  private backoffTimer: TimerHandle | undefined;
  private scheduled = false;
  private stopped = false;
  private delivered = 0;
  private failed = 0;
  private retried = 0;
  private timedOut = 0;
  private dropped = 0;

  constructor(
    private readonly notifier: AlertNotifier,
    private readonly options: DeliveryOptions,
    private readonly clock: Clock,
    private readonly logger: AlertLogger,
  ) {}

  /** Queues a notification; returns at once. */
  push(notification: AlertNotification): void {
    if (this.stopped) return;
    if (this.items.length >= this.options.queueSize) {
      this.items.shift();
      this.dropped++;
    }
    this.items.push({ notification, retriesLeft: this.options.retries });
    if (!this.current && !this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.next();
      });
    }
  }

  /** Counters so far. */
  stats(): DeliveryStats {
    return {
      notifier: this.notifier.name,
      queued: this.items.length,
      inFlight: this.current !== undefined,
      delivered: this.delivered,
      failed: this.failed,
      retried: this.retried,
      timedOut: this.timedOut,
      dropped: this.dropped,
    };
  }

  /** Drops everything queued, aborts the delivery in flight and clears every timer. */
  stop(): void {
    this.stopped = true;
    this.items = [];
    this.current = undefined;
    this.clearTimers();
    this.controller?.abort();
    this.controller = undefined;
  }

  private next(): void {
    if (this.stopped || this.current) return;
    const item = this.items.shift();
    if (!item) return;
    this.current = item;
    this.attempt(item);
  }

  private attempt(item: Pending): void {
    const controller = new AbortController();
    this.controller = controller;
    let finished = false;
    const fail = (error: unknown, timedOut: boolean): void => {
      if (finished || this.current !== item) return;
      finished = true;
      this.settle();
      if (timedOut) this.timedOut++;
      const retryable = !(error instanceof DeliveryError) || error.retryable;
      if (retryable && item.retriesLeft > 0) {
        const n = this.options.retries - item.retriesLeft;
        item.retriesLeft--;
        this.retried++;
        const delay = Math.min(this.options.maxBackoff, this.options.backoff * 2 ** n);
        this.backoffTimer = this.clock.setTimer(() => {
          this.backoffTimer = undefined;
          if (this.current === item) this.attempt(item);
        }, delay);
        return;
      }
      this.failed++;
      this.logger.warn(
        {
          notifier: this.notifier.name,
          alert: item.notification.alert.key,
          kind: item.notification.kind,
          error: timedOut ? 'timeout' : describeDeliveryError(error),
        },
        'alert delivery failed',
      );
      this.done();
    };
    // The timeout fails the attempt even if the notifier ignores the abort signal.
    this.timeoutTimer = this.clock.setTimer(() => {
      this.timeoutTimer = undefined;
      const error = new DeliveryError('delivery timed out', true);
      controller.abort(error);
      fail(error, true);
    }, this.options.timeout);
    let sending: Promise<void>;
    try {
      sending = this.notifier.send(item.notification, controller.signal);
    } catch (error) {
      sending = Promise.reject(error);
    }
    sending.then(
      () => {
        if (finished || this.current !== item) return;
        finished = true;
        this.settle();
        this.delivered++;
        this.done();
      },
      (error: unknown) => fail(error, false),
    );
  }

  private settle(): void {
    if (this.timeoutTimer !== undefined) this.clock.clearTimer(this.timeoutTimer);
    this.timeoutTimer = undefined;
    this.controller = undefined;
  }

  private done(): void {
    this.current = undefined;
    this.next();
  }

  private clearTimers(): void {
    if (this.timeoutTimer !== undefined) this.clock.clearTimer(this.timeoutTimer);
    if (this.backoffTimer !== undefined) this.clock.clearTimer(this.backoffTimer);
    this.timeoutTimer = undefined;
    this.backoffTimer = undefined;
  }
}
