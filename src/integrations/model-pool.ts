/**
 * {@link ModelPool}: health, a circuit breaker per model, retries with backoff and an ordered fallback
 * across models the caller calls itself (AI SDK models, `openai` clients). It is the engine's failover in
 * miniature for in-process clients: no config, no providers, no HTTP; errors are classified with the
 * core's {@link classifyError} (or the caller's classifier).
 * @packageDocumentation
 */
import type { Backoff } from '../core/backoff/backoff.js';
import { ExponentialBackoff } from '../core/backoff/exponential.js';
import type { CircuitBreakerOptions } from '../core/breaker/breaker-options.js';
import type { BreakerPermit } from '../core/breaker/breaker-permit.js';
import { CircuitBreaker } from '../core/breaker/circuit-breaker.js';
import type { Classifier } from '../core/classifier.js';
import { classifyError } from '../core/classify-error.js';
import { type Clock, systemClock } from '../core/clock.js';
import { fallbackOver } from '../core/fallback.js';
import { CONTEXT_LENGTH_REASON } from '../core/llm-failure-rules.js';
import { type Failure, type Outcome, type OutcomeKind, success } from '../core/outcome.js';
import { RetryPolicy } from '../core/retry.js';
import type { RetryBudget } from '../core/retry-budget.js';
import { HealthMonitor } from '../health/health-monitor.js';

/** Options of a {@link ModelPool}. */
export interface ModelPoolOptions {
  /** Retries on the same model before moving on (default 1). */
  readonly maxRetries?: number;
  /** Delay before each retry (default exponential from 200 ms to 2 s, ±20 % jitter). */
  readonly backoff?: Backoff;
  /** A retry budget shared with other pools or policies (default none). */
  readonly budget?: RetryBudget;
  /** A server-advised or backoff wait longer than this moves on to the next model instead (default 2 000 ms). */
  readonly fallbackInsteadOfWaitMs?: number;
  /** Time allowed for one attempt, in ms; none by default (the client's own timeout applies). */
  readonly attemptTimeoutMs?: number;
  /** Options of every model's breaker (default: open after 5 consecutive failures, for 30 s). */
  readonly breaker?: CircuitBreakerOptions;
  /** Health tracking shared by the models (default: a new monitor on `clock`). */
  readonly health?: HealthMonitor;
  /** Maps a thrown error to a failure kind (default {@link classifyError}). */
  readonly classify?: Classifier;
  /** Time source (default the system clock). */
  readonly clock?: Clock;
  /** Called for each attempt, skip and fallback (e.g. to log or count them). */
  readonly onEvent?: (event: PoolEvent) => void;
}

/** What the pool reports through `onEvent`. */
export type PoolEvent =
  | {
      readonly type: 'attempt';
      readonly model: string;
      readonly kind: OutcomeKind;
      readonly latencyMs: number;
      readonly retry: number;
    }
  | { readonly type: 'skipped'; readonly model: string; readonly reason: 'breaker-open' }
  | { readonly type: 'fallback'; readonly from: string; readonly to: string; readonly kind: OutcomeKind };

/** One attempt of a model, as the pool records it. */
export interface PoolAttempt {
  readonly model: string;
  readonly kind: OutcomeKind | 'skipped';
  readonly latencyMs: number;
  readonly error?: unknown;
}

/** What a candidate's call receives. */
export interface PoolCallContext {
  /** Aborts when the caller aborts or the attempt times out (undefined when neither can happen). */
  readonly signal: AbortSignal | undefined;
  /** Retry number on this model (0 = first try). */
  readonly retry: number;
  /**
   * For streams: keeps the model's breaker permit and health sample open after the call resolves.
   * Call the returned function once when the stream ends, with its outcome kind.
   */
  defer(): (kind: OutcomeKind) => void;
}

