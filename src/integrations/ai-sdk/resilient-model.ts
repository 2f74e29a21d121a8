/**
 * Resilience for Vercel AI SDK (v6) language models: {@link resilientLanguageModel} turns an ordered list
 * of models into one `LanguageModelV3` with health, a breaker per model, retries and fallback, streaming
 * included; {@link resilienceMiddleware} does the same as a `wrapLanguageModel` middleware (the wrapped
 * model first, then `fallbacks`). Only types come from `@ai-sdk/provider`; nothing from `ai` is loaded.
 * @packageDocumentation
 */
import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3Middleware,
  LanguageModelV3StreamResult,
} from '@ai-sdk/provider';
import { ModelPool, type ModelPoolOptions, type PoolCandidate } from '../model-pool.js';
import { modelKey, openUntilContent } from './stream-failover.js';

/** Options of {@link resilientLanguageModel} and {@link resilienceMiddleware}. */
export interface ResilientModelOptions extends ModelPoolOptions {
  /** Share breakers and health with other wrappers (default: a pool of its own from these options). */
  readonly pool?: ModelPool;
}

/** A `LanguageModelV3` over several models, with its pool (breakers, health) exposed. */
export interface ResilientLanguageModel extends LanguageModelV3 {
  /** The pool holding the models' breakers and health. */
  readonly pool: ModelPool;
  /** The models, in fallback order. */
  readonly models: readonly LanguageModelV3[];
}

function generateCandidates(
  models: readonly LanguageModelV3[],
  options: LanguageModelV3CallOptions,
): PoolCandidate<LanguageModelV3GenerateResult>[] {
  return models.map((model) => ({
    name: modelKey(model),
    call: (ctx) =>
      Promise.resolve(
        model.doGenerate(ctx.signal === undefined ? options : { ...options, abortSignal: ctx.signal }),
      ),
  }));
}

function streamCandidates(
  pool: ModelPool,
  models: readonly LanguageModelV3[],
  options: LanguageModelV3CallOptions,
): PoolCandidate<LanguageModelV3StreamResult>[] {
  return models.map((model) => ({
    name: modelKey(model),
    call: (ctx) => openUntilContent(pool, (o) => model.doStream(o), options, ctx),
  }));
}

/**
 * One AI SDK model over `models` (tried in order, failed models last). Use it wherever the AI SDK takes a
 * model: `generateText({ model: resilientLanguageModel([primary, backup]), prompt })`.
 * @throws RangeError when `models` is empty
 */
export function resilientLanguageModel(
  models: readonly LanguageModelV3[],
  options: ResilientModelOptions = {},
): ResilientLanguageModel {
  if (models.length === 0) throw new RangeError('resilientLanguageModel: expected at least one model');
  const pool = options.pool ?? new ModelPool(options);
  const first = models[0]!;
  const list = Object.freeze([...models]);
  return {
    specificationVersion: 'v3',
    provider: 'hive-resilience',
    modelId: list.map((m) => m.modelId).join('|'),
    // Only URLs every model can fetch itself may be passed as URLs; the first model's list is the safe guess
    // when they share a provider, and an empty list (download everything) otherwise.
    get supportedUrls() {
      return list.every((m) => m.provider === first.provider) ? first.supportedUrls : {};
    },
    pool,
    models: list,
    doGenerate: (callOptions) => pool.run(generateCandidates(list, callOptions), callOptions.abortSignal),
    doStream: (callOptions) => pool.run(streamCandidates(pool, list, callOptions), callOptions.abortSignal),
  };
}

/** Options of {@link resilienceMiddleware}. */
export interface ResilienceMiddlewareOptions extends ResilientModelOptions {
  /** Models to fall back to, in order, after the wrapped model. */
  readonly fallbacks?: readonly LanguageModelV3[];
}

/**
 * A `LanguageModelV3Middleware` for `wrapLanguageModel({ model, middleware: resilienceMiddleware({ fallbacks }) })`:
 * the wrapped model with retries and a breaker, then each fallback, streams failing over until their
 * first content.
 */
export function resilienceMiddleware(options: ResilienceMiddlewareOptions = {}): LanguageModelV3Middleware {
  const pool = options.pool ?? new ModelPool(options);
  const fallbacks = options.fallbacks ?? [];
  return {
    specificationVersion: 'v3',
    wrapGenerate: ({ doGenerate, params, model }) => {
      const primary: PoolCandidate<LanguageModelV3GenerateResult> = {
        name: modelKey(model),
        call: (ctx) =>
          Promise.resolve(
            ctx.signal === undefined || ctx.signal === params.abortSignal
              ? doGenerate()
              : model.doGenerate({ ...params, abortSignal: ctx.signal }),
          ),
      };
      return pool.run([primary, ...generateCandidates(fallbacks, params)], params.abortSignal);
    },
    wrapStream: ({ doStream, params, model }) => {
      const primary: PoolCandidate<LanguageModelV3StreamResult> = {
        name: modelKey(model),
        call: (ctx) =>
          openUntilContent(
            pool,
            (o) => (o.abortSignal === params.abortSignal ? doStream() : model.doStream(o)),
            params,
            ctx,
          ),
      };
      return pool.run([primary, ...streamCandidates(pool, fallbacks, params)], params.abortSignal);
    },
  };
}
