/**
 * A deterministic clock for tests: time moves only when the test says so.
 * @packageDocumentation
 */
import type { Clock, TimerHandle } from '../clock.js';

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
  keepAlive: boolean;
}

/** A {@link Clock} whose time advances only through {@link FakeClock.advance}. */
export class FakeClock implements Clock {
  private current: number;
  private wallOffset: number;
  private nextId = 1;
  private timers: FakeTimer[] = [];

  /** @param start - initial monotonic time in ms; @param wallStart - initial wall time in ms */
  constructor(start = 0, wallStart = Date.UTC(2025, 0, 1)) {
    this.current = start;
    this.wallOffset = wallStart - start;
  }

  now(): number {
    return this.current;
  }

  wallNow(): number {
    return this.current + this.wallOffset;
  }

  setTimer(fn: () => void, ms: number, keepAlive = false): TimerHandle {
    const timer: FakeTimer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn, keepAlive };
    this.timers.push(timer);
    return timer.id;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  keepAlive(handle: TimerHandle, on: boolean): void {
    for (const t of this.timers) if (t.id === handle) t.keepAlive = on;
  }

  /** Number of scheduled timers that would keep a real process alive (awaited ones). */
  get keptAliveTimers(): number {
    let n = 0;
    for (const t of this.timers) if (t.keepAlive) n++;
    return n;
  }

  /** Number of timers still scheduled. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /**
   * Moves time forward by `ms`, firing due timers in order. Between timers it lets pending promise
   * callbacks run, so async code scheduled by a timer can schedule the next one.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    await flushMicrotasks();
    for (;;) {
      const due = this.earliestDue(target);
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.current = Math.max(this.current, due.at);
      due.fn();
      await flushMicrotasks();
    }
    this.current = target;
    await flushMicrotasks();
  }

  /** Fires every timer until none are left (bounded to avoid infinite loops). */
  async runAll(maxTimers = 10_000): Promise<void> {
    for (let i = 0; i < maxTimers && this.timers.length > 0; i++) {
      const next = this.earliestDue(Number.POSITIVE_INFINITY)!;
      await this.advance(next.at - this.current);
    }
  }

  private earliestDue(limit: number): FakeTimer | undefined {
    let best: FakeTimer | undefined;
    for (const t of this.timers) {
      if (t.at <= limit && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    }
    return best;
  }
}

/** Lets queued promise callbacks run (several turns, for chains of awaits). */
export async function flushMicrotasks(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await Promise.resolve();
}
