/**
 * A config compiled once into what the hot path reads: the registry, one {@link CompiledModel} per model
 * and the planner. A hot reload compiles a new one and carries breaker state over for models that remain.
 * @packageDocumentation
 */

import type { HiveConfig } from '../config/schema.js';
import { CircuitBreaker } from '../core/breaker/circuit-breaker.js';
import { BulkheadPolicy } from '../core/bulkhead.js';
import type { Clock } from '../core/clock.js';
import { HedgePolicy } from '../core/hedge.js';
import { RetryPolicy } from '../core/retry.js';
import type { RetryBudget } from '../core/retry-budget.js';
import { TimeoutPolicy } from '../core/timeout.js';
import type { HealthMonitor } from '../health/health-monitor.js';
import { ModelRegistry } from '../models/model-registry.js';
import type { ModelSpec } from '../models/model-spec.js';
import { createProvider } from '../providers/factory.js';
import type { Provider } from '../providers/types.js';
import {
  type CompiledModel,
  type HedgeSettings,
  hedgeDelay,
  plannableOf,
  providerNameOf,
  type RetrySettings,
} from './compiled-model.js';
import { type ModelRank, Planner, type ResolvedTarget } from './planner.js';
import { ThrottleWindow } from './throttle-window.js';

/** Builds a provider for a model; return undefined to use the default factory. */
export type ProviderFactory = (spec: ModelSpec) => Provider | undefined;

/** Breaker options the engine applies to every model (the threshold comes from the model). */
export interface BreakerDefaults {
  readonly openDurationMs: number;
  readonly maxOpenDurationMs: number;
  readonly halfOpenProbes: number;
  readonly probeLeaseMs: number;
}

/** What compiling needs. */
export interface CompileOptions {
  readonly clock: Clock;
  readonly health: HealthMonitor;
  readonly breaker: BreakerDefaults;
  readonly providerFactory?: ProviderFactory;
  /** Retry timing shared by every model. */
  readonly retry: RetrySettings;
  /** The retry budget every retry and hedge spends. */
  readonly budget: RetryBudget;
  readonly hedge: HedgeSettings;
  /** Calls in flight per model unless the model sets `maxConcurrent` (`resilience.maxConcurrentRequests`). */
  readonly maxConcurrentRequests: number;
}

/** An immutable compiled config. */
export class CompiledConfig {
  readonly registry: ModelRegistry;
  readonly models: ReadonlyMap<string, CompiledModel>;
  readonly planner: Planner;

  private constructor(registry: ModelRegistry, models: Map<string, CompiledModel>, planner: Planner) {
    this.registry = registry;
    this.models = models;
    this.planner = planner;
  }

  /**
   * Compiles a validated config. A model that exists in `previous` keeps its breaker (with its isolations)
   * when its breaker settings are unchanged, else gets a new one hydrated from the old state, so a reload
   * never forgets an open circuit.
   * @throws ConfigError when cross-references do not resolve (configs from `loadConfig` never do)
   */
  static compile(config: HiveConfig, options: CompileOptions, previous?: CompiledConfig): CompiledConfig {
    const registry = ModelRegistry.fromConfig(config);
    const models = new Map<string, CompiledModel>();
    for (const spec of registry.all()) {
      const before = previous?.models.get(spec.id);
      const limit = spec.maxConcurrent ?? options.maxConcurrentRequests;
      const provider = options.providerFactory?.(spec) ?? providerFor(spec, options.clock, limit);
      const breaker =
        before && sameBreakerSettings(before.spec, spec)
          ? before.breaker
          : newBreaker(spec, options, before?.breaker.toJSON());
      models.set(spec.id, {
        spec,
        plannable: plannableOf(spec, providerNameOf(spec)),
        provider,
        breaker,
        timeout: new TimeoutPolicy({ timeoutMs: spec.timeoutMs, clock: options.clock }),
        retry: new RetryPolicy({
          maxRetries: spec.maxRetries,
          backoff: options.retry.backoff,
          throttledBackoff: options.retry.throttledBackoff,
          maxRetryAfterMs: options.retry.maxRetryAfterMs,
          budget: options.budget,
          clock: options.clock,
        }),
        bulkhead: new BulkheadPolicy({ maxConcurrent: limit }),
        hedge: options.hedge.enabled
          ? new HedgePolicy({
              delayMs: () => hedgeDelay(options.health, options.hedge, spec.id),
              maxHedges: 1,
              budget: options.budget,
              clock: options.clock,
            })
          : undefined,
        throttle: before?.throttle ?? new ThrottleWindow(options.clock, options.retry.maxRetryAfterMs),
      });
    }
    options.health.retain(models.keys());
    const planner = new Planner(
      [...models.values()].map((m) => m.plannable),
      {
        rank: healthRanks(options.health, options.clock),
        // An open breaker whose wait has passed is planned: the live request becomes its probe.
        isOpen: (id) => {
          const breaker = models.get(id)?.breaker;
          const state = breaker?.state;
          return state === 'isolated' || (state === 'open' && (breaker!.retryAfterMs() ?? 1) > 0);
        },
      },
    );
    return new CompiledConfig(registry, models, planner);
  }

