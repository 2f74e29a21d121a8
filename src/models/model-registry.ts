/**
 * The model registry: compiled once from a validated config, immutable afterwards.
 * @packageDocumentation
 */
import { ConfigError } from '../config/config-error.js';
import { crossCheckConfig } from '../config/cross-check.js';
import type { HiveConfig, Tier } from '../config/schema.js';
import { ModelSpec } from './model-spec.js';

/** A named fallback chain with canonical ids. */
export interface ChainSpec {
  readonly name: string;
  readonly primaryModel: string;
  readonly fallbackChain: readonly string[];
  /** `[primaryModel, ...fallbackChain]`. */
  readonly models: readonly string[];
  readonly maxRetries: number;
  readonly timeoutMs: number;
  readonly enableEmergencyConsensus: boolean;
}

/** A capability route with canonical ids. */
export interface RouteSpec {
  readonly name: string;
  readonly capabilities: readonly string[];
  readonly minContextWindow: number | undefined;
  /** Preferred models (canonical ids), tried first among those that qualify. */
  readonly prefer: readonly string[];
}

/** The config sections the registry reads. */
export type RegistryConfig = Pick<HiveConfig, 'models' | 'chains' | 'routes' | 'resilience'>;

/**
 * Every configured model by canonical id, with alias resolution (case-insensitive, tolerant of
 * `provider/` prefixes), capability and tier lookups, chains and routes.
 */
export class ModelRegistry {
  private readonly byId = new Map<string, ModelSpec>();
  /** Lower-cased ids and aliases → id. */
  private readonly names = new Map<string, string>();
  /** Unambiguous secondary names (prefix-stripped aliases, provider model names) → id. */
  private readonly looseNames = new Map<string, string | null>();
  private readonly models: readonly ModelSpec[];
  private readonly chainsByName = new Map<string, ChainSpec>();
  private readonly routesByName = new Map<string, RouteSpec>();

  private constructor(config: RegistryConfig) {
    for (const [id, m] of Object.entries(config.models)) {
      this.names.set(id.toLowerCase(), id);
      for (const alias of m.aliases) this.names.set(alias.toLowerCase(), id);
    }
    const canon = (name: string): string => this.names.get(name.toLowerCase())!;
    const specs: ModelSpec[] = [];
    for (const [id, m] of Object.entries(config.models)) {
      const spec = new ModelSpec(id, m, config.resilience.defaultTimeout, m.fallbacks.map(canon));
      this.byId.set(id, spec);
      specs.push(spec);
      const loose = [spec.providerModel, ...m.aliases.map(stripPrefix)];
      for (const name of loose) this.addLoose(name.toLowerCase(), id);
    }
    this.models = Object.freeze(specs);
    for (const [name, c] of Object.entries(config.chains)) {
      const primaryModel = canon(c.primaryModel);
      const fallbackChain = Object.freeze(c.fallbackChain.map(canon));
      this.chainsByName.set(
        name,
        Object.freeze({
          name,
          primaryModel,
          fallbackChain,
          models: Object.freeze([primaryModel, ...fallbackChain]),
          maxRetries: c.maxRetries,
          timeoutMs: c.timeoutMs,
          enableEmergencyConsensus: c.enableEmergencyConsensus,
        }),
      );
    }
    for (const [name, r] of Object.entries(config.routes)) {
      this.routesByName.set(
        name,
        Object.freeze({
          name,
          capabilities: Object.freeze([...r.capabilities]),
          minContextWindow: r.minContextWindow,
          prefer: Object.freeze(r.prefer.map(canon)),
        }),
      );
    }
    Object.freeze(this);
  }

  /**
   * Compiles a registry from a validated config.
   * @throws {@link ConfigError} when references do not resolve (a config that skipped validation).
   */
  static fromConfig(config: RegistryConfig): ModelRegistry {
    const issues = crossCheckConfig(config);
    if (issues.length > 0) throw new ConfigError(issues);
    return new ModelRegistry(config);
  }

  /** Number of models. */
  get size(): number {
    return this.models.length;
  }

  /**
   * Resolves an id or alias to its model: case-insensitive; a `provider/` prefix is tolerated
   * (`anthropic/claude-4-sonnet-20250514`, `openrouter/anthropic/...`); the provider's own model name
   * and prefix-less forms of aliases resolve when they are unambiguous.
   */
  resolve(nameOrAlias: string): ModelSpec | undefined {
    const id = this.resolveId(nameOrAlias);
    return id === undefined ? undefined : this.byId.get(id);
  }

  /** Like {@link ModelRegistry.resolve} but returns the canonical id. */
  resolveId(nameOrAlias: string): string | undefined {
    const key = nameOrAlias.trim().toLowerCase();
    const exact = this.names.get(key);
    if (exact !== undefined) return exact;
    for (let slash = key.indexOf('/'); slash >= 0; slash = key.indexOf('/', slash + 1)) {
      const hit = this.names.get(key.slice(slash + 1));
      if (hit !== undefined) return hit;
    }
    const loose = this.looseNames.get(key) ?? this.looseNames.get(stripPrefix(key));
    return loose ?? undefined;
  }

  /** The model with this canonical id (no alias resolution). */
  get(id: string): ModelSpec | undefined {
    return this.byId.get(id);
  }

  /** True when `id` is a canonical id. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Every model, in config order. */
  all(): readonly ModelSpec[] {
    return this.models;
  }

  /** Models having every capability in `capabilities` (and at least `minContextWindow` tokens). */
  byCapability(capabilities: Iterable<string>, minContextWindow = 0): ModelSpec[] {
    const required = [...capabilities];
    return this.models.filter((m) => m.contextWindow >= minContextWindow && m.hasCapabilities(required));
  }

  /** Models of a tier. */
  byTier(tier: Tier): ModelSpec[] {
    return this.models.filter((m) => m.tier === tier);
  }

  /** A chain by name. */
  chain(name: string): ChainSpec | undefined {
    return this.chainsByName.get(name);
  }

  /** Every chain. */
  chains(): ChainSpec[] {
    return [...this.chainsByName.values()];
  }

  /** A capability route by name. */
  route(name: string): RouteSpec | undefined {
    return this.routesByName.get(name);
  }

  /** Every route. */
  routes(): RouteSpec[] {
    return [...this.routesByName.values()];
  }

  /**
   * Models serving a route: preferred ones first (in `prefer` order), then the others that qualify, in
   * config order. Health ranking is the engine's job.
   */
  candidatesForRoute(name: string): ModelSpec[] {
    const route = this.routesByName.get(name);
    if (!route) return [];
    const qualifying = this.byCapability(route.capabilities, route.minContextWindow ?? 0);
    const preferred = route.prefer
      .map((id) => qualifying.find((m) => m.id === id))
      .filter((m) => m !== undefined);
    return [...preferred, ...qualifying.filter((m) => !route.prefer.includes(m.id))];
  }

  /** A redacted description of every model (safe to log or serve). */
  describe(): ReturnType<ModelSpec['describe']>[] {
    return this.models.map((m) => m.describe());
  }

  private addLoose(name: string, id: string): void {
    if (this.names.has(name)) return;
    const seen = this.looseNames.get(name);
    if (seen === undefined) this.looseNames.set(name, id);
    else if (seen !== id) this.looseNames.set(name, null);
  }
}

function stripPrefix(name: string): string {
  const slash = name.lastIndexOf('/');
  return slash >= 0 ? name.slice(slash + 1) : name;
}
