/**
 * Generic JSON webhook, HMAC-signed.
 *
 * Each delivery is `POST <url>` with body `{ version: 1, kind, alert, timestamp }` and headers:
 * - `X-Hive-Signature: sha256=<hex HMAC-SHA256 of the raw body with the configured secret>`
 * - `X-Hive-Timestamp: <ms since epoch>` (the same value as `timestamp` in the signed body, so receivers
 *   can reject replays older than a few minutes)
 * - `X-Hive-Event: firing | escalated | resolved`
 * @packageDocumentation
 */
import { createHmac } from 'node:crypto';
import type { Clock } from '../../core/clock.js';
import type { AlertNotification, AlertNotifier } from '../types.js';
import { type AlertFetch, checkStatus, safeHost } from './http-transport.js';

/** Options for {@link createWebhookNotifier}. */
export interface WebhookNotifierOptions {
  readonly url: string;
  readonly secret: string;
  /** Used in the notifier's name (`webhook#<index>`). */
  readonly index?: number;
}

/** `sha256=<hex>` signature of `body` (what receivers recompute to verify a delivery). */
export function signWebhookBody(body: string, secret: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(body).digest('hex');
}

/** Creates a signed JSON webhook notifier. The URL and secret never appear in its name or errors. */
export function createWebhookNotifier(
  options: WebhookNotifierOptions,
  fetch: AlertFetch,
  clock: Clock,
): AlertNotifier {
  const { url, secret } = options;
  return {
    name: `webhook#${options.index ?? 0} (${safeHost(url)})`,
    async send(notification: AlertNotification, signal: AbortSignal): Promise<void> {
      const timestamp = clock.wallNow();
      const body = JSON.stringify({
        version: 1,
        kind: notification.kind,
        alert: notification.alert,
        timestamp,
      });
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'hive-resilience-alerts',
          'x-hive-event': notification.kind,
          'x-hive-timestamp': String(timestamp),
          'x-hive-signature': signWebhookBody(body, secret),
        },
        body,
        signal,
      });
      checkStatus(res.status);
    },
  };
}
