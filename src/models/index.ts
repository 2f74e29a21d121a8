/**
 * The model registry: canonical ids, aliases, capabilities, chains and routes.
 * @packageDocumentation
 */
export {
  type ChainSpec,
  ModelRegistry,
  type RegistryConfig,
  type RouteSpec,
} from './model-registry.js';
export {
  DEFAULT_BASE_URLS,
  type ModelCost,
  type ModelDescription,
  ModelSpec,
  type ProbeSpec,
} from './model-spec.js';
