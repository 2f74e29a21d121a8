/**
 * Failure classification: turns a thrown error into a {@link Failure} with a kind.
 * @packageDocumentation
 */
import { AbortedError, TimeoutError } from './errors/policy-errors.js';
import { ResilienceError } from './errors/resilience-error.js';
import { type Failure, failure } from './outcome.js';

/** Maps anything a called function threw to a classified failure. Must not throw. */
export type Classifier = (error: unknown) => Failure;

function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    ((error as { name?: unknown }).name === 'AbortError' ||
      (error as { name?: unknown }).name === 'TimeoutError') &&
    !(error instanceof ResilienceError)
  );
}

/**
 * The default classifier:
 * - {@link TimeoutError} → `timeout`
 * - {@link AbortedError}, or a DOM `AbortError` → `aborted`
 * - any other {@link ResilienceError} (open circuit, full bulkhead, exhausted retries) → `rejected`
 * - anything else → `transient`
 */
export const defaultClassifier: Classifier = (error) => {
  if (error instanceof ResilienceError) {
    if (error instanceof TimeoutError) return failure('timeout', error);
    if (error instanceof AbortedError) return failure('aborted', error);
    return failure('rejected', error, (error as { retryAfterMs?: number }).retryAfterMs);
  }
  if (isAbortError(error)) return failure('aborted', error);
  return failure('transient', error);
};

/** Runs `classifier` defensively: a classifier that throws yields a `transient` failure. */
export function classifySafely(classifier: Classifier, error: unknown): Failure {
  try {
    return classifier(error);
  } catch {
    return failure('transient', error);
  }
}
