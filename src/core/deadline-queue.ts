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

/**
 * A FIFO of deadlines served by a single timer. The timer keeps the process alive while a deadline is
 * pending (somebody awaits that call) and is switched to background once the queue drains (when the
 * clock can switch it; see `Clock.keepAlive`). The backing array keeps its capacity when the queue drains
 * (`head`/`tail` indices, popped slots cleared), so the steady state allocates nothing.
 */
export class DeadlineQueue {
  private items: (DeadlineEntry | undefined)[] = [];
  private head = 0;
  private tail = 0;
  private timer: TimerHandle | undefined = undefined;
  /** True while the armed timer keeps the process alive. */
  private held = false;
  private disposed = false;

  /**
   * @param clock - time and timer source
   * @param onExpire - called once for each entry whose deadline passes before it completes
   */
  constructor(
    private readonly clock: Clock,
    private readonly onExpire: (entry: DeadlineEntry) => void,
  ) {}

  /** Registers a deadline `ms` from now. Deadlines must be added in non-decreasing order. */
  add(ms: number, scope: SignalScope): DeadlineEntry {
    const entry = new DeadlineEntry(this.clock.now() + ms, scope);
    this.items[this.tail++] = entry;
    if (this.timer === undefined) {
      if (!this.disposed) this.arm(entry.at);
    } else if (!this.held && this.clock.keepAlive !== undefined) {
      this.clock.keepAlive(this.timer, true);
      this.held = true;
    }
    return entry;
  }

  /** Marks `entry` finished; pops finished entries off the head. */
  complete(entry: DeadlineEntry): void {
    entry.done = true;
    const items = this.items;
    if (items[this.head] !== entry) return;
    items[this.head] = undefined;
    let h = this.head + 1;
    while (h < this.tail && items[h]!.done) items[h++] = undefined;
    this.popTo(h);
  }

  /** Clears the timer; entries still pending never fire. */
  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.held = false;
    this.items = [];
    this.head = 0;
    this.tail = 0;
  }

  /** Moves the head to `h` (slots before it already cleared); compacts a long-drained prefix. */
  private popTo(h: number): void {
    if (h >= this.tail) {
      this.head = 0;
      this.tail = 0;
      if (this.held && this.timer !== undefined) {
        this.clock.keepAlive!(this.timer, false);
        this.held = false;
      }
    } else if (h > 1024 && h * 2 > this.tail) {
      this.items = this.items.slice(h, this.tail);
      this.tail -= h;
      this.head = 0;
    } else {
      this.head = h;
    }
  }

  private arm(at: number): void {
    // Only a clock that can later switch the timer to background gets a keep-alive one: otherwise a
    // drained queue would hold the process until the timer fired.
    const hold = this.clock.keepAlive !== undefined;
    this.timer = this.clock.setTimer(() => this.onTimer(), Math.max(0, at - this.clock.now()), hold);
    this.held = hold;
  }

  private onTimer(): void {
    this.timer = undefined;
    this.held = false;
    const now = this.clock.now();
    const items = this.items;
    let h = this.head;
    let end = this.tail;
    while (h < end) {
      const entry = items[h]!;
      if (!entry.done) {
        if (entry.at > now) break;
        entry.done = true;
        entry.fired = true;
        this.onExpire(entry);
        if (this.items === items) end = this.tail; // a callback may add entries
      }
      items[h++] = undefined;
    }
    if (this.items !== items) return; // disposed or compacted during a callback
    this.popTo(h);
    if (this.tail > this.head && !this.disposed) this.arm(this.items[this.head]!.at);
  }
}
