/**
 * Failure classification: turns a thrown error into a {@link Failure} with a kind.
 * @packageDocumentation
 */
import { classifyError } from './classify-error.js';
import { type Failure, failure } from './outcome.js';

/** Maps anything a called function threw to a classified failure. Must not throw. */
export type Classifier = (error: unknown) => Failure;

/**
 * The default classifier, {@link classifyError}: the policies' own errors (a timeout → `timeout`, an
 * abort → `aborted`, an open circuit, full bulkhead or exhausted retries → `rejected`), HTTP-status
 * and SDK errors by the LLM taxonomy (a `{ status: 400 }` is a `request` error and is not retried),
 * `AbortError` → `aborted`, `TimeoutError` → `timeout`, anything unrecognised → `transient`.
 */
export const defaultClassifier: Classifier = (error) => classifyError(error);

/** Runs `classifier` defensively: a classifier that throws yields a `transient` failure. */
export function classifySafely(classifier: Classifier, error: unknown): Failure {
  try {
    return classifier(error);
  } catch {
    return failure('transient', error);
  }
}
