/**
 * Configuration: one schema for every section, loader, `${ENV}` interpolation, durations and the
 * JSON Schema.
 * @packageDocumentation
 */
export {
  type AlertsConfig,
  type AlertsConfigInput,
  alertsSchema,
  type NotifierConfig,
  notifierSchema,
} from './alerts-schema.js';
export { type AuditConfig, auditSchema } from './audit-schema.js';
export { ConfigError, type ConfigIssue, formatIssue, formatPath } from './config-error.js';
export { type CrossCheckable, crossCheckConfig } from './cross-check.js';
export {
  DURATION_MESSAGE,
  durationSchema,
  POSITIVE_DURATION_MESSAGE,
  parseDuration,
  positiveDurationSchema,
} from './duration.js';
export { type InterpolationResult, interpolateEnv } from './env.js';
export {
  FEATURES,
  type FeatureName,
  type FlagModeInput,
  type FlagsConfig,
  flagModeSchema,
  flagsSchema,
} from './flags-schema.js';
export { CONFIG_SCHEMA_ID, configJsonSchema } from './json-schema.js';
export {
  type ConfigOptions,
  type ConfigResult,
  deepFreeze,
  loadConfig,
  type ParseOptions,
  parseConfigText,
  readConfigFile,
  type SectionOptions,
  unwrapConfig,
  validateConfig,
  validateSection,
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
export { knownKeysAt, schemaLeafPaths } from './schema-walk.js';
export {
  ADMIN_SCOPES,
  type AdminScope,
  adminKeySchema,
  authFailuresSchema,
  clientKeySchema,
  type SecurityConfig,
  securitySchema,
} from './security-schema.js';
export { corsSchema, rateLimitSchema, type ServerConfig, serverSchema } from './server-schema.js';
export { type StateConfig, stateSchema } from './state-schema.js';
