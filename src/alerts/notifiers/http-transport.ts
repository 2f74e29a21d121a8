/**
 * The HTTP POST used by webhook notifiers: a fetch-shaped function (so `globalThis.fetch` also fits),
 * implemented by default with undici's `request`.
 * @packageDocumentation
 */
import { request } from 'undici';

/** Request options a notifier passes to {@link AlertFetch}. */
export interface AlertFetchInit {
  readonly method: 'POST';
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly signal: AbortSignal;
}

/** A fetch-compatible POST; only `status` of the response is read. */
export type AlertFetch = (url: string, init: AlertFetchInit) => Promise<{ readonly status: number }>;

/** Default {@link AlertFetch}: undici `request` on the global keep-alive pool; drains the response body. */
export const undiciFetch: AlertFetch = async (url, init) => {
  const res = await request(url, {
    method: init.method,
    headers: init.headers,
    body: init.body,
    signal: init.signal,
    // Safety nets in real time; the notifier's own timeout (on the injected clock) aborts earlier.
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
  });
  await res.body.dump();
  return { status: res.statusCode };
};

/** A failed delivery; `retryable` says whether trying again may help. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Throws a {@link DeliveryError} for a non-2xx status (5xx and 429 are retryable). */
export function checkStatus(status: number): void {
  if (status >= 200 && status < 300) return;
  throw new DeliveryError(`receiver answered ${status}`, status >= 500 || status === 429, status);
}

/** The non-secret part of a URL for names and logs: its host (never path, query or credentials). */
export function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid-url';
  }
}
