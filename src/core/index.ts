/**
 * The resilience core: outcomes, classification, backoff, retry, circuit breaker, timeout, bulkhead,
 * hedging, fallback, request coalescing and their composition. No runtime dependencies, no Node-only APIs.
 * @packageDocumentation
 */
export { type Backoff, clampDelay, type RandomSource } from './backoff/backoff.js';
export { ConstantBackoff, constantBackoff } from './backoff/constant.js';
export {
  DecorrelatedJitterBackoff,
  type DecorrelatedJitterOptions,
  decorrelatedJitterBackoff,
} from './backoff/decorrelated-jitter.js';
export {
  ExponentialBackoff,
  type ExponentialBackoffOptions,
  exponentialBackoff,
} from './backoff/exponential.js';
export type {
  BreakerHealthCheck,
  BreakerMetrics,
  CircuitBreakerOptions,
  CircuitBreakerSnapshot,
  CircuitState,
  CountWindowOptions,
  StateChangeEvent,
  TimeWindowOptions,
  TransitionReason,
} from './breaker/breaker-options.js';
export { BreakerPermit, ProbeLease } from './breaker/breaker-permit.js';
export { type CallWindow, CountWindow, TimeWindow, type WindowTotals } from './breaker/call-window.js';
export { CircuitBreaker, circuitBreaker } from './breaker/circuit-breaker.js';
export { type BulkheadOptions, BulkheadPolicy, bulkhead } from './bulkhead.js';
export type { Call, Chain, FastStage, Stage, UserFn } from './call.js';
export { invokeFast, SLOW_PATH } from './call.js';
export { asAbortSignal, type CancelSignal, CancelSource } from './cancel-signal.js';
export { type Classifier, classifySafely, defaultClassifier } from './classifier.js';
export { type ClassifyErrorOptions, classifyError } from './classify-error.js';
export { type Clock, systemClock, type TimerHandle } from './clock.js';
export {
  AbortedError,
  BrokenCircuitError,
  BulkheadRejectedError,
  type GiveUpReason,
  RetryExhaustedError,
  TimeoutError,
} from './errors/policy-errors.js';
export {
  isResilienceError,
  ResilienceError,
  type ResilienceErrorCode,
  withoutStack,
} from './errors/resilience-error.js';
export { type Disposable, EventEmitter, type Listener } from './event-emitter.js';
export {
  type FallbackOptions,
  type FallbackOverOptions,
  type FallbackOverResult,
  FallbackPolicy,
  fallback,
  fallbackOver,
} from './fallback.js';
export { type HedgeOptions, HedgePolicy, type HedgingEvent, hedge } from './hedge.js';
export {
  CONTEXT_LENGTH_REASON,
  type HeaderSource,
  type KindVerdict,
  kindForErrorCode,
  kindForHttpStatus,
  OVERLOADED_REASON,
  parseDurationMs,
  parseRetryAfter,
  parseRetryAfterMs,
} from './llm-failure-rules.js';
export {
  countsAsFailure,
  type Failure,
  type FailureKind,
  failure,
  isRetryable,
  type Outcome,
  type OutcomeKind,
  type Success,
  success,
} from './outcome.js';
export { Pipeline, type PipelineMember, pipeline, type SubstituteOf } from './pipeline.js';
export type { AttemptContext, ExecuteOptions, Policy, PolicyDescription } from './policy.js';
export { BasePolicy, type PolicyOptions } from './policy-base.js';
export {
  type GiveUpEvent,
  type RetryEvent,
  type RetryLoopCall,
  type RetryLoopResult,
  type RetryOptions,
  RetryPolicy,
  retry,
} from './retry.js';
export { RetryBudget, type RetryBudgetOptions } from './retry-budget.js';
export { SignalScope } from './signal-scope.js';
export {
  Singleflight,
  type SingleflightCallOptions,
  type SingleflightOptions,
  singleflight,
} from './singleflight.js';
export { sleep } from './sleep.js';
export {
  type CommitDecision,
  type CommittedStream,
  commitNow,
  nextNow,
  type PullNowIterator,
  readUntilCommit,
} from './stream-commit.js';
export { type TimeoutOptions, TimeoutPolicy, type TimeoutStrategy, timeout } from './timeout.js';
