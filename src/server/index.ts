/**
 * The gateway: an OpenAI-compatible HTTP server with secured health, admin API, feature flags and audit.
 * @packageDocumentation
 */
export { createGatewayServer, type GatewayServerOptions } from './app.js';
export { type AdminIdentity, Authenticator, type ClientIdentity, matchKey, scopeIncludes } from './auth.js';
export { AuthFailureLimiter, type AuthFailureLimiterOptions } from './auth-failures.js';
export type {
  BreakerInfo,
  BreakerStateName,
  GatewayBackend,
  HealthHistoryEntry,
  HealthStatus,
  HealthSummary,
  ModelHealthInfo,
  ModelInfo,
  ReloadResult,
  Subscription,
  TargetKind,
} from './backend.js';
export { chatBodySchema, parseCapabilities, parseChatBody } from './chat-request.js';
export type {
  AdminActionEvent,
  AlertNotifiedEvent,
  FlagChangedEvent,
  GatewayAuditLog,
  GatewayEvent,
  LiveEvent,
  MetricsEndpoint,
  RoundUpdatedEvent,
} from './context.js';
export {
  type ErrorBody,
  type ErrorType,
  engineFailureToHttp,
  type HttpError,
  scrubSecrets,
  summariseTrail,
} from './errors.js';
export {
  bucketOf,
  describeMode,
  FEATURES,
  FeatureFlags,
  type FeatureName,
  type FlagMode,
  fnv1a,
  isFeatureName,
  type ResolvedFeatures,
} from './flags.js';
export { REDACTED_LOG_PATHS } from './gateway-logger.js';
export type {
  AlertNoticeView,
  AlertsSource,
  AlertView,
  LiveSources,
  RoundsSource,
  RoundView,
  RoundVoterView,
  TimelinePoint,
  TimelineSource,
} from './live-sources.js';
export { requestIdFor } from './request-id.js';
export { DASHBOARD_CSP } from './routes/dashboard.js';
export {
  ADMIN_SCOPES,
  type AdminKey,
  type AdminScope,
  type ClientKey,
  compileGatewaySettings,
  DEFAULT_FLAGS,
  type GatewaySections,
  type GatewaySettings,
  type GatewaySettingsInput,
  type GatewaySettingsResult,
  gatewaySettings,
  hashKey,
  parseGatewaySettings,
} from './settings.js';
