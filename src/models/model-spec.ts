/**
 * What the engine needs to know about one model, compiled once from its config entry.
 * @packageDocumentation
 */
import type { ModelConfig, ProviderKind, Tier } from '../config/schema.js';

/** Default base URLs per provider kind (an `openai` model without `baseURL` talks to OpenAI). */
export const DEFAULT_BASE_URLS: Readonly<Record<ProviderKind, string | undefined>> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com',
  simulated: undefined,
};

/** Price per 1 000 tokens. */
export interface ModelCost {
  readonly input: number;
  readonly output: number;
}

/** Active probe settings, durations in ms. */
export interface ProbeSpec {
  /** `list`: a cheap liveness call; `canary`: a prompt with an expected answer (gives accuracy). */
  readonly kind: 'list' | 'canary';
  readonly prompt: string | undefined;
  /** Case-insensitive substring or `/regex/flags`. */
  readonly expect: string | undefined;
  readonly maxTokens: number;
  /** Overrides the global probe interval. */
  readonly intervalMs: number | undefined;
  /** Overrides the global probe timeout. */
  readonly timeoutMs: number | undefined;
}

/** The redacted, serialisable view of a {@link ModelSpec}. */
export interface ModelDescription {
  readonly id: string;
  readonly provider: ProviderKind;
  readonly baseURL: string | undefined;
  /** `'***'` when a key is set, otherwise `undefined`; never the key itself. */
  readonly apiKey: '***' | undefined;
  readonly providerModel: string;
  readonly aliases: readonly string[];
  readonly tier: Tier;
  readonly capabilities: readonly string[];
  readonly contextWindow: number;
  readonly timeoutMs: number;
  readonly ttftTimeoutMs: number | undefined;
  readonly idleTimeoutMs: number | undefined;
  readonly maxRetries: number;
  readonly breakerThreshold: number;
  readonly fallbacks: readonly string[];
  readonly cost: ModelCost | undefined;
  readonly embeddingDimensions: number | undefined;
  readonly maxConcurrent: number | undefined;
  readonly probe: ProbeSpec | undefined;
}

/**
 * One model, immutable. The API key is held in a private field: it is readable through the
 * {@link ModelSpec.apiKey} getter only, and {@link ModelSpec.toJSON} / {@link ModelSpec.describe} redact it.
 */
export class ModelSpec {
  readonly #apiKey: string | undefined;
  /** Canonical id (the key under `models`). */
  readonly id: string;
  /** Provider kind. */
  readonly provider: ProviderKind;
  /** API base URL (provider default when not configured; `undefined` for `simulated`). */
  readonly baseURL: string | undefined;
  /** The provider's own model name (`model` in the config, else the id). */
  readonly providerModel: string;
  /** Aliases as configured. */
  readonly aliases: readonly string[];
  /** CMMV-Hive role. */
  readonly tier: Tier;
  /** Capabilities (known ones plus any custom strings). */
  readonly capabilities: ReadonlySet<string>;
  /** Context window in tokens. */
  readonly contextWindow: number;
  /** Total timeout per attempt (ms); the model's `timeout` or `resilience.defaultTimeout`. */
  readonly timeoutMs: number;
  /** Time allowed until the first streamed token (ms). */
  readonly ttftTimeoutMs: number | undefined;
  /** Time allowed between streamed chunks (ms). */
  readonly idleTimeoutMs: number | undefined;
  /** Retries per attempt (within the shared retry budget). */
  readonly maxRetries: number;
  /** Consecutive failures that open the model's circuit breaker. */
  readonly breakerThreshold: number;
  /** Fallback models, as canonical ids. */
  readonly fallbacks: readonly string[];
  /** Cost per 1k tokens, when configured. */
  readonly cost: ModelCost | undefined;
  /** Vector length, when this is an embeddings model (`embedding.dimensions`). */
  readonly embeddingDimensions: number | undefined;
  /** Concurrent calls allowed to this model, when limited. */
  readonly maxConcurrent: number | undefined;
  /** Probe settings, when configured. */
  readonly probe: ProbeSpec | undefined;
  /** The simulated provider's profile (only for `provider: simulated`). */
  readonly simulated: Readonly<Record<string, unknown>> | undefined;

