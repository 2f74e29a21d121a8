/**
 * The last hour of requests in fixed intervals (10 s by default): how many finished, how many failed, how
 * many fell back, and the median and 95th percentile latency of each interval. Fed from the engine's
 * events in O(1) (a counter and a log-scale latency bucket per request); intervals roll over lazily from
 * the events' own timestamps and when read, so it needs no timer.
 * @packageDocumentation
 */
import { type Clock, systemClock } from '../core/clock.js';
import type { EngineEvent } from '../engine/events.js';

/** One interval (the same shape as the server's `TimelinePoint`). */
export interface RequestTimelinePoint {
  readonly at: number;
  readonly requests: number;
  readonly failed: number;
  readonly fallbacks: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

/** Options of {@link RequestTimeline}. */
export interface RequestTimelineOptions {
  /** Interval length (ms); default 10 000. */
  readonly intervalMs?: number;
  /** Closed intervals kept; default 360 (an hour of 10 s intervals). */
  readonly points?: number;
  readonly clock?: Clock;
}

/** Latency bucket upper bounds (ms): 1 ms to ~2 min, about 12 % apart. */
const BOUNDS: readonly number[] = Array.from({ length: 104 }, (_, i) => 1.12 ** i);
const LOG_STEP = Math.log(1.12);

function bucketOf(ms: number): number {
  if (!(ms > 1)) return 0;
  return Math.min(BOUNDS.length - 1, Math.ceil(Math.log(ms) / LOG_STEP));
}

/** Counts finished requests, failures, fallbacks and latencies per interval. */
export class RequestTimeline {
  readonly intervalMs: number;
  private readonly capacity: number;
  private readonly clock: Clock;
  private readonly closed: RequestTimelinePoint[] = [];
  private start = -1;
  private requests = 0;
  private failed = 0;
  private fallbacks = 0;
  private readonly latency = new Uint32Array(BOUNDS.length);

  constructor(options: RequestTimelineOptions = {}) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.capacity = options.points ?? 360;
    this.clock = options.clock ?? systemClock;
    if (!(this.intervalMs > 0) || !(this.capacity >= 1))
      throw new RangeError('RequestTimeline: intervalMs and points must be positive');
  }

  /** Records one engine event (finished requests and fallbacks; others are ignored). */
  observe(event: EngineEvent): void {
    if (event.type === 'request.completed') {
      this.roll(event.at);
      this.requests++;
      if (event.outcome !== 'success') this.failed++;
      this.latency[bucketOf(event.latencyMs)]!++;
    } else if (event.type === 'request.fallback') {
      this.roll(event.at);
      this.fallbacks++;
    }
  }

  /** Closed intervals, oldest first, then the current one (partial). */
  points(): RequestTimelinePoint[] {
    this.roll(this.clock.wallNow());
    return this.start < 0 ? [...this.closed] : [...this.closed, this.current()];
  }

  private current(): RequestTimelinePoint {
    return {
      at: this.start,
      requests: this.requests,
      failed: this.failed,
      fallbacks: this.fallbacks,
      p50Ms: this.percentile(0.5),
      p95Ms: this.percentile(0.95),
    };
  }

  private roll(now: number): void {
    const start = now - (now % this.intervalMs);
    if (start <= this.start) return;
    if (this.start >= 0) {
      this.push(this.current());
      // Intervals without any request are kept as zeros, up to a whole timeline's worth.
      const gap = Math.min(this.capacity, (start - this.start) / this.intervalMs - 1);
      for (let i = gap; i >= 1; i--) {
        this.push({
          at: start - i * this.intervalMs,
          requests: 0,
          failed: 0,
          fallbacks: 0,
          p50Ms: null,
          p95Ms: null,
        });
      }
    }
    this.start = start;
    this.requests = 0;
    this.failed = 0;
    this.fallbacks = 0;
    this.latency.fill(0);
  }

  private push(point: RequestTimelinePoint): void {
    this.closed.push(point);
    if (this.closed.length > this.capacity) this.closed.splice(0, this.closed.length - this.capacity);
  }

  /** The bucket bound at quantile `q` of this interval's latencies (ms, rounded), or null. */
  private percentile(q: number): number | null {
    if (this.requests === 0) return null;
    const rank = Math.ceil(q * this.requests);
    let seen = 0;
    for (let i = 0; i < this.latency.length; i++) {
      seen += this.latency[i]!;
      if (seen >= rank) return Math.round(BOUNDS[i]! * 10) / 10;
    }
    return null;
  }
}
