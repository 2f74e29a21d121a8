/**
 * Alert vocabulary: what the alert manager consumes, keeps and notifies.
 * @packageDocumentation
 */
import type { EngineEvent } from '../engine/events.js';

/** How urgent an alert is; escalation moves one step up (critical stays critical). */
export type AlertSeverity = 'info' | 'warning' | 'critical';

/** The built-in alert rules. */
export type AlertRuleName =
  | 'modelFailed'
  | 'breakerOpened'
  | 'chainExhausted'
  | 'errorRate'
  | 'emergencyConsensus'
  | 'sharedState';

/**
 * The consensus layer's "emergency consensus engaged" signal. Extra fields are allowed; only `type`,
 * `roundId` and the optional fields below are read.
 */
export interface ConsensusEmergencyEvent {
  readonly type: 'consensus.emergency_pending' | 'consensus.emergency_authorised';
  readonly roundId: string;
  /** What the emergency is about, e.g. the model or action concerned. */
  readonly subject?: string;
  readonly reason?: string;
  readonly at?: number;
  readonly [extra: string]: unknown;
}

/**
 * The shared state store (Redis) became unreachable (the instance serves on its local state) or
 * reachable again (it resynchronised).
 */
export interface SharedStateEvent {
  readonly type: 'state.unavailable' | 'state.available';
  /** Where the store is, without credentials (e.g. `redis://10.0.0.5:6379`). */
  readonly store: string;
  /** The instance that noticed. */
  readonly instance: string;
  /** Short, secret-free reason. */
  readonly reason: string;
  readonly at: number;
}

/** Everything {@link AlertManager.observe} accepts. Other event types are ignored. */
export type AlertInput = EngineEvent | ConsensusEmergencyEvent | SharedStateEvent;

/** One alert (a rule firing for one subject). Plain data: safe to log, stream and audit. */
export interface Alert {
  /** `rule:subject`, stable while the alert is active. */
  readonly key: string;
  /** Unique per firing. */
  readonly id: string;
  readonly rule: AlertRuleName;
  /** Model id, chain name or consensus round id. */
  readonly subject: string;
  /** Current severity (raised by escalation). */
  readonly severity: AlertSeverity;
  readonly status: 'firing' | 'resolved';
  readonly escalated: boolean;
  /** Human-readable one-liner. */
  readonly summary: string;
  /** Wall-clock ms when it started firing. */
  readonly firedAt: number;
  /** Wall-clock ms of the latest triggering event. */
  readonly lastSeenAt: number;
  /** How many triggering events arrived while it was active. */
  readonly occurrences: number;
  /** Wall-clock ms when it resolved. */
  readonly resolvedAt?: number;
  /** Small, non-secret details (reason, error rate, request counts...). */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

/** One notification: an alert started firing, escalated or resolved. */
export interface AlertNotification {
  readonly kind: 'firing' | 'escalated' | 'resolved';
  readonly alert: Alert;
  /** Wall-clock ms of the notification. */
  readonly at: number;
}

/** Something that delivers notifications (webhook, Slack, log...). */
export interface AlertNotifier {
  /** Non-secret name for logs and stats, e.g. `webhook#0 (hooks.example.com)`. */
  readonly name: string;
  /**
   * Delivers one notification; resolves when delivered, rejects on failure. `signal` aborts it on
   * timeout or stop. Errors marked `{ retryable: false }` are not retried.
   */
  send(notification: AlertNotification, signal: AbortSignal): Promise<void>;
}

/** Minimal structured logger (pino-compatible). */
export interface AlertLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Next severity up. */
export function escalateSeverity(severity: AlertSeverity): AlertSeverity {
  return severity === 'info' ? 'warning' : 'critical';
}
