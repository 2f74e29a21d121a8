/**
 * The configuration file's schema (zod 4): one schema for every section, so `HiveConfig` is fully typed
 * and the published JSON Schema completes the whole file. The sections the gateway, alerting and audit
 * read (`server`, `security`, `flags`, `alerts`, `audit`) have their own files beside this one.
 * @packageDocumentation
 */
import { z } from 'zod';
import { alertsSchema } from './alerts-schema.js';
import { auditSchema } from './audit-schema.js';
import { durationSchema } from './duration.js';
import { flagsSchema } from './flags-schema.js';
import { securitySchema } from './security-schema.js';
import { serverSchema } from './server-schema.js';
import { stateSchema } from './state-schema.js';

/** Provider kinds: `openai` (any OpenAI-compatible API), `anthropic`, `simulated`. */
export const providerKindSchema = z.enum(['openai', 'anthropic', 'simulated']);

/** CMMV-Hive roles. */
export const tierSchema = z.enum(['general', 'collaborator']);

/** Capabilities the engine knows about; any other string is accepted as a custom capability. */
export const KNOWN_CAPABILITIES = [
  'voting',
  'reasoning',
  'code_review',
  'tools',
  'json',
  'streaming',
  'vision',
] as const;

/** A capability: a known one (offered by editors) or any custom string. */
export const capabilitySchema = z.union([z.enum(KNOWN_CAPABILITIES), z.string().min(1)]);

const nameSchema = z.string().min(1, { error: 'expected a non-empty name' });
/** A probe expectation written as a regular expression: `/pattern/flags`. */
export const REGEX_EXPECTATION = /^\/(.*)\/([a-z]*)$/s;

/** Price per 1 000 tokens. */
export const costSchema = z.strictObject({
  input: z.number().nonnegative().meta({ description: 'Price per 1k input tokens.' }),
  output: z.number().nonnegative().meta({ description: 'Price per 1k output tokens.' }),
});

/** Active probe settings for one model. */
export const probeSchema = z
  .strictObject({
    kind: z.enum(['list', 'canary']).default('list'),
    prompt: z.string().min(1).optional(),
    expect: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Expected answer: a case-insensitive substring, or /regex/flags.' }),
    maxTokens: z.int().positive().default(512),
    interval: durationSchema.optional(),
    timeout: durationSchema.optional(),
  })
  .superRefine((probe, ctx) => {
    if (probe.kind === 'canary') {
      if (!probe.prompt)
        ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'a canary probe needs a prompt' });
      if (!probe.expect)
        ctx.addIssue({ code: 'custom', path: ['expect'], message: 'a canary probe needs expect' });
    }
    const m = probe.expect ? REGEX_EXPECTATION.exec(probe.expect) : null;
    if (m) {
      try {
        new RegExp(m[1]!, m[2]);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['expect'], message: 'expected a valid /regex/' });
      }
    }
  });

/** One model (BIP-03 per-model shape plus optional extras). Unknown keys are errors. */
export const modelSchema = z.strictObject({
  provider: providerKindSchema,
  baseURL: z.url({ error: 'expected a URL like "https://api.openai.com/v1"' }).optional(),
  apiKey: z.string().optional(),
  model: z
    .string()
    .min(1)
    .optional()
    .meta({ description: "The provider's own model name (defaults to the id)." }),
  aliases: z.array(nameSchema).default([]),
  tier: tierSchema.default('general'),
  capabilities: z.array(capabilitySchema).default([]),
  contextWindow: z.int().positive().default(128_000),
  maxRetries: z.int().nonnegative().default(3),
  timeout: durationSchema.optional(),
  ttftTimeout: durationSchema.optional(),
  idleTimeout: durationSchema.optional(),
  circuitBreakerThreshold: z.int().positive().default(5),
  fallbacks: z.array(nameSchema).default([]),
  cost: costSchema.optional(),
  embedding: z
    .strictObject({
      dimensions: z.int().positive().meta({ description: 'Length of the vectors this model returns.' }),
    })
    .optional()
    .meta({
      description:
        'Makes this an embeddings model (POST /v1/embeddings); fallbacks serve only models of the same dimensions.',
    }),
  maxConcurrent: z.int().positive().optional(),
  probe: probeSchema.optional(),
  simulated: z.record(z.string(), z.unknown()).optional().meta({
    description:
      'Latency/failure profile for the simulated provider (latency, ttft, failureRate, seed, answer, ...).',
  }),
});

/** A named fallback chain (the proposal's FallbackConfig). */
export const chainSchema = z.strictObject({
  primaryModel: nameSchema,
  fallbackChain: z.array(nameSchema).default([]),
  maxRetries: z.int().nonnegative().default(3),
  timeoutMs: durationSchema.default(30_000),
  enableEmergencyConsensus: z.boolean().default(false),
});

