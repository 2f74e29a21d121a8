/**
 * Model providers: OpenAI-compatible, Anthropic and simulated, their error classification and the
 * SSE parser they share.
 * @packageDocumentation
 */

export { parseRetryAfter } from '../core/llm-failure-rules.js';
export {
  ANTHROPIC_VERSION,
  type AnthropicOptions,
  AnthropicProvider,
  AnthropicStreamTranslator,
} from './anthropic.js';
export {
  DEFAULT_ANTHROPIC_MAX_TOKENS,
  fromAnthropicResponse,
  mapStopReason,
  toAnthropicRequest,
} from './anthropic-mapping.js';
export {
  type ClassifyContext,
  CONTEXT_LENGTH_REASON,
  classifyErrorPayload,
  classifyHttpFailure,
  classifySignalAbort,
  classifyTransportError,
  type HeaderRecord,
  type HttpFailureInput,
  OVERLOADED_REASON,
  parseDurationMs,
  parseRetryAfterMs,
  readUpstreamError,
  type UpstreamErrorDetail,
} from './classify.js';
export { keepSourceText, sourceTextOf } from './completion-text.js';
export {
  type Embedding,
  type EmbeddingCallOptions,
  type EmbeddingRequest,
  type EmbeddingResponse,
  inputTexts,
  readEmbeddingResponse,
  simulatedEmbeddings,
  simulatedVector,
} from './embeddings.js';
export { createProvider, type ProviderKind, type ProviderSpec } from './factory.js';
export type { HttpProviderOptions } from './http-endpoint.js';
export {
  type OpenAICompatibleOptions,
  OpenAICompatibleProvider,
  OpenAIStreamTranslator,
  readChatCompletion,
} from './openai-compatible.js';
export { ProviderError, type ProviderErrorInit, redactSecrets } from './provider-error.js';
export {
  SimulatedProvider,
  type SimulatedProviderOptions,
  type SimulatedStep,
  seededRandom,
} from './simulated.js';
export { type SseEvent, SseParser } from './sse.js';
export { isContentChunk } from './sse-stream.js';
export type * from './types.js';
