/**
 * Per-model outcome counts shared by every instance, in time buckets: each instance adds its own
 * observations (batched, never awaited per request) and reads back the sum over the window (every
 * `syncInterval`). A breaker that opens here consults that aggregate before
 * it opens everywhere, so one noisy instance cannot open a breaker for the others alone.
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';
import { countsAsFailure, type OutcomeKind } from '../core/outcome.js';
import type { StateWrite } from '../state/state-store.js';

/** Buckets in a window. */
export const COUNT_BUCKETS = 10;

/** Calls and failures of one model. */
export interface OutcomeTally {
  calls: number;
  failures: number;
}

function merge(map: Map<string, OutcomeTally>, model: string, add: OutcomeTally): void {
  const t = map.get(model);
  if (t) {
    t.calls += add.calls;
    t.failures += add.failures;
  } else map.set(model, { calls: add.calls, failures: add.failures });
}

interface Cell {
  /** Counted since the last flush (not written to the store yet). */
  successes: number;
  failures: number;
  /** Counted since the last read started (not in the aggregate read back yet). */
  freshCalls: number;
  freshFailures: number;
}

/**
 * The local half of the shared counts: what this instance saw, and the aggregate it last read.
 *
 * Recording a call reads no clock: counts wait in a per-model cell and land in the time bucket of the
 * flush that writes them (at most one `flushInterval` after the call, against buckets of a tenth of the
 * window), so the hot path is one map lookup and two increments.
 */
export class SharedOutcomeCounts {
  private readonly bucketMs: number;
  private readonly ttlMs: number;
  private readonly cells = new Map<string, Cell>();
  private unwrittenFailures = false;
  private remote = new Map<string, OutcomeTally>();
  /** Added before the read in flight started (in the store, not yet in `remote`). */
  private reading = new Map<string, OutcomeTally>();

  /** @param windowMs - span of the aggregate ({@link COUNT_BUCKETS} buckets) */
  constructor(
    private readonly clock: Clock,
    windowMs: number,
  ) {
    this.bucketMs = Math.max(100, Math.floor(windowMs / COUNT_BUCKETS));
    this.ttlMs = this.bucketMs * (COUNT_BUCKETS + 2);
  }

  /** Records one call (O(1), no clock read; neutral kinds such as `request` or `aborted` are not counted). */
  add(model: string, kind: OutcomeKind): void {
    const failed = kind !== 'success';
    if (failed && !countsAsFailure(kind) && kind !== 'account') return;
    let cell = this.cells.get(model);
    if (!cell) {
      cell = { successes: 0, failures: 0, freshCalls: 0, freshFailures: 0 };
      this.cells.set(model, cell);
    }
    cell.freshCalls++;
    if (failed) {
      cell.failures++;
      cell.freshFailures++;
      this.unwrittenFailures = true;
    } else cell.successes++;
  }

  /** True when a failure was counted since the last {@link SharedOutcomeCounts.takeWrites}. */
  get hasUnwrittenFailures(): boolean {
    return this.unwrittenFailures;
  }

  /**
   * The writes that add everything counted since the last call to the current time bucket (empty when
   * nothing happened): one counter per model and outcome, all in one hash.
   */
  takeWrites(): StateWrite[] {
    this.unwrittenFailures = false;
    const out: StateWrite[] = [];
    let key: string | undefined;
    for (const [model, cell] of this.cells) {
      if (cell.successes === 0 && cell.failures === 0) continue;
      key ??= `counts:${Math.floor(this.clock.wallNow() / this.bucketMs)}`;
      if (cell.successes > 0)
        out.push({ op: 'incr', key, field: `s:${model}`, by: cell.successes, ttlMs: this.ttlMs });
      if (cell.failures > 0)
        out.push({ op: 'incr', key, field: `f:${model}`, by: cell.failures, ttlMs: this.ttlMs });
      cell.successes = 0;
      cell.failures = 0;
    }
    return out;
  }

  /** Starts reading the aggregate: the keys to read (oldest bucket first). */
  startRead(): string[] {
    for (const [model, cell] of this.cells) {
      if (cell.freshCalls === 0) continue;
      merge(this.reading, model, { calls: cell.freshCalls, failures: cell.freshFailures });
      cell.freshCalls = 0;
      cell.freshFailures = 0;
    }
    const now = Math.floor(this.clock.wallNow() / this.bucketMs);
    const keys: string[] = [];
    for (let b = now - COUNT_BUCKETS + 1; b <= now; b++) keys.push(`counts:${b}`);
    return keys;
  }

  /** Applies what {@link SharedOutcomeCounts.startRead}'s keys held. */
  finishRead(hashes: ReadonlyArray<Readonly<Record<string, number>>>): void {
    const remote = new Map<string, OutcomeTally>();
    for (const hash of hashes) {
      for (const [field, value] of Object.entries(hash)) {
        if (!(value > 0) || field.length < 3 || field[1] !== ':') continue;
        const model = field.slice(2);
        let t = remote.get(model);
        if (!t) {
          t = { calls: 0, failures: 0 };
          remote.set(model, t);
        }
        if (field[0] === 's') t.calls += value;
        else if (field[0] === 'f') {
          t.calls += value;
          t.failures += value;
        }
      }
    }
    this.remote = remote;
    this.reading = new Map();
  }

  /** A read failed: what it would have covered stays counted locally. */
  failRead(): void {
    for (const [model, t] of this.reading) {
      const cell = this.cells.get(model);
      if (!cell) continue;
      cell.freshCalls += t.calls;
      cell.freshFailures += t.failures;
    }
    this.reading = new Map();
  }

  /** Calls and failures of `model` across every instance in the window, as last read plus what is new here. */
  aggregate(model: string): OutcomeTally {
    const out = { calls: 0, failures: 0 };
    for (const map of [this.remote, this.reading]) {
      const t = map.get(model);
      if (t) {
        out.calls += t.calls;
        out.failures += t.failures;
      }
    }
    const cell = this.cells.get(model);
    if (cell) {
      out.calls += cell.freshCalls;
      out.failures += cell.freshFailures;
    }
    return out;
  }
}
