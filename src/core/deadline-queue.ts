/**
 * Deadlines for one timeout policy. Because every deadline of a policy is `now + the same ms`, they
 * arrive in order, so a FIFO queue with one armed timer replaces a `setTimeout` per call: adding is a
 * push, completing is a flag plus popping finished entries from the head, O(1) amortised.
 * @packageDocumentation
 */
import type { Clock, TimerHandle } from './clock.js';
import type { SignalScope } from './signal-scope.js';

/** One registered deadline. */
export class DeadlineEntry {
  /** True once the call finished (or the deadline fired). */
  done = false;
  /** True when the deadline fired before the call finished. */
  fired = false;
  /** What the expiry produced (set by the queue's owner), e.g. the timeout error. */
  error: unknown = undefined;
  /** Optional early settlement hook (aggressive timeouts). */
  settle: ((error: unknown) => void) | undefined = undefined;

  /** @param at - monotonic deadline @param scope - the scope to abort when the deadline passes */
  constructor(
    readonly at: number,
    readonly scope: SignalScope,
  ) {}
}

/** A FIFO of deadlines served by a single unref'd timer. */
export class DeadlineQueue {
  private items: DeadlineEntry[] = [];
  private head = 0;
  private timer: TimerHandle | undefined = undefined;
  private disposed = false;

  /**
   * @param clock - time and timer source
   * @param onExpire - called once for each entry whose deadline passes before it completes
   */
  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (entry: DeadlineEntry) => void,
  ) {}

  /** Number of entries not yet popped (for tests). */
  get size(): number {
    return this.items.length - this.head;
  }

  /** True while a timer is armed. */
  get armed(): boolean {
    return this.timer !== undefined;
  }

  /** Registers a deadline `ms` from now. Deadlines must be added in non-decreasing order. */
  add(ms: number, scope: SignalScope): DeadlineEntry {
    const entry = new DeadlineEntry(this.clock.now() + ms, scope);
    this.items.push(entry);
    if (this.timer === undefined && !this.disposed) this.arm(entry.at);
    return entry;
  }

  /** Marks `entry` finished; pops finished entries off the head. */
  complete(entry: DeadlineEntry): void {
    entry.done = true;
    const items = this.items;
    if (items[this.head] === entry) {
      let h = this.head + 1;
      while (h < items.length && items[h]!.done) h++;
      if (h === items.length) {
        items.length = 0;
        this.head = 0;
      } else {
        this.head = h;
        if (h > 1024 && h * 2 > items.length) {
          this.items = items.slice(h);
          this.head = 0;
        }
      }
    }
  }

  /** Clears the timer; entries still pending never fire. */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.items = [];
    this.head = 0;
  }

  private arm(at: number): void {
    this.timer = this.clock.setTimer(() => this.onTimer(), Math.max(0, at - this.clock.now()));
  }

  private onTimer(): void {
    this.timer = undefined;
    const now = this.clock.now();
    const items = this.items;
    let h = this.head;
    while (h < items.length) {
      const entry = items[h]!;
      if (!entry.done) {
        if (entry.at > now) break;
        entry.done = true;
        entry.fired = true;
        this.onExpire(entry);
      }
      h++;
    }
    if (this.items !== items) return; // disposed or compacted during a callback
    if (h >= items.length) {
      items.length = 0;
      this.head = 0;
    } else {
      this.head = h;
      if (!this.disposed) this.arm(items[h]!.at);
    }
  }
}