  /** What a request's `model` names: a model (id or alias), a chain, or a capability route. */
  resolveTarget(name: string): ResolvedTarget | undefined {
    const chain = this.registry.chain(name);
    if (chain) return { kind: 'chain', name, members: chain.models };
    const route = this.registry.route(name);
    if (route) {
      return {
        kind: 'route',
        name,
        capabilities: route.capabilities,
        minContextWindow: route.minContextWindow ?? 0,
        prefer: route.prefer,
      };
    }
    const id = this.registry.resolveId(name);
    return id ? { kind: 'model', id } : undefined;
  }

  /** Releases every provider's connections and every policy's timers. */
  async close(): Promise<void> {
    for (const m of this.models.values()) m.timeout.dispose();
    await Promise.allSettled([...this.models.values()].map((m) => m.provider.close()));
  }
}

/** How long a model's ranking (health score, median latency) is reused before it is read again. */
export const RANK_REFRESH_MS = 250;

/**
 * Rankings from the health monitor, each reused for {@link RANK_REFRESH_MS}: a health snapshot computes
 * percentiles (microseconds), far too much to do per request and per comparison.
 */
function healthRanks(health: HealthMonitor, clock: Clock): (id: string) => ModelRank {
  const cache = new Map<string, { rank: ModelRank; at: number }>();
  return (id) => {
    const now = clock.now();
    const hit = cache.get(id);
    if (hit && now - hit.at < RANK_REFRESH_MS) return hit.rank;
    const h = health.health(id);
    const rank = { score: h?.score ?? 1, latencyMs: h?.latencyP50 ?? 0 };
    cache.set(id, { rank, at: now });
    return rank;
  };
}

/** True when a model's breaker can be kept as is across a reload (isolations and windows included). */
function sameBreakerSettings(a: ModelSpec, b: ModelSpec): boolean {
  return a.breakerThreshold === b.breakerThreshold && a.timeoutMs === b.timeoutMs;
}

function newBreaker(spec: ModelSpec, options: CompileOptions, previous: unknown): CircuitBreaker {
  const breaker = new CircuitBreaker({
    consecutiveFailures: Math.max(1, spec.breakerThreshold),
    openDurationMs: options.breaker.openDurationMs,
    maxOpenDurationMs: options.breaker.maxOpenDurationMs,
    halfOpenProbes: options.breaker.halfOpenProbes,
    probeLeaseMs: Math.max(options.breaker.probeLeaseMs, spec.timeoutMs),
    clock: options.clock,
    name: spec.id,
  });
  if (previous !== undefined) breaker.hydrate(previous);
  return breaker;
}

/**
 * Upstream connections a model's provider may open: one per call its bulkhead admits (`limit`), plus room
 * for health probes and for connections still finishing a stream (see `SseProviderStream.release`), so no
 * admitted call waits in the HTTP client's queue behind the others. At least 64, the pool's default.
 */
export function connectionsFor(limit: number): number {
  return Math.max(64, limit + 8);
}

function providerFor(spec: ModelSpec, clock: Clock, limit: number): Provider {
  return createProvider({
    kind: spec.provider,
    baseURL: spec.baseURL,
    apiKey: spec.apiKey,
    // The engine's per-attempt TimeoutPolicy bounds non-streaming calls; a second timer here would only
    // cost another AbortController per call.
    ttftTimeoutMs: spec.ttftTimeoutMs,
    idleTimeoutMs: spec.idleTimeoutMs,
    connections: connectionsFor(limit),
    name: spec.id,
    clock,
    simulated: spec.simulated as Parameters<typeof createProvider>[0]['simulated'],
  });
}