/** One model to try, in order. */
export interface PoolCandidate<T> {
  /** A stable name: the breaker and health key (e.g. `openai:gpt-4o`). */
  readonly name: string;
  /** Makes the call. Throw (any error) to fail; the pool classifies it. */
  call(ctx: PoolCallContext): Promise<T>;
}

/** Thrown when every model failed or was skipped; `cause` is the last model's error. */
export class AllModelsFailedError extends Error {
  override readonly name = 'AllModelsFailedError';
  /** Every attempt, in order. */
  readonly attempts: readonly PoolAttempt[];
  /** The last failure's kind (`rejected` when every breaker was open). */
  readonly kind: OutcomeKind;
  /** The server-advised wait of the last failure, when it had one. */
  readonly retryAfterMs: number | undefined;

  constructor(attempts: readonly PoolAttempt[], last: Outcome<unknown> | undefined) {
    const tried = attempts.map((a) => `${a.model}: ${a.kind}`).join(', ');
    const failed = last === undefined || last.ok ? undefined : last;
    super(`every model failed (${tried || 'no candidates'})`, { cause: failed?.error });
    this.attempts = attempts;
    this.kind = failed?.kind ?? 'rejected';
    this.retryAfterMs = failed?.retryAfterMs;
  }
}

/** False for failures that end the walk: a caller abort, or a `request` error other than context length. */
function movesOn(f: Failure): boolean {
  if (f.kind === 'aborted') return false;
  return f.kind !== 'request' || f.reason === CONTEXT_LENGTH_REASON;
}

const WAIT_TOO_LONG = 'fallback-instead-of-wait';

/** Health, breakers, retries and ordered fallback over models called in-process. */
export class ModelPool {
  /** Health of every model this pool has called. */
  readonly health: HealthMonitor;
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly clock: Clock;
  private readonly classify: Classifier;
  private readonly retry: RetryPolicy;
  private readonly waitLimitMs: number;

