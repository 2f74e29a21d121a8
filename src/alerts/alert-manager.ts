/**
 * The alert manager: evaluates rules on events, de-duplicates (one notification per rule and subject
 * while active), applies a cooldown after resolution, escalates alerts still active after
 * `escalateAfter`, and hands notifications to notifiers through bounded asynchronous queues.
 * `observe()` is synchronous and cheap: nothing a notifier does can block or break the caller.
 * @packageDocumentation
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import { EventEmitter } from '../core/event-emitter.js';
import { DeliveryQueue, type DeliveryStats } from './delivery-queue.js';
import type { AlertFetch } from './notifiers/http-transport.js';
import { undiciFetch } from './notifiers/http-transport.js';
import { createLogNotifier } from './notifiers/log.js';
import { createSlackNotifier } from './notifiers/slack.js';
import { createWebhookNotifier } from './notifiers/webhook.js';
import { AlertRuleSet, type AlertSignal } from './rules.js';
import { type AlertsSettings, type AlertsSettingsInput, parseAlertsSettings } from './settings.js';
import {
  type Alert,
  type AlertInput,
  type AlertLogger,
  type AlertNotification,
  type AlertNotifier,
  escalateSeverity,
} from './types.js';

/** Options for {@link createAlertManager}. */
export interface AlertManagerOptions {
  /** Settings as in the config file (validated here) or already parsed. */
  readonly settings?: AlertsSettingsInput | AlertsSettings;
  /** Time source; inject a FakeClock in tests. Default: the system clock. */
  readonly clock?: Clock;
  /** Logger for the `log` notifier and for delivery failures (pino by default). */
  readonly logger?: AlertLogger;
  /** HTTP POST used by webhook and Slack notifiers (undici by default; `globalThis.fetch` fits too). */
  readonly fetch?: AlertFetch;
  /** Extra notifiers besides the configured ones. */
  readonly notifiers?: readonly AlertNotifier[];
}

/** What {@link createAlertManager} returns. */
export interface AlertManager {
  /** Every notification (firing, escalated, resolved), synchronously as it happens: for SSE and audit. */
  readonly onAlert: EventEmitter<AlertNotification>;
  /** Feeds one event; returns immediately. Unknown event types are ignored. */
  observe(input: AlertInput): void;
  /** Alerts currently firing. */
  active(): Alert[];
  /** Recent notifications, oldest first (bounded by `historySize`). */
  history(): AlertNotification[];
  /** Delivery counters per notifier. */
  deliveryStats(): DeliveryStats[];
  /** Stops: clears every timer, drops queued deliveries, aborts those in flight. Idempotent. */
  stop(): void;
}

interface Entry {
  alert: MutableAlert;
  escalationTimer?: TimerHandle;
  quietTimer?: TimerHandle;
  recheckTimer?: TimerHandle;
}

type MutableAlert = { -readonly [K in keyof Alert]: Alert[K] };

interface Suppressed {
  signal: AlertSignal;
  timer: TimerHandle;
}

