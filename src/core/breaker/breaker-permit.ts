/**
 * Manual permits for callers that cannot wrap a function (streams).
 * @packageDocumentation
 */
import type { OutcomeKind } from '../outcome.js';

/** A half-open probe's lease: past `deadline` the probe counts as failed. */
export class ProbeLease {
  /** True once the probe reported, was released, or expired. */
  settled = false;
  /** @param deadline - monotonic time at which the lease expires */
  constructor(readonly deadline: number) {}
}

/** Where a permit reports back (implemented by the breaker). */
export interface PermitSink {
  /** Settles a permit; `kind` undefined means released (neutral). */
  settlePermit(permit: BreakerPermit, kind: OutcomeKind | undefined, durationMs: number): void;
}

/**
 * Permission to make one call, from `CircuitBreaker.tryAcquire()`. Report the call's result with
 * {@link BreakerPermit.record} or give it back unused with {@link BreakerPermit.release}; only the first
 * of these has an effect. A permit from before a transition is stale: its report is ignored.
 */
export class BreakerPermit {
  /** Discriminates a permit from a `Failure` (`if (!p.ok) return p`). */
  readonly ok = true as const;
  private used = false;

  /**
   * @param sink - the breaker
   * @param generation - the breaker's generation when granted
   * @param lease - set when this permit is a half-open probe
   */
  constructor(
    private readonly sink: PermitSink,
    readonly generation: number,
    readonly lease: ProbeLease | undefined,
  ) {}

  /** True when this permit is a half-open probe. */
  get isProbe(): boolean {
    return this.lease !== undefined;
  }

  /** True once recorded or released. */
  get settled(): boolean {
    return this.used;
  }

  /** Reports the call's outcome kind and duration. Effective at most once. */
  record(kind: OutcomeKind, durationMs: number): void {
    if (this.used) return;
    this.used = true;
    this.sink.settlePermit(this, kind, durationMs);
  }

  /** Gives the permit back without a result (neutral). Effective at most once. */
  release(): void {
    if (this.used) return;
    this.used = true;
    this.sink.settlePermit(this, undefined, 0);
  }
}
