/**
 * `hive-resilience/ai-sdk`: health, circuit breakers, retries and fallback across Vercel AI SDK models.
 * @packageDocumentation
 */
export {
  AllModelsFailedError,
  ModelPool,
  type ModelPoolOptions,
  type PoolAttempt,
  type PoolEvent,
} from '../model-pool.js';
export {
  type ResilienceMiddlewareOptions,
  type ResilientLanguageModel,
  type ResilientModelOptions,
  resilienceMiddleware,
  resilientLanguageModel,
} from './resilient-model.js';
export { modelKey, StreamEndedEarlyError } from './stream-failover.js';
