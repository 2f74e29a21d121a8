/**
 * One model's health: windowed statistics, consecutive counters, canary accuracy, and the status
 * machine with hysteresis.
 *
 * Rules (thresholds from {@link HealthThresholds}):
 * - `failed` after `failureThreshold` consecutive failures (BIP-03: 3). A wrong canary answer counts
 *   as a failure here and in the window's error rate.
 * - `degraded` when, in the window, the error rate ≥ `errorRateThreshold` (with at least `minRequests`
 *   results), or p95 latency > `latencyThresholdMs` (with at least `minRequests` samples), or accuracy
 *   < `accuracyThreshold` (with at least `minAccuracySamples` canaries).
 * - Leaving `failed` or `degraded` needs `recoveryThreshold` consecutive good results, and leads to
 *   `degraded` if a degraded condition still holds.
 * - p95 is re-read on every bucket boundary, every 32 results and on snapshots, never per call.
 * @packageDocumentation
 */
import type { OutcomeKind } from '../core/outcome.js';
import type { HealthStatus, StatusChangeReason } from './types.js';
import { ResultClass, WindowedStats } from './windowed-stats.js';

/** Thresholds of the status machine. */
export interface HealthThresholds {
  readonly windowMs: number;
  readonly buckets: number;
  readonly failureThreshold: number;
  readonly recoveryThreshold: number;
  readonly errorRateThreshold: number;
  readonly minRequests: number;
  readonly latencyThresholdMs: number;
  readonly accuracyThreshold: number;
  readonly minAccuracySamples: number;
  /** How many recent canary results accuracy covers. */
  readonly accuracySamples: number;
}

/** Called on every status change. */
export type StatusChangeSink = (
  tracker: ModelTracker,
  from: HealthStatus,
  to: HealthStatus,
  reason: StatusChangeReason,
) => void;

/** Health classification of an outcome kind: `account` counts as a failure here (unusable model). */
export function classifyForHealth(kind: OutcomeKind): ResultClass {
  switch (kind) {
    case 'success':
      return ResultClass.success;
    case 'transient':
    case 'throttled':
    case 'timeout':
    case 'malformed':
    case 'account':
      return ResultClass.failure;
    default:
      return ResultClass.neutral;
  }
}

/** Mutable health of one model (owned by the monitor). */
export class ModelTracker {
  readonly stats: WindowedStats;
  status: HealthStatus = 'healthy';
  consecutiveFailures = 0;
  consecutiveSuccesses = 0;
  responseTime = 0;
  /** Monotonic ms of the last check. */
  lastCheckedMono: number;
  private readonly canaries: Uint8Array;
  private canaryPos = 0;
  canaryCount = 0;
  canaryCorrect = 0;
  private p95Exceeded = false;
  private sinceP95 = 0;

  constructor(
    readonly modelId: string,
    private readonly t: HealthThresholds,
    private readonly onChange: StatusChangeSink,
    now: number,
  ) {
    this.stats = new WindowedStats(t.windowMs, t.buckets);
    this.canaries = new Uint8Array(t.accuracySamples);
    this.lastCheckedMono = now;
  }

  /** Records a result. O(1), no allocation unless the status changes. */
  record(cls: ResultClass, latencyMs: number, ttftMs: number | undefined, now: number): void {
    const rotated = this.stats.advance(now);
    this.stats.add(cls, latencyMs, ttftMs);
    this.lastCheckedMono = now;
    if (cls === ResultClass.neutral) return;
    this.responseTime = latencyMs;
    if (cls === ResultClass.failure) {
      this.consecutiveFailures++;
      this.consecutiveSuccesses = 0;
    } else {
      this.consecutiveSuccesses++;
      this.consecutiveFailures = 0;
    }
    if (rotated || ++this.sinceP95 >= 32) this.refreshLatency();
    this.evaluate();
  }

  /** Records a canary verdict (the call itself is recorded separately). */
  recordCanary(correct: boolean): void {
    const old = this.canaryCount === this.canaries.length ? this.canaries[this.canaryPos]! : -1;
    if (old === 1) this.canaryCorrect--;
    if (old === -1) this.canaryCount++;
    this.canaries[this.canaryPos] = correct ? 1 : 0;
    if (correct) this.canaryCorrect++;
    this.canaryPos = (this.canaryPos + 1) % this.canaries.length;
  }

  /** Last canary verdicts, oldest first. */
  canaryHistory(): boolean[] {
    const out: boolean[] = [];
    const n = this.canaries.length;
    const start = this.canaryCount === n ? this.canaryPos : 0;
    for (let i = 0; i < this.canaryCount; i++) out.push(this.canaries[(start + i) % n] === 1);
    return out;
  }

  /** Accuracy over the kept canary verdicts (1 without any). */
  get accuracy(): number {
    return this.canaryCount === 0 ? 1 : this.canaryCorrect / this.canaryCount;
  }

  /** Moves the window to `now` and re-reads p95, then re-evaluates the status. */
  refresh(now: number): void {
    this.stats.advance(now);
    this.refreshLatency();
    this.evaluate();
  }

  /** Replaces the status (hydration). */
  setStatus(to: HealthStatus, reason: StatusChangeReason): void {
    const from = this.status;
    if (from === to) return;
    this.status = to;
    this.onChange(this, from, to, reason);
  }

  private refreshLatency(): void {
    this.sinceP95 = 0;
    const s = this.stats;
    if (s.latencySamples < this.t.minRequests) {
      this.p95Exceeded = false;
      return;
    }
    this.p95Exceeded = (s.latencyQuantile(0.95) ?? 0) > this.t.latencyThresholdMs;
  }

  private degradedReason(): StatusChangeReason | undefined {
    const s = this.stats;
    const t = this.t;
    const judged = s.successes + s.failures;
    if (judged >= t.minRequests && s.failures / judged >= t.errorRateThreshold) return 'error_rate';
    if (this.p95Exceeded) return 'latency_p95';
    if (this.canaryCount >= t.minAccuracySamples && this.accuracy < t.accuracyThreshold) return 'accuracy';
    return undefined;
  }

  private evaluate(): void {
    const t = this.t;
    if (this.consecutiveFailures >= t.failureThreshold) {
      this.setStatus('failed', 'consecutive_failures');
      return;
    }
    const degraded = this.degradedReason();
    if (this.status === 'failed') {
      if (this.consecutiveSuccesses >= t.recoveryThreshold)
        this.setStatus(degraded ? 'degraded' : 'healthy', 'recovered');
      return;
    }
    if (degraded !== undefined) {
      this.setStatus('degraded', degraded);
    } else if (this.status === 'degraded' && this.consecutiveSuccesses >= t.recoveryThreshold) {
      this.setStatus('healthy', 'recovered');
    }
  }
}
