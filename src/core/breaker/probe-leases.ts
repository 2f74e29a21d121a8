/**
 * The half-open probes of a circuit breaker. See {@link ProbeLeases}.
 * @packageDocumentation
 */
import { ProbeLease } from './breaker-permit.js';

/**
 * The probes of one half-open period: the live leases, how many probes were admitted and how many
 * succeeded. Only the half-open path and transitions touch it; the closed and open fast paths do not.
 */
export class ProbeLeases {
  /** Probes admitted in this period (a released probe gives its slot back). */
  admitted = 0;
  /** Probes that succeeded in this period. */
  successes = 0;
  private live: ProbeLease[] = [];

  /** How many leases are live (granted and not yet settled). */
  get count(): number {
    return this.live.length;
  }

  /** Admits one probe whose lease expires at `deadline` (monotonic time). */
  grant(deadline: number): ProbeLease {
    const lease = new ProbeLease(deadline);
    this.live.push(lease);
    this.admitted++;
    return lease;
  }

  /** Settles `lease` and drops it from the live set; its slot stays taken. */
  settle(lease: ProbeLease): void {
    lease.settled = true;
    this.live = this.live.filter((l) => l !== lease);
  }

  /** Settles a live `lease` and gives its slot back; false (and nothing done) when it is not live. */
  release(lease: ProbeLease): boolean {
    if (!this.live.includes(lease)) return false;
    this.settle(lease);
    this.admitted--;
    return true;
  }

  /** True when a live lease's deadline is at or before `now`. */
  anyExpired(now: number): boolean {
    for (const lease of this.live) if (lease.deadline <= now) return true;
    return false;
  }

  /** The earliest live deadline, or `Infinity` when no lease is live. */
  earliestDeadline(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const l of this.live) if (l.deadline < min) min = l.deadline;
    return min;
  }

  /** Settles every live lease and starts a fresh period (no admissions, no successes). */
  reset(): void {
    for (const l of this.live) l.settled = true;
    this.live = [];
    this.admitted = 0;
    this.successes = 0;
  }
}
