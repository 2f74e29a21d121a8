/**
 * The base of every error the policies produce, plus the stack-free construction used on hot paths.
 * @packageDocumentation
 */

/** Stable machine-readable codes of {@link ResilienceError}s. */
export type ResilienceErrorCode =
  | 'BROKEN_CIRCUIT'
  | 'TIMEOUT'
  | 'BULKHEAD_REJECTED'
  | 'RETRY_EXHAUSTED'
  | 'ABORTED';

/** Base class of every error a policy creates. `code` is stable and safe to switch on. */
export abstract class ResilienceError extends Error {
  /** Stable machine-readable code. */
  abstract readonly code: ResilienceErrorCode;

  /** @param message - human-readable message; @param options - standard `ErrorOptions` (`cause`) */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** True when `error` is a {@link ResilienceError}. */
export function isResilienceError(error: unknown): error is ResilienceError {
  return error instanceof ResilienceError;
}

interface StackLimited {
  stackTraceLimit?: number;
}

/**
 * Builds an error without capturing a stack trace. Capturing a V8 stack costs microseconds, which
 * would dominate a fast rejection (open circuit, full bulkhead). We temporarily set
 * `Error.stackTraceLimit = 0` (a V8 knob; harmless elsewhere, where it is simply ignored) while the
 * constructor runs, then restore it. The resulting `stack` holds only the `Name: message` line.
 */
export function withoutStack<E extends Error>(make: () => E): E {
  const ctor = Error as unknown as StackLimited;
  const saved = ctor.stackTraceLimit;
  ctor.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    ctor.stackTraceLimit = saved;
  }
}