/** Creates an alert manager (see the module docs for the behaviour). */
export function createAlertManager(options: AlertManagerOptions = {}): AlertManager {
  const settings = parseAlertsSettings(options.settings ?? {});
  const clock = options.clock ?? systemClock;
  const logger: AlertLogger = options.logger ?? pino({ name: 'hive-alerts' });
  const fetch = options.fetch ?? undiciFetch;
  const rules = new AlertRuleSet(settings.rules, clock);
  const onAlert = new EventEmitter<AlertNotification>((error) =>
    logger.error({ error: describe(error) }, 'alert listener threw'),
  );

  const notifiers: AlertNotifier[] = settings.notifiers.map((n, index) => {
    if (n.type === 'webhook')
      return createWebhookNotifier({ url: n.url, secret: n.secret, index }, fetch, clock);
    if (n.type === 'slack') return createSlackNotifier({ url: n.url, index }, fetch);
    return createLogNotifier(logger, n.level === undefined ? { index } : { index, level: n.level });
  });
  notifiers.push(...(options.notifiers ?? []));
  const timeouts = settings.notifiers.map((n) => (n.type === 'log' ? 5_000 : n.timeout));
  const queues = notifiers.map(
    (notifier, i) =>
      new DeliveryQueue(notifier, { ...settings.delivery, timeout: timeouts[i] ?? 5_000 }, clock, logger),
  );

  const activeAlerts = new Map<string, Entry>();
  const cooldownUntil = new Map<string, number>();
  const suppressed = new Map<string, Suppressed>();
  const historyRing: AlertNotification[] = [];
  const signals: AlertSignal[] = [];
  let stopped = !settings.enabled;

  function notify(kind: AlertNotification['kind'], alert: MutableAlert): void {
    const notification: AlertNotification = {
      kind,
      alert: { ...alert, details: { ...alert.details } },
      at: clock.wallNow(),
    };
    historyRing.push(notification);
    if (historyRing.length > settings.historySize) historyRing.shift();
    onAlert.emit(notification);
    for (const q of queues) q.push(notification);
  }

  function fire(signal: AlertSignal, key: string): void {
    const existing = activeAlerts.get(key);
    const wall = clock.wallNow();
    if (existing) {
      existing.alert.occurrences++;
      existing.alert.lastSeenAt = wall;
      Object.assign(existing.alert.details, signal.details);
      armQuietTimer(existing, key);
      if (signal.escalateNow) escalate(key);
      return;
    }
    const pending = suppressed.get(key);
    if (pending) {
      pending.signal = signal;
      return;
    }
    const until = cooldownUntil.get(key);
    const now = clock.now();
    if (until !== undefined && until > now) {
      // Still cooling down: fire when the cooldown ends unless it resolves first.
      const timer = clock.setTimer(() => {
        const s = suppressed.get(key);
        suppressed.delete(key);
        cooldownUntil.delete(key);
        if (s) fire(s.signal, key);
      }, until - now);
      suppressed.set(key, { signal, timer });
      return;
    }
    cooldownUntil.delete(key);
    // An immediately escalating signal (e.g. emergency authorised) fires once, already escalated.
    const base = settings.rules[signal.rule].severity;
    const escalated = signal.escalateNow === true;
    const entry: Entry = {
      alert: {
        key,
        id: randomUUID(),
        rule: signal.rule,
        subject: signal.subject,
        severity: escalated ? escalateSeverity(base) : base,
        status: 'firing',
        escalated,
        summary: signal.summary,
        firedAt: wall,
        lastSeenAt: wall,
        occurrences: 1,
        details: { ...signal.details },
      },
    };
    activeAlerts.set(key, entry);
    if (settings.escalateAfter > 0 && !escalated) {
      entry.escalationTimer = clock.setTimer(() => {
        entry.escalationTimer = undefined;
        escalate(key);
      }, settings.escalateAfter);
    }
    armQuietTimer(entry, key);
    if (signal.rule === 'errorRate') armRecheck(entry, signal.subject);
    notify('firing', entry.alert);
  }

  function escalate(key: string): void {
    const entry = activeAlerts.get(key);
    if (!entry || entry.alert.escalated) return;
    if (entry.escalationTimer !== undefined) clock.clearTimer(entry.escalationTimer);
    entry.escalationTimer = undefined;
    entry.alert.escalated = true;
    entry.alert.severity = escalateSeverity(entry.alert.severity);
    notify('escalated', entry.alert);
  }

  function resolve(signal: AlertSignal, key: string): void {
    const pending = suppressed.get(key);
    if (pending) {
      clock.clearTimer(pending.timer);
      suppressed.delete(key);
      return;
    }
    const entry = activeAlerts.get(key);
    if (!entry) return;
    clearEntryTimers(entry);
    activeAlerts.delete(key);
    entry.alert.status = 'resolved';
    entry.alert.resolvedAt = clock.wallNow();
    entry.alert.summary = signal.summary;
    Object.assign(entry.alert.details, signal.details);
    if (settings.cooldown > 0) cooldownUntil.set(key, clock.now() + settings.cooldown);
    pruneCooldowns();
    notify('resolved', entry.alert);
  }

  function armQuietTimer(entry: Entry, key: string): void {
    const rule = entry.alert.rule;
    if (rule !== 'chainExhausted' && rule !== 'emergencyConsensus') return;
    if (entry.quietTimer !== undefined) clock.clearTimer(entry.quietTimer);
    const subject = entry.alert.subject;
    entry.quietTimer = clock.setTimer(() => {
      entry.quietTimer = undefined;
      resolve(
        {
          rule,
          subject,
          action: 'resolve',
          summary: `No new occurrence: ${entry.alert.summary}`,
          details: {},
        },
        key,
      );
    }, settings.rules[rule].resolveAfter);
  }

  function armRecheck(entry: Entry, model: string): void {
    const every = Math.max(1_000, Math.floor(settings.rules.errorRate.window / 10));
    entry.recheckTimer = clock.setTimer(() => {
      entry.recheckTimer = undefined;
      const signal = rules.recheckErrorRate(model);
      if (signal) apply(signal);
      else if (activeAlerts.get(entry.alert.key) === entry) armRecheck(entry, model);
    }, every);
  }

  function clearEntryTimers(entry: Entry): void {
    for (const t of [entry.escalationTimer, entry.quietTimer, entry.recheckTimer]) {
      if (t !== undefined) clock.clearTimer(t);
    }
    entry.escalationTimer = entry.quietTimer = entry.recheckTimer = undefined;
  }

  function pruneCooldowns(): void {
    if (cooldownUntil.size < 1_000) return;
    const now = clock.now();
    for (const [k, until] of cooldownUntil) if (until <= now) cooldownUntil.delete(k);
  }

  function apply(signal: AlertSignal): void {
    const key = `${signal.rule}:${signal.subject}`;
    if (signal.action === 'fire') fire(signal, key);
    else resolve(signal, key);
  }

  return {
    onAlert,
    observe(input) {
      if (stopped) return;
      try {
        rules.evaluate(input, signals);
        for (let i = 0; i < signals.length; i++) apply(signals[i]!);
      } catch (error) {
        logger.error({ error: describe(error) }, 'alert evaluation failed');
      } finally {
        if (signals.length > 0) signals.length = 0;
      }
    },
    active: () => [...activeAlerts.values()].map((e) => ({ ...e.alert, details: { ...e.alert.details } })),
    history: () => [...historyRing],
    deliveryStats: () => queues.map((q) => q.stats()),
    stop() {
      stopped = true;
      for (const entry of activeAlerts.values()) clearEntryTimers(entry);
      for (const s of suppressed.values()) clock.clearTimer(s.timer);
      suppressed.clear();
      for (const q of queues) q.stop();
      onAlert.clear();
    },
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.name : 'error';
}
