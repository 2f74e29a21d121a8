/**
 * Integrations with client libraries people already use: the Vercel AI SDK (`hive-resilience/ai-sdk`)
 * and the official `openai` client (`hive-resilience/openai`). Both sit on {@link ModelPool}: health,
 * breakers, retries and fallback for models called in-process (core and health only; no engine).
 * @packageDocumentation
 */
export {
  AllModelsFailedError,
  ModelPool,
  type ModelPoolOptions,
  type PoolAttempt,
  type PoolCallContext,
  type PoolCandidate,
  type PoolEvent,
} from './model-pool.js';
