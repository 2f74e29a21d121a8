/**
 * Counts failed key attempts per client IP in fixed windows and refuses further attempts once the limit is
 * reached. Memory is bounded: at most `trackedIps` entries, the oldest evicted first (O(1) per call).
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';

interface Window {
  start: number;
  failures: number;
}

/** Options of {@link AuthFailureLimiter}. */
export interface AuthFailureLimiterOptions {
  /** Failures allowed per window. */
  readonly max: number;
  readonly windowMs: number;
  /** Most IPs remembered at once. */
  readonly trackedIps: number;
}

/** Per-IP failed-attempt limiter. */
export class AuthFailureLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly options: AuthFailureLimiterOptions,
    private readonly clock: Clock,
  ) {}

  /** Milliseconds until `ip` may try again, or 0 when it is not blocked. */
  blockedForMs(ip: string): number {
    const w = this.windows.get(ip);
    if (!w) return 0;
    const elapsed = this.clock.now() - w.start;
    if (elapsed >= this.options.windowMs) {
      this.windows.delete(ip);
      return 0;
    }
    return w.failures >= this.options.max ? this.options.windowMs - elapsed : 0;
  }

  /** Records a failed attempt from `ip`. */
  recordFailure(ip: string): void {
    const now = this.clock.now();
    const w = this.windows.get(ip);
    if (w && now - w.start < this.options.windowMs) {
      w.failures++;
      return;
    }
    if (w) this.windows.delete(ip);
    else if (this.windows.size >= this.options.trackedIps) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
    this.windows.set(ip, { start: now, failures: 1 });
  }

  /** Number of IPs currently remembered. */
  get size(): number {
    return this.windows.size;
  }
}
