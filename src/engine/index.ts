/**
 * The fallback strategy engine: planning, failover, streaming failover, health probes.
 * @packageDocumentation
 */
export {
  type BreakerDefaults,
  CompiledConfig,
  type CompileOptions,
  type ProviderFactory,
} from './compiled-config.js';
export type { CompiledModel, HedgeSettings, RetrySettings } from './compiled-model.js';
export { type EngineEmbeddingRequest, runEmbeddingPlan } from './embedding-runner.js';
export type * from './events.js';
export { DEFAULT_CANARY_MAX_TOKENS, probeModel } from './model-probe.js';
export {
  type Candidate,
  type ModelRank,
  type Plan,
  type PlannableModel,
  Planner,
  type PlannerSignals,
  type PlanOptions,
  type ResolvedTarget,
  type SkippedModel,
} from './planner.js';
export { type RequestNeeds, requestNeeds } from './request-shape.js';
export { ResilienceEngine, type ResilienceEngineOptions } from './resilience-engine.js';
export type {
  DataRestriction,
  EngineFailure,
  EngineRequest,
  EngineResult,
  EngineStream,
  EngineSuccess,
  FeatureSwitches,
  ResilienceEngineApi,
} from './types.js';
export { ALL_FEATURES_ON } from './types.js';
