/**
 * Request ids: a client's `x-request-id` when it is short and plain, else `req_` + 32 hex digits (a
 * per-process random prefix, then a counter).
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** 80 random bits per process (20 hex digits), so ids are not guessable across processes. */
const ID_PREFIX = `req_${randomBytes(10).toString('hex')}`;
/** 48-bit counter (12 hex digits) after the prefix: ids stay unique within the process. */
const ID_COUNTER_LIMIT = 2 ** 48;
let idCounter = 0;

/** A new id: `req_` + 32 hex digits (the per-process random prefix, then the counter). */
function nextRequestId(): string {
  idCounter = (idCounter + 1) % ID_COUNTER_LIMIT;
  return ID_PREFIX + idCounter.toString(16).padStart(12, '0');
}

/** Accepts a client's `x-request-id` when it is short and plain, else generates one. */
export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : nextRequestId();
}
