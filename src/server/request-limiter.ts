/**
 * Optional per-caller request rate limit for the inference API: a token bucket per client key (or per IP
 * when client keys are not configured). Memory is bounded: at most `trackedClients` buckets, the least
 * recently used evicted first (O(1) per call).
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Options of {@link RequestLimiter}. */
export interface RequestLimiterOptions {
  /** Sustained rate. */
  readonly requestsPerMinute: number;
  /** Bucket size (requests allowed in a burst); defaults to `requestsPerMinute`. */
  readonly burst?: number;
  /** Most callers remembered at once. */
  readonly trackedClients: number;
}

/** Token-bucket limiter keyed by caller. */
export class RequestLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly capacity: number;

  constructor(
    private readonly options: RequestLimiterOptions,
    private readonly clock: Clock,
  ) {
    this.perMs = options.requestsPerMinute / 60_000;
    this.capacity = options.burst ?? options.requestsPerMinute;
  }

  /** Takes one token for `caller`; returns 0 when allowed, else the ms until a token is available. */
  take(caller: string): number {
    const now = this.clock.now();
    let b = this.buckets.get(caller);
    if (b) {
      this.buckets.delete(caller);
      b.tokens = Math.min(this.capacity, b.tokens + (now - b.updatedAt) * this.perMs);
      b.updatedAt = now;
    } else {
      if (this.buckets.size >= this.options.trackedClients) {
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
      b = { tokens: this.capacity, updatedAt: now };
    }
    this.buckets.set(caller, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - b.tokens) / this.perMs);
  }

  /** Number of callers currently remembered. */
  get size(): number {
    return this.buckets.size;
  }
}
