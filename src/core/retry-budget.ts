/**
 * A retry budget shared by retries and hedges (token bucket).
 * @packageDocumentation
 */

/** Options of {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Bucket capacity; the bucket starts full (default 20). */
  readonly maxTokens?: number;
  /** Tokens drained by each counted failure (default 1). */
  readonly failureCost?: number;
  /** Tokens drained by each retry or hedge that is started (default 1). */
  readonly retryCost?: number;
  /** Tokens refilled by each success (default 0.5). */
  readonly successRefill?: number;
  /**
   * Retries and hedges are allowed only while, after paying `retryCost`, at least this many tokens
   * remain (default `maxTokens / 2`): the budget stops retry storms well before it is empty.
   */
  readonly minTokens?: number;
}

/**
 * A token bucket limiting retries and hedges across every call that shares it. Failures and retries
 * drain it, successes refill it; when it runs low, retries and hedges stop until successes refill it.
 * Share one instance between retry policies and hedging to bound the total extra load.
 */
export class RetryBudget {
  private tokenCount: number;
  private readonly max: number;
  private readonly failureCost: number;
  private readonly retryCost: number;
  private readonly refill: number;
  private readonly minTokens: number;

  /** @param options - see {@link RetryBudgetOptions} */
  constructor(options: RetryBudgetOptions = {}) {
    this.max = positive('maxTokens', options.maxTokens ?? 20);
    this.failureCost = nonNegative('failureCost', options.failureCost ?? 1);
    this.retryCost = nonNegative('retryCost', options.retryCost ?? 1);
    this.refill = nonNegative('successRefill', options.successRefill ?? 0.5);
    this.minTokens = nonNegative('minTokens', options.minTokens ?? this.max / 2);
    this.tokenCount = this.max;
  }

  /** Tokens currently available. */
  get tokens(): number {
    return this.tokenCount;
  }

  /** Records a success: refills `successRefill` tokens (up to `maxTokens`). */
  recordSuccess(): void {
    const t = this.tokenCount + this.refill;
    this.tokenCount = Math.min(t, this.max);
  }

  /** Records a counted failure: drains `failureCost` tokens (down to 0). */
  recordFailure(): void {
    const t = this.tokenCount - this.failureCost;
    this.tokenCount = Math.max(t, 0);
  }

  /** True when a retry or hedge could be paid for now (does not spend). */
  canSpend(): boolean {
    return this.tokenCount - this.retryCost >= this.minTokens;
  }

  /** Pays for one retry or hedge; returns false (and spends nothing) when the budget is too low. */
  trySpend(): boolean {
    if (!this.canSpend()) return false;
    this.tokenCount -= this.retryCost;
    return true;
  }

  /** Refills the bucket completely. */
  reset(): void {
    this.tokenCount = this.max;
  }

  /** A plain snapshot for state stores and dashboards. */
  toJSON(): { tokens: number; maxTokens: number } {
    return { tokens: this.tokenCount, maxTokens: this.max };
  }
}

function nonNegative(name: string, v: number): number {
  if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be a finite number >= 0 (got ${v})`);
  return v;
}

function positive(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a finite number > 0 (got ${v})`);
  return v;
}
