/**
 * Configuration: schema, loader, `${ENV}` interpolation, durations and the JSON Schema.
 * @packageDocumentation
 */
export { type AuditSettings, checkAuditSettings, parseAuditSettings } from './audit-settings.js';
export { ConfigError, type ConfigIssue, formatIssue, formatPath } from './config-error.js';
export { type CrossCheckable, crossCheckConfig } from './cross-check.js';
export { DURATION_MESSAGE, durationSchema, parseDuration } from './duration.js';
export { type InterpolationResult, interpolateEnv } from './env.js';
export { CONFIG_SCHEMA_ID, configJsonSchema } from './json-schema.js';
export {
  type ConfigOptions,
  type ConfigResult,
  deepFreeze,
  loadConfig,
  type ParseOptions,
  parseConfigText,
  readConfigFile,
  unwrapConfig,
  validateConfig,
} from './load.js';
export {
  breakerSchema,
  type ChainConfig,
  capabilitySchema,
  chainSchema,
  configSchema,
  configShape,
  costSchema,
  type HealthConfig,
  type HiveConfig,
  type HiveConfigInput,
  healthSchema,
  hedgingSchema,
  KNOWN_CAPABILITIES,
  type ModelConfig,
  modelSchema,
  type ProbeConfig,
  type ProviderKind,
  passthroughSectionSchema,
  probeSchema,
  providerKindSchema,
  type ResilienceConfig,
  type RouteConfig,
  resilienceSchema,
  retryBudgetSchema,
  retrySchema,
  routeSchema,
  type Tier,
  tierSchema,
} from './schema.js';
export { type StateConfig, stateSchema } from './state-schema.js';
