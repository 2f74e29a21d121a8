/**
 * Moves the shared outcome counts between this instance and the store on two background timers. Every
 * `syncInterval` one batched write adds what was counted here and one read, sent after it on the same
 * connection, brings back the aggregate of every instance. Failures go out sooner: every `flushInterval`
 * while this instance counts any (what decides a breaker travels fast; a healthy stretch costs one write a
 * `syncInterval`, not ten). Nothing is awaited by a request; both timers are background ones (they never
 * keep the process alive), cleared on stop.
 * @packageDocumentation
 */
import type { StateConfig } from '../config/state-schema.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { OutcomeKind } from '../core/outcome.js';
import type { StateStore } from '../state/state-store.js';
import { type OutcomeTally, SharedOutcomeCounts } from './shared-counts.js';

/** The counts' link to the store: what is counted here goes out, the aggregate comes back. */
export class CountSync {
  private readonly counts: SharedOutcomeCounts;
  private flushTimer: TimerHandle | undefined;
  private syncTimer: TimerHandle | undefined;
  private reading = false;
  private stopped = false;

  /** @param afterRead - called after each successful read of the aggregate */
  constructor(
    private readonly store: StateStore,
    private readonly clock: Clock,
    private readonly settings: Pick<StateConfig, 'flushInterval' | 'syncInterval' | 'window'>,
    private readonly afterRead: () => void,
  ) {
    this.counts = new SharedOutcomeCounts(clock, settings.window);
  }

  /** The hot-path observer: records one call (O(1), no clock read, no I/O). */
  readonly add = (model: string, kind: OutcomeKind): void => this.counts.add(model, kind);

  /** Calls and failures of `model` across every instance (as last read plus what is new here). */
  aggregate(model: string): OutcomeTally {
    return this.counts.aggregate(model);
  }

  /** Starts the flush and read timers. */
  start(): void {
    const { clock, settings } = this;
    const flush = () => {
      this.flushTimer = clock.setTimer(flush, settings.flushInterval);
      this.tick();
    };
    const sync = () => {
      this.syncTimer = clock.setTimer(sync, settings.syncInterval);
      void this.read();
    };
    this.flushTimer = clock.setTimer(flush, settings.flushInterval);
    this.syncTimer = clock.setTimer(sync, settings.syncInterval);
  }

  /** Writes what is counted here (when the store is up, without waiting), then stops the timers. */
  stop(): void {
    if (this.stopped) return;
    this.flush();
    this.stopped = true;
    if (this.flushTimer !== undefined) this.clock.clearTimer(this.flushTimer);
    if (this.syncTimer !== undefined) this.clock.clearTimer(this.syncTimer);
  }

  /** The `flushInterval` tick: writes the counts when a failure is among them (else they go with the read). */
  private tick(): void {
    if (this.counts.hasUnwrittenFailures) this.flush();
  }

  /** One batched write of what was counted since the last one (nothing when nothing was). */
  private flush(): void {
    if (this.stopped) return;
    const writes = this.counts.takeWrites();
    if (writes.length === 0 || !this.store.available) return;
    this.store.write(writes).catch(() => {});
  }

  private async read(): Promise<void> {
    if (this.reading || this.stopped || !this.store.available) return;
    this.reading = true;
    // Write what is counted here first: the read, sent after it on the same connection, then includes it.
    this.flush();
    const keys = this.counts.startRead();
    try {
      this.counts.finishRead(await this.store.counters(keys));
    } catch {
      this.counts.failRead();
      return;
    } finally {
      this.reading = false;
    }
    if (!this.stopped) this.afterRead();
  }
}
