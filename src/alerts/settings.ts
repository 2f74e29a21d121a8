/**
 * Alerting settings (the `alerts` section of the config file). Durations accept `"30s"`, `"5m"` or
 * milliseconds. Everything is enabled by default with a single log notifier.
 * @packageDocumentation
 */
import { z } from 'zod';
import { durationSchema } from '../config/duration.js';

const severitySchema = z.enum(['info', 'warning', 'critical']);

function ruleSchema(severity: z.infer<typeof severitySchema>) {
  return z.strictObject({
    enabled: z.boolean().default(true),
    severity: severitySchema.default(severity),
  });
}

/** Event-only rules also resolve after this long with no new triggering event. */
function quietRuleSchema(severity: z.infer<typeof severitySchema>, resolveAfter: string) {
  return z.strictObject({
    enabled: z.boolean().default(true),
    severity: severitySchema.default(severity),
    resolveAfter: durationSchema.prefault(resolveAfter),
  });
}

const webhookNotifierSchema = z.strictObject({
  type: z.literal('webhook'),
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  /** HMAC-SHA256 key for `X-Hive-Signature`. */
  secret: z.string().min(16, { error: 'webhook secret must be at least 16 characters' }),
  timeout: durationSchema.prefault('5s'),
});

const slackNotifierSchema = z.strictObject({
  type: z.literal('slack'),
  url: z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' }),
  timeout: durationSchema.prefault('5s'),
});

const logNotifierSchema = z.strictObject({
  type: z.literal('log'),
  level: z.enum(['info', 'warn', 'error']).optional(),
});

/** One notifier. */
export const notifierSettingsSchema = z.discriminatedUnion('type', [
  webhookNotifierSchema,
  slackNotifierSchema,
  logNotifierSchema,
]);

/** Schema of the `alerts` settings; its output has durations in milliseconds. */
export const alertsSettingsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  rules: z
    .strictObject({
      modelFailed: ruleSchema('critical').prefault({}),
      breakerOpened: ruleSchema('warning').prefault({}),
      chainExhausted: quietRuleSchema('critical', '5m').prefault({}),
      errorRate: z
        .strictObject({
          enabled: z.boolean().default(true),
          severity: severitySchema.default('warning'),
          /** Fraction of failed requests (0..1) above which the rule fires. */
          threshold: z.number().gt(0).max(1).default(0.5),
          window: durationSchema.prefault('5m'),
          /** Requests needed in the window before the rate is judged. */
          minRequests: z.number().int().min(1).default(20),
        })
        .prefault({}),
      emergencyConsensus: quietRuleSchema('critical', '30m').prefault({}),
      /** The shared state store (Redis) is unreachable: this instance serves on local state only. */
      sharedState: ruleSchema('critical').prefault({}),
    })
    .prefault({}),
  /** After an alert resolves, the same rule and subject do not fire again for this long. */
  cooldown: durationSchema.prefault('10m'),
  /** A still-active alert is notified again with a higher severity after this long (0 = never). */
  escalateAfter: durationSchema.prefault('15m'),
  notifiers: z.array(notifierSettingsSchema).default([{ type: 'log' }]),
  delivery: z
    .strictObject({
      /** Pending notifications per notifier; the oldest is dropped (and counted) when full. */
      queueSize: z.number().int().min(1).default(1000),
      /** Retries after a failed delivery (with exponential backoff). */
      retries: z.number().int().min(0).max(10).default(3),
      backoff: durationSchema.prefault('1s'),
      maxBackoff: durationSchema.prefault('30s'),
    })
    .prefault({}),
  /** Notifications kept for {@link AlertManager.history}. */
  historySize: z.number().int().min(1).default(500),
});

/** Parsed alert settings (durations in ms). */
export type AlertsSettings = z.output<typeof alertsSettingsSchema>;
/** Alert settings as written in a config file. */
export type AlertsSettingsInput = z.input<typeof alertsSettingsSchema>;
/** One parsed notifier entry. */
export type NotifierSettings = z.output<typeof notifierSettingsSchema>;

/** Checks settings: the parsed value, or one line per bad field (never echoing secrets). */
export function checkAlertsSettings(
  input: unknown,
): { ok: true; settings: AlertsSettings } | { ok: false; errors: string[] } {
  const result = alertsSettingsSchema.safeParse(input ?? {});
  if (result.success) return { ok: true, settings: result.data };
  return {
    ok: false,
    errors: result.error.issues.map((i) => `alerts.${i.path.join('.') || '(root)'}: ${i.message}`),
  };
}

/** Parses settings, throwing an error that names each bad field (never echoing secrets). */
export function parseAlertsSettings(input: unknown): AlertsSettings {
  const checked = checkAlertsSettings(input);
  if (checked.ok) return checked.settings;
  throw new Error(`invalid alerts settings:\n  ${checked.errors.join('\n  ')}`);
}
