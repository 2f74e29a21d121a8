/**
 * The attempt trail of a chat request where it is reported: on its request span, and in the HTTP error of
 * a stream that failed before or after its first chunk.
 * @packageDocumentation
 */
import type { Failure } from '../../core/outcome.js';
import type { AttemptRecord } from '../../engine/events.js';
import type { EngineStream } from '../../engine/types.js';
import type { RequestSpan } from '../../telemetry/tracing.js';
import { engineFailureToHttp, type HttpError, trailAfterCut } from '../errors.js';

/** Adds the attempt trail to a recording span. */
export function traceAttempts(
  span: RequestSpan,
  attempts: readonly AttemptRecord[],
  model: string | undefined,
): void {
  if (model) span.setAttributes({ 'hive.model': model, 'hive.attempts': attempts.length });
  for (const a of attempts) {
    span.addEvent('hive.attempt', {
      'hive.model': a.model,
      'hive.kind': a.kind,
      'hive.note': a.note,
      'hive.latency_ms': a.latencyMs,
    });
  }
}

/** The HTTP error for a stream that failed with `failure` (its attempt trail and request id). */
export function streamFailure(
  stream: EngineStream,
  target: string,
  failure: Failure,
  message: string,
): HttpError {
  return engineFailureToHttp(
    { ok: false, failure, attempts: stream.attempts, requestId: stream.requestId, message },
    target,
  );
}

/**
 * The SSE event ending a stream that failed after it started (without a failure, it broke off:
 * `malformed`). Its trail shows the served model's attempt as it ended, not as `success`.
 */
export function errorEvent(
  stream: EngineStream,
  target: string,
  message: string,
  failure: Failure = { ok: false, kind: 'malformed', error: undefined },
): string {
  const error = engineFailureToHttp(
    {
      ok: false,
      failure,
      attempts: trailAfterCut(stream.attempts, stream.model, failure),
      requestId: stream.requestId,
      message: `${message} (model ${stream.model})`,
    },
    target,
  );
  return `data: ${JSON.stringify(error.body)}\n\n`;
}
