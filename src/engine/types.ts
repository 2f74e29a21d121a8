/**
 * The engine's public request/result contract, used by the gateway, the CLI and the consensus layer.
 * @packageDocumentation
 */

import type { CancelSignal } from '../core/cancel-signal.js';
import type { Failure } from '../core/outcome.js';
import type { EmbeddingResponse } from '../providers/embeddings.js';
import type { ChatCompletion, ChatRequest, StreamEvent } from '../providers/types.js';
import type { EngineEmbeddingRequest } from './embedding-runner.js';
import type { AttemptRecord } from './events.js';

/** Per-request switches for each resilience feature (resolved from feature flags by the gateway). */
export interface FeatureSwitches {
  /** Record outcomes in the health monitor and use health to rank substitutes. */
  readonly health: boolean;
  /** Consult and feed circuit breakers. */
  readonly breaker: boolean;
  /** Retry failed attempts on the same model. */
  readonly retries: boolean;
  /** Move to the next candidate when a model fails. */
  readonly fallback: boolean;
  /** Start a parallel attempt on the next candidate after a latency-percentile delay. */
  readonly hedging: boolean;
}

/** Every feature on. */
export const ALL_FEATURES_ON: FeatureSwitches = Object.freeze({
  health: true,
  breaker: true,
  retries: true,
  fallback: true,
  hedging: false,
});

/** Which models and providers may see a request's data. Substitutes outside the set are never used. */
export interface DataRestriction {
  /** Canonical model ids allowed (undefined = any). */
  readonly models?: ReadonlySet<string>;
  /** Provider kinds or provider names allowed (undefined = any). */
  readonly providers?: ReadonlySet<string>;
}

/** A request to the engine. */
export interface EngineRequest {
  /** A model id, an alias, a chain name, or a capability route name. */
  readonly target: string;
  /** The chat body; its `model` field is replaced per candidate with the provider's own model name. */
  readonly body: ChatRequest;
  /** Capabilities the answer needs beyond what the body implies (tools, json, vision are inferred). */
  readonly capabilities?: readonly string[];
  /** Data restriction for this request (from its client key). */
  readonly restriction?: DataRestriction;
  /** Correlation id; generated when absent. */
  readonly requestId?: string;
  /**
   * The caller's cancellation: an `AbortSignal`, or a cheaper `CancelSource` from `hive-resilience/core`
   * (what the gateway uses per request).
   */
  readonly signal?: CancelSignal;
  /** Overall deadline for the whole request, in ms from now. */
  readonly deadlineMs?: number;
  /** Feature switches (default {@link ALL_FEATURES_ON}). */
  readonly features?: FeatureSwitches;
}

/** A served completion with its attempt trail. */
export interface EngineSuccess<T> {
  readonly ok: true;
  readonly value: T;
  readonly requestId: string;
  /** Canonical id of the model that answered. */
  readonly model: string;
  readonly attempts: readonly AttemptRecord[];
  /** True when a model other than the first candidate answered. */
  readonly fallback: boolean;
}

/** A request nothing could serve, with its attempt trail. */
export interface EngineFailure {
  readonly ok: false;
  readonly failure: Failure;
  readonly requestId: string;
  readonly attempts: readonly AttemptRecord[];
  /** A readable one-line reason for the caller. */
  readonly message: string;
  /** `'not_found'` when the target names nothing, `'restricted'` when the restriction excludes every candidate. */
  readonly code?: 'not_found' | 'restricted' | 'exhausted' | 'invalid';
}

/** Result of {@link ResilienceEngine.complete}. */
export type EngineResult<T> = EngineSuccess<T> | EngineFailure;

/**
 * An engine stream. Failover happens before the first content chunk is yielded; afterwards a failure ends
 * the stream with an `error` event (never a silent clean finish).
 */
export interface EngineStream extends AsyncIterable<StreamEvent> {
  /** The model currently serving (final once the first chunk was yielded). */
  readonly model: string;
  /** The attempt trail so far. */
  readonly attempts: readonly AttemptRecord[];
  readonly fallback: boolean;
  readonly requestId: string;
  /** Stops the stream and releases the upstream connection. */
  close(): void;
}

/** What the gateway and consensus layer need from the engine. */
export interface ResilienceEngineApi {
  complete(request: EngineRequest): Promise<EngineResult<ChatCompletion>>;
  stream(request: EngineRequest): Promise<EngineResult<EngineStream>>;
  /** Embeddings, when the engine serves them (`POST /v1/embeddings`). */
  embed?(request: EngineEmbeddingRequest): Promise<EngineResult<EmbeddingResponse>>;
}
