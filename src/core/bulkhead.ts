/**
 * Bulkhead: a concurrency limit with a bounded FIFO queue.
 * @packageDocumentation
 */
import type { Call, Chain, UserFn } from './call.js';
import { AbortedError, BulkheadRejectedError } from './errors/policy-errors.js';
import { failure, type Outcome } from './outcome.js';
import { BasePolicy, type PolicyOptions } from './policy-base.js';

/** Options of {@link BulkheadPolicy}. */
export interface BulkheadOptions extends PolicyOptions {
  /** Calls allowed to run at once (integer >= 1). */
  readonly maxConcurrent: number;
  /** Calls allowed to wait for a slot, first in first out (default 0). */
  readonly maxQueue?: number;
}

interface Waiter {
  resolve: (admitted: boolean) => void;
  prev: Waiter | undefined;
  next: Waiter | undefined;
  queued: boolean;
}

/**
 * Limits concurrency. When every slot is busy a call waits in a bounded FIFO queue; when the queue is
 * full it is rejected at once with a `rejected` failure carrying a {@link BulkheadRejectedError}. A
 * queued caller whose signal aborts leaves the queue immediately (O(1), linked list) with an `aborted`
 * outcome.
 */
export class BulkheadPolicy extends BasePolicy {
  /** The concurrency limit. */
  readonly maxConcurrent: number;
  /** The queue bound. */
  readonly maxQueue: number;
  private running = 0;
  private queued = 0;
  private head: Waiter | undefined = undefined;
  private tail: Waiter | undefined = undefined;

  /** @param options - see {@link BulkheadOptions} */
  constructor(options: BulkheadOptions) {
    super(options);
    const { maxConcurrent, maxQueue = 0 } = options;
    if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1) {
      throw new RangeError(`bulkhead: maxConcurrent must be an integer >= 1 (got ${String(maxConcurrent)})`);
    }
    if (!Number.isInteger(maxQueue) || maxQueue < 0) {
      throw new RangeError(`bulkhead: maxQueue must be an integer >= 0 (got ${String(maxQueue)})`);
    }
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
  }

  /** Calls running now. */
  get executing(): number {
    return this.running;
  }

  /** Calls waiting now. */
  get queueLength(): number {
    return this.queued;
  }

  /**
   * Takes a slot at once if one is free (for callers that cannot wrap a function, e.g. a stream held
   * open until it ends); never queues. Give it back with {@link BulkheadPolicy.release}.
   */
  tryEnter(): boolean {
    if (this.running >= this.maxConcurrent) return false;
    this.running++;
    return true;
  }

  /** Gives back a slot taken with {@link BulkheadPolicy.tryEnter} (hands it to the first waiter, if any). */
  release(): void {
    this.leave();
  }

  async invoke<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    if (this.running >= this.maxConcurrent) {
      if (this.queued >= this.maxQueue) {
        return failure('rejected', BulkheadRejectedError.fast(this.maxConcurrent, this.maxQueue));
      }
      if (call.scope?.aborted) return failure('aborted', new AbortedError(call.scope.reason));
      if (!(await this.wait(call))) return failure('aborted', new AbortedError(call.scope?.reason));
    } else {
      this.running++;
    }
    try {
      return await next.run<T>(call, fn);
    } finally {
      this.leave();
    }
  }

  /** Waits for a slot; true when admitted (the slot is already counted), false when aborted. */
  private wait(call: Call): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = { resolve, prev: this.tail, next: undefined, queued: true };
      if (this.tail) this.tail.next = waiter;
      else this.head = waiter;
      this.tail = waiter;
      this.queued++;
      if (call.scope) {
        const unsubscribe = call.scope.onAbort(() => {
          if (!waiter.queued) return;
          this.unlink(waiter);
          resolve(false);
        });
        waiter.resolve = (admitted) => {
          unsubscribe();
          resolve(admitted);
        };
      }
    });
  }

  private leave(): void {
    const waiter = this.head;
    if (waiter) {
      this.unlink(waiter);
      waiter.resolve(true); // hands the slot over: `running` stays the same
    } else {
      this.running--;
    }
  }

  private unlink(w: Waiter): void {
    w.queued = false;
    if (w.prev) w.prev.next = w.next;
    else this.head = w.next;
    if (w.next) w.next.prev = w.prev;
    else this.tail = w.prev;
    w.prev = undefined;
    w.next = undefined;
    this.queued--;
  }

  describeSelf(): { name: string; options: Readonly<Record<string, unknown>> } {
    return { name: 'bulkhead', options: { maxConcurrent: this.maxConcurrent, maxQueue: this.maxQueue } };
  }
}

/** Shorthand for `new BulkheadPolicy(options)`. */
export function bulkhead(options: BulkheadOptions): BulkheadPolicy {
  return new BulkheadPolicy(options);
}