/** The retry budget: a token bucket shared by every retry and hedge (failures drain, successes refill). */
export const retryBudgetSchema = z.strictObject({
  maxTokens: z.number().positive().default(20),
  failureCost: z.number().nonnegative().default(1),
  retryCost: z.number().nonnegative().default(1),
  successRefill: z.number().nonnegative().default(0.5),
  minTokens: z
    .number()
    .nonnegative()
    .optional()
    .meta({ description: 'Retries stop while fewer tokens than this would remain (default maxTokens / 2).' }),
});

/** Retry timing (BIP-03 defaults: 1 s, 2 s, 4 s, 8 s with jitter). */
export const retrySchema = z.strictObject({
  baseDelay: durationSchema.default(1000),
  maxDelay: durationSchema.default(8000),
  throttledBaseDelay: durationSchema.default(2000),
  maxRetryAfter: durationSchema.default(60_000),
  jitter: z.number().min(0).max(1).default(0.2),
  fallbackInsteadOfWait: durationSchema.default(2000).meta({
    description: 'With another candidate left, move on instead of waiting longer than this for a retry.',
  }),
});

/** Circuit-breaker timing for every model (the threshold is per model: circuitBreakerThreshold). */
export const breakerSchema = z.strictObject({
  openDuration: durationSchema.default(30_000),
  maxOpenDuration: durationSchema.default(300_000),
  halfOpenProbes: z.int().positive().default(1),
  probeLease: durationSchema.default(30_000),
});

/** Hedged requests to the next candidate after a delay taken from a latency percentile. */
export const hedgingSchema = z.strictObject({
  enabled: z.boolean().default(false),
  percentile: z.number().gt(0).lt(100).default(95),
  minDelay: durationSchema.default(100),
});

/** Global resilience settings. */
export const resilienceSchema = z.strictObject({
  healthCheckInterval: durationSchema.default(30_000),
  defaultTimeout: durationSchema.default(30_000),
  maxConcurrentRequests: z.int().positive().default(10),
  degradedModeThreshold: z
    .number()
    .min(0)
    .max(100)
    .default(60)
    .meta({ description: 'Percentage of healthy models below which the system is in degraded mode.' }),
  retryBudget: retryBudgetSchema.prefault({}),
  retry: retrySchema.prefault({}),
  breaker: breakerSchema.prefault({}),
  hedging: hedgingSchema.prefault({}),
});

/** Health monitor thresholds. */
export const healthSchema = z.strictObject({
  window: durationSchema.default(60_000),
  buckets: z.int().min(2).max(120).default(10),
  failureThreshold: z.int().positive().default(3),
  recoveryThreshold: z.int().positive().default(3),
  errorRateThreshold: z.number().gt(0).max(1).default(0.25),
  minRequests: z.int().positive().default(10),
  latencyThreshold: durationSchema
    .default(10_000)
    .meta({ description: 'p95 latency above which a model is degraded.' }),
  accuracyThreshold: z.number().min(0).max(1).default(0.8),
  probeTimeout: durationSchema.default(10_000),
  probeConcurrency: z.int().positive().default(2),
});

/** A capability route: requests naming it get models with every listed capability. */
export const routeSchema = z.strictObject({
  capabilities: z.array(capabilitySchema).min(1, { error: 'a route needs at least one capability' }),
  minContextWindow: z.int().positive().optional(),
  prefer: z.array(nameSchema).default([]),
});

/** The top-level shape. */
export const configShape = {
  $schema: z.string().optional(),
  models: z.record(nameSchema, modelSchema).default({}),
  chains: z.record(nameSchema, chainSchema).default({}),
  routes: z.record(nameSchema, routeSchema).default({}),
  resilience: resilienceSchema.prefault({}),
  health: healthSchema.prefault({}),
  server: serverSchema.prefault({}),
  security: securitySchema.prefault({}),
  flags: flagsSchema.prefault({}),
  audit: auditSchema.prefault({}),
  alerts: alertsSchema.prefault({}),
  state: stateSchema.prefault({}),
};

/** The whole configuration file. Unknown top-level keys are errors. */
export const configSchema = z.strictObject(configShape);

/** A validated configuration (durations in ms, defaults filled in). */
export type HiveConfig = z.output<typeof configSchema>;
/** A configuration as written in the file. */
export type HiveConfigInput = z.input<typeof configSchema>;
/** One validated model entry. */
export type ModelConfig = z.output<typeof modelSchema>;
/** One validated chain. */
export type ChainConfig = z.output<typeof chainSchema>;
/** One validated capability route. */
export type RouteConfig = z.output<typeof routeSchema>;
/** Validated resilience settings. */
export type ResilienceConfig = z.output<typeof resilienceSchema>;
/** Validated health settings. */
export type HealthConfig = z.output<typeof healthSchema>;
/** Validated probe settings. */
export type ProbeConfig = z.output<typeof probeSchema>;
/** Provider kind. */
export type ProviderKind = z.output<typeof providerKindSchema>;
/** Model tier. */
export type Tier = z.output<typeof tierSchema>;