  constructor(private readonly options: ModelPoolOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.health = options.health ?? new HealthMonitor({ clock: this.clock });
    this.classify = options.classify ?? classifyError;
    const maxRetries = options.maxRetries ?? 1;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new RangeError(`maxRetries must be a whole number ≥ 0 (got ${String(options.maxRetries)})`);
    }
    const backoff =
      options.backoff ?? new ExponentialBackoff({ initialDelayMs: 200, maxDelayMs: 2_000, jitter: 0.2 });
    this.retry = new RetryPolicy({
      maxRetries,
      backoff,
      throttledBackoff: backoff,
      budget: options.budget,
      clock: this.clock,
    });
    this.waitLimitMs = options.fallbackInsteadOfWaitMs ?? 2_000;
  }

  /** Classifies an error as this pool does (for failures seen after a stream was committed). */
  classifyFailure(error: unknown): Failure {
    return this.classify(error);
  }

  /** The breaker of model `name` (created on first use). */
  breaker(name: string): CircuitBreaker {
    let b = this.breakers.get(name);
    if (!b) {
      b = new CircuitBreaker({ consecutiveFailures: 5, ...this.options.breaker, clock: this.clock, name });
      this.breakers.set(name, b);
      this.health.track(name);
    }
    return b;
  }

  /**
   * Tries `candidates` in order (failed models last) until one succeeds, retrying each within
   * `maxRetries`. A plain `request` error (the caller's mistake) or an abort is thrown as is; a
   * context-length error, an account error or exhausted retries move on to the next model; when nothing
   * succeeds an {@link AllModelsFailedError} is thrown.
   */
  async run<T>(candidates: readonly PoolCandidate<T>[], signal?: AbortSignal): Promise<T> {
    const ordered = this.order(candidates);
    const attempts: PoolAttempt[] = [];
    const { outcome } = await fallbackOver(
      ordered,
      (candidate, i) => this.tryModel(candidate, signal, attempts, i < ordered.length - 1),
      {
        shouldHandle: (f, candidate, i) => {
          if (signal?.aborted || !movesOn(f)) return false;
          const to = ordered[i + 1];
          if (to)
            this.options.onEvent?.({ type: 'fallback', from: candidate.name, to: to.name, kind: f.kind });
          return true;
        },
      },
    );
    if (outcome?.ok) return outcome.value;
    if (outcome && (signal?.aborted || !movesOn(outcome))) throw outcome.error;
    throw new AllModelsFailedError(attempts, outcome);
  }

  private order<T>(candidates: readonly PoolCandidate<T>[]): PoolCandidate<T>[] {
    const healthy: PoolCandidate<T>[] = [];
    const failed: PoolCandidate<T>[] = [];
    for (const c of candidates) {
      this.breaker(c.name);
      (this.health.status(c.name) === 'failed' ? failed : healthy).push(c);
    }
    return healthy.concat(failed);
  }

  /** One model: attempts through the retry loop, each under a breaker permit. */
  private async tryModel<T>(
    candidate: PoolCandidate<T>,
    signal: AbortSignal | undefined,
    attempts: PoolAttempt[],
    hasNext: boolean,
  ): Promise<Outcome<T>> {
    const breaker = this.breaker(candidate.name);
    const r = await this.retry.retryLoop<T>(
      async (retry) => {
        const permit = breaker.tryAcquire();
        if (!permit.ok) {
          attempts.push({ model: candidate.name, kind: 'skipped', latencyMs: 0 });
          this.options.onEvent?.({ type: 'skipped', model: candidate.name, reason: 'breaker-open' });
          return permit;
        }
        const result = await this.attempt(candidate, permit, signal, retry);
        attempts.push({
          model: candidate.name,
          kind: result.outcome.ok ? 'success' : result.outcome.kind,
          latencyMs: result.latencyMs,
          error: result.outcome.ok ? undefined : result.outcome.error,
        });
        return result.outcome;
      },
      {
        cancel: signal,
        decide: (_f, _i, delayMs) => (delayMs > this.waitLimitMs && hasNext ? WAIT_TOO_LONG : undefined),
      },
    );
    return r.outcome;
  }

  private async attempt<T>(
    candidate: PoolCandidate<T>,
    permit: BreakerPermit,
    signal: AbortSignal | undefined,
    retry: number,
  ): Promise<{ outcome: Outcome<T>; latencyMs: number }> {
    const started = this.clock.now();
    const timeoutMs = this.options.attemptTimeoutMs;
    const timer = timeoutMs === undefined ? undefined : new AbortController();
    const handle = timer ? this.clock.setTimer(() => timer.abort(), timeoutMs!) : undefined;
    const callSignal = timer ? (signal ? AbortSignal.any([signal, timer.signal]) : timer.signal) : signal;
    let deferred = false;
    const settle = (kind: OutcomeKind): void => {
      const latency = this.clock.now() - started;
      permit.record(kind, latency);
      this.health.record(candidate.name, kind, latency);
      this.options.onEvent?.({ type: 'attempt', model: candidate.name, kind, latencyMs: latency, retry });
    };
    const ctx: PoolCallContext = {
      signal: callSignal,
      retry,
      defer: () => {
        deferred = true;
        let done = false;
        return (kind) => {
          if (done) return;
          done = true;
          settle(kind);
        };
      },
    };
    try {
      const value = await candidate.call(ctx);
      if (!deferred) settle('success');
      return { outcome: success(value), latencyMs: this.clock.now() - started };
    } catch (error) {
      let f = this.classify(error);
      // Our own attempt timer fired: whatever the client threw, it is a timeout, not a caller abort.
      if (timer?.signal.aborted && !signal?.aborted) f = { ...f, kind: 'timeout' };
      settle(f.kind);
      return { outcome: f, latencyMs: this.clock.now() - started };
    } finally {
      if (handle !== undefined) this.clock.clearTimer(handle);
    }
  }
}