  /**
   * @param id - canonical id
   * @param config - the validated config entry
   * @param defaultTimeoutMs - used when the entry has no `timeout`
   * @param fallbacks - the entry's fallbacks, already resolved to canonical ids
   */
  constructor(id: string, config: ModelConfig, defaultTimeoutMs: number, fallbacks: readonly string[]) {
    this.#apiKey = config.apiKey;
    this.id = id;
    this.provider = config.provider;
    this.baseURL = config.baseURL ?? DEFAULT_BASE_URLS[config.provider];
    this.providerModel = config.model ?? id;
    this.aliases = Object.freeze([...config.aliases]);
    this.tier = config.tier;
    this.capabilities = freezeSet(new Set(config.capabilities));
    this.contextWindow = config.contextWindow;
    this.timeoutMs = config.timeout ?? defaultTimeoutMs;
    this.ttftTimeoutMs = config.ttftTimeout;
    this.idleTimeoutMs = config.idleTimeout;
    this.maxRetries = config.maxRetries;
    this.breakerThreshold = config.circuitBreakerThreshold;
    this.fallbacks = Object.freeze([...fallbacks]);
    this.cost = config.cost
      ? Object.freeze({ input: config.cost.input, output: config.cost.output })
      : undefined;
    this.embeddingDimensions = config.embedding?.dimensions;
    this.maxConcurrent = config.maxConcurrent;
    this.probe = config.probe
      ? Object.freeze({
          kind: config.probe.kind,
          prompt: config.probe.prompt,
          expect: config.probe.expect,
          maxTokens: config.probe.maxTokens,
          intervalMs: config.probe.interval,
          timeoutMs: config.probe.timeout,
        })
      : undefined;
    this.simulated = config.simulated ? Object.freeze({ ...config.simulated }) : undefined;
    Object.freeze(this);
  }

  /** The API key, for the provider only. Never log it. */
  get apiKey(): string | undefined {
    return this.#apiKey;
  }

  /** True when the model has every capability in `required`. */
  hasCapabilities(required: Iterable<string>): boolean {
    for (const cap of required) if (!this.capabilities.has(cap)) return false;
    return true;
  }

  /** A plain, redacted description (safe for logs, status pages and errors). */
  describe(): ModelDescription {
    return {
      id: this.id,
      provider: this.provider,
      baseURL: this.baseURL,
      apiKey: this.#apiKey ? '***' : undefined,
      providerModel: this.providerModel,
      aliases: this.aliases,
      tier: this.tier,
      capabilities: [...this.capabilities],
      contextWindow: this.contextWindow,
      timeoutMs: this.timeoutMs,
      ttftTimeoutMs: this.ttftTimeoutMs,
      idleTimeoutMs: this.idleTimeoutMs,
      maxRetries: this.maxRetries,
      breakerThreshold: this.breakerThreshold,
      fallbacks: this.fallbacks,
      cost: this.cost,
      embeddingDimensions: this.embeddingDimensions,
      maxConcurrent: this.maxConcurrent,
      probe: this.probe,
    };
  }

  /** `JSON.stringify` support; the same redacted view as {@link ModelSpec.describe}. */
  toJSON(): ModelDescription {
    return this.describe();
  }
}

function freezeSet<T>(set: Set<T>): ReadonlySet<T> {
  const frozen = set as Set<T>;
  const refuse = (): never => {
    throw new TypeError('ModelSpec.capabilities is read-only');
  };
  frozen.add = refuse;
  frozen.delete = refuse;
  frozen.clear = refuse;
  return Object.freeze(frozen);
}
