/**
 * hive-resilience: resilience policies, the fallback strategy engine, providers, health monitoring,
 * the gateway and governance consensus for multi-model AI systems.
 *
 * - `hive-resilience/core`: dependency-free policies (retry, circuit breaker, timeout, bulkhead, hedge,
 *   fallback, pipeline) that also run in browsers and edge runtimes.
 * - `hive-resilience`: everything, including the engine (`ResilienceEngine`), config loading, providers,
 *   health, audit, the gateway (`startGateway`) and consensus (`runRound`, `verifyMinutes`).
 * @packageDocumentation
 */

export {
  type AuditLog,
  MemoryAuditLog,
  SqliteAuditLog,
  verifyAuditDatabase,
  verifyAuditRecords,
} from './audit/index.js';
export { type ChaosUpstream, type FaultSpec, startChaosUpstream } from './chaos/index.js';
export {
  ConfigError,
  type ConfigIssue,
  configJsonSchema,
  type HiveConfig,
  type HiveConfigInput,
  loadConfig,
  parseConfigText,
  validateConfig,
} from './config/index.js';
export * from './core/index.js';
export * from './engine/index.js';
export { DEFAULT_CONFIG_PATH } from './gateway/default-config.js';

import type { RunningGateway, StartGatewayOptions } from './gateway/start-gateway.js';

export { HealthMonitor, HealthProber, type ModelHealth, type ModelHealthCheck } from './health/index.js';
export { ModelRegistry, ModelSpec } from './models/index.js';
export {
  AnthropicProvider,
  type ChatCompletion,
  type ChatCompletionChunk,
  type ChatMessage,
  type ChatRequest,
  createProvider,
  OpenAICompatibleProvider,
  type Provider,
  type ProviderSpec,
  SimulatedProvider,
  type StreamEvent,
} from './providers/index.js';
export { MemoryStateStore, type StateStore } from './state/index.js';
export type { RunningGateway, StartGatewayOptions };

/**
 * Starts the whole gateway from a config file (see `StartGatewayOptions`). The gateway's modules (Fastify,
 * metrics, alerting, shared state) load on the first call, so `import 'hive-resilience'` stays light for
 * library use.
 */
export async function startGateway(options?: StartGatewayOptions): Promise<RunningGateway> {
  const gateway = await import('./gateway/start-gateway.js');
  return gateway.startGateway(options);
}
