/**
 * Alerting: rules on engine and consensus events, de-duplication, cooldown, escalation, and webhook,
 * Slack and log notifiers behind bounded asynchronous queues.
 * @packageDocumentation
 */
export { type AlertManager, type AlertManagerOptions, createAlertManager } from './alert-manager.js';
export { type DeliveryOptions, DeliveryQueue, type DeliveryStats } from './delivery-queue.js';
export { type ErrorRateSnapshot, ErrorRateWindow } from './error-rate-window.js';
export {
  type AlertFetch,
  type AlertFetchInit,
  DeliveryError,
  undiciFetch,
} from './notifiers/http-transport.js';
export { createLogNotifier } from './notifiers/log.js';
export { createSlackNotifier, slackMessage } from './notifiers/slack.js';
export { createWebhookNotifier, signWebhookBody, type WebhookNotifierOptions } from './notifiers/webhook.js';
export { AlertRuleSet, type AlertSignal } from './rules.js';
export {
  type AlertsSettings,
  type AlertsSettingsInput,
  checkAlertsSettings,
  type NotifierSettings,
  parseAlertsSettings,
} from './settings.js';
export {
  type Alert,
  type AlertInput,
  type AlertLogger,
  type AlertNotification,
  type AlertNotifier,
  type AlertRuleName,
  type AlertSeverity,
  type ConsensusEmergencyEvent,
  escalateSeverity,
  type SharedStateEvent,
} from './types.js';
