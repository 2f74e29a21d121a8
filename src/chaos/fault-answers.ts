/**
 * How a chaos fault shows on the wire before any answer: a reset connection, a context-length error, an
 * error status, and the headers a fault adds. Shared by every API route of the chaos upstream.
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './chaos-state.js';
import type { ChaosFault } from './fault-spec.js';
import { type ChaosApi, contextLengthBody, errorBody } from './wire-format.js';

/** True when the fault does more than add latency or headers (counted as a faulted request). */
export function isFault(fault: ChaosFault): boolean {
  return Object.keys(fault).some(
    (k) => k !== 'latencyMs' && k !== 'ttftMs' && k !== 'chunkIntervalMs' && k !== 'headers',
  );
}

/** The response headers a fault adds (its own, `retry-after`, `retry-after-ms`). */
export function faultHeaders(fault: ChaosFault): Record<string, string> {
  const headers: Record<string, string> = { ...fault.headers };
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
  return headers;
}

/** Writes an error/early answer for a fault; returns true when the fault answered the request. */
export function answerFault(
  api: ChaosApi,
  fault: ChaosFault,
  req: IncomingMessage,
  res: ServerResponse,
): boolean {
  if (fault.reset) {
    req.socket.destroy();
    return true;
  }
  if (fault.contextLength) {
    sendJson(res, 400, contextLengthBody(api), faultHeaders(fault));
    return true;
  }
  if (fault.status !== undefined && fault.status >= 300) {
    sendJson(
      res,
      fault.status,
      errorBody(api, fault.status, fault.errorType, fault.message),
      faultHeaders(fault),
    );
    return true;
  }
  return false;
}
