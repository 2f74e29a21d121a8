/**
 * `hive-resilience/openai`: the official `openai` client's `chat.completions.create` across several
 * clients and models, with health, circuit breakers, retries and fallback.
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
  IncompleteStreamError,
  type OpenAITarget,
  type ResilientCallOptions,
  type ResilientChatParams,
  type ResilientChatStream,
  type ResilientChatStreamParams,
  type ResilientOpenAI,
  type ResilientOpenAIOptions,
  resilientOpenAI,
} from './resilient-openai.js';
