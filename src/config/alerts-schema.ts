/**
 * The `alerts` section: alert rules, cooldown and escalation, notifiers and their delivery queue.
 * Everything is enabled by default with a single log notifier.
 * @packageDocumentation
 */
import { z } from 'zod';
import { durationSchema } from './duration.js';

const severitySchema = z.enum(['info', 'warning', 'critical']);
type Severity = z.infer<typeof severitySchema>;

function ruleSchema(severity: Severity) {
  return z.strictObject({
    enabled: z.boolean().default(true),
    severity: severitySchema.default(severity),
  });
}

/** Event-only rules also resolve after this long with no new triggering event. */
function quietRuleSchema(severity: Severity, resolveAfter: string) {
  return z.strictObject({
    enabled: z.boolean().default(true),
    severity: severitySchema.default(severity),
    resolveAfter: durationSchema.prefault(resolveAfter),
  });
}

const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL' });

const webhookNotifierSchema = z.strictObject({
  type: z.literal('webhook'),
  url: httpUrl,
  secret: z
    .string()
    .min(16, { error: 'webhook secret must be at least 16 characters' })
    .meta({ description: 'HMAC-SHA256 key for X-Hive-Signature.' }),
  timeout: durationSchema.prefault('5s'),
});

const slackNotifierSchema = z.strictObject({
  type: z.literal('slack'),
  url: httpUrl,
  timeout: durationSchema.prefault('5s'),
});

const logNotifierSchema = z.strictObject({
  type: z.literal('log'),
  level: z.enum(['info', 'warn', 'error']).optional(),
});

/** One notifier. */
export const notifierSchema = z.discriminatedUnion('type', [
  webhookNotifierSchema,
  slackNotifierSchema,
  logNotifierSchema,
]);

/** The `alerts` section; its output has durations in milliseconds. */
export const alertsSchema = z.strictObject({
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
          threshold: z
            .number()
            .gt(0)
            .max(1)
            .default(0.5)
            .meta({ description: 'Fraction of failed requests (0..1) above which the rule fires.' }),
          window: durationSchema.prefault('5m'),
          minRequests: z
            .number()
            .int()
            .min(1)
            .default(20)
            .meta({ description: 'Requests needed in the window before the rate is judged.' }),
        })
        .prefault({}),
      emergencyConsensus: quietRuleSchema('critical', '30m').prefault({}),
      sharedState: ruleSchema('critical').prefault({}).meta({
        description:
          'The shared state store (Redis) is unreachable: this instance serves on local state only.',
      }),
    })
    .prefault({}),
  cooldown: durationSchema.prefault('10m').meta({
    description: 'After an alert resolves, the same rule and subject do not fire again for this long.',
  }),
  escalateAfter: durationSchema.prefault('15m').meta({
    description: 'A still-active alert is notified again with a higher severity after this long (0 = never).',
  }),
  notifiers: z.array(notifierSchema).default([{ type: 'log' }]),
  delivery: z
    .strictObject({
      queueSize: z.number().int().min(1).default(1000).meta({
        description: 'Pending notifications per notifier; the oldest is dropped (and counted) when full.',
      }),
      retries: z
        .number()
        .int()
        .min(0)
        .max(10)
        .default(3)
        .meta({ description: 'Retries after a failed delivery (with exponential backoff).' }),
      backoff: durationSchema.prefault('1s'),
      maxBackoff: durationSchema.prefault('30s'),
    })
    .prefault({}),
  historySize: z
    .number()
    .int()
    .min(1)
    .default(500)
    .meta({ description: 'Notifications kept for the alert history.' }),
});

/** Validated alert settings (durations in ms). */
export type AlertsConfig = z.output<typeof alertsSchema>;
/** Alert settings as written in a config file. */
export type AlertsConfigInput = z.input<typeof alertsSchema>;
/** One validated notifier entry. */
export type NotifierConfig = z.output<typeof notifierSchema>;
