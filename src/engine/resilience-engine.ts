/**
 * The fallback strategy engine: plans candidates for a request and walks them with breakers, retries,
 * timeouts and health recording, until one serves it. Emits typed events; calls nothing above it.
 * @packageDocumentation
 */

import type { HiveConfig } from '../config/schema.js';
import { type Clock, systemClock } from '../core/clock.js';
import { type Disposable, EventEmitter } from '../core/event-emitter.js';
import { RetryBudget, type RetryBudgetOptions } from '../core/retry-budget.js';
import { TimeoutPolicy } from '../core/timeout.js';
import { HealthMonitor, healthMonitorOptionsFromConfig } from '../health/health-monitor.js';
import { HealthProber, type ProbeClaim } from '../health/health-prober.js';
import type { ProbeResult } from '../health/types.js';
import type { EmbeddingResponse } from '../providers/embeddings.js';
import type { ChatCompletion } from '../providers/types.js';
import { type BreakerDefaults, CompiledConfig, type ProviderFactory } from './compiled-config.js';
import type { RetrySettings } from './compiled-model.js';
import { DegradedMode } from './degraded-mode.js';
import { type EngineEmbeddingRequest, runEmbeddingPlan } from './embedding-runner.js';
import { breakerDefaultsFrom, retrySettingsFrom } from './engine-settings.js';
import type { EngineEvent } from './events.js';
import { probeModel } from './model-probe.js';
import type { AttemptDeps, RequestScope } from './model-turn.js';
import { runPlan } from './plan-runner.js';
import { deadlineOf } from './request-deadline.js';
import { streamPlan } from './stream-runner.js';
import { openUntilContent } from './stream-session.js';
import {
  ALL_FEATURES_ON,
  type EngineRequest,
  type EngineResult,
  type EngineStream,
  type ResilienceEngineApi,
} from './types.js';

/** Options of {@link ResilienceEngine}. */
export interface ResilienceEngineOptions {
  /** Time source (tests inject a `FakeClock`). */
  readonly clock?: Clock;
  /** Overrides the provider built for a model (tests, custom transports). */
  readonly providerFactory?: ProviderFactory;
  /** Retry timing; defaults follow BIP-03 (1 s, 2 s, 4 s, 8 s with jitter). */
  readonly retry?: Partial<RetrySettings>;
  /** The retry budget shared by every request and hedge. */
  readonly budget?: RetryBudgetOptions;
  /** Breaker timing applied to every model. */
  readonly breaker?: Partial<BreakerDefaults>;
  /** Run active health probes (default true; they start with {@link ResilienceEngine.start}). */
  readonly probes?: boolean;
  /** Consulted before each scheduled probe, e.g. a lease shared by instances (see `ProbeClaim`). */
  readonly probeClaim?: ProbeClaim;
}

let sequence = 0;
function newRequestId(): string {
  sequence = (sequence + 1) % 1_000_000_000;
  return `req_${Date.now().toString(36)}${sequence.toString(36)}`;
}

/** The engine. Create with {@link ResilienceEngine.fromConfig}; {@link ResilienceEngine.close} when done. */
export class ResilienceEngine implements ResilienceEngineApi {
  /** Every engine event (breaker, health, fallback, retry, request, probe). */
  readonly events: EventEmitter<EngineEvent>;
  readonly health: HealthMonitor;
  readonly budget: RetryBudget;
  readonly clock: Clock;
  private compiled: CompiledConfig;
  private prober: HealthProber | undefined;
  private running = false;
  private readonly deps: AttemptDeps;
  private subscriptions: Disposable[] = [];
  private readonly mode: DegradedMode;
  private readonly breakerDefaults: BreakerDefaults;

  private constructor(
    private config: HiveConfig,
    private readonly options: ResilienceEngineOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.events = new EventEmitter<EngineEvent>();
    const healthOptions = healthMonitorOptionsFromConfig(config.health, this.clock);
    this.health = new HealthMonitor(healthOptions, Object.keys(config.models));
    const r = config.resilience;
    this.budget = new RetryBudget({ ...r.retryBudget, ...options.budget });
    this.breakerDefaults = breakerDefaultsFrom(config, options.breaker);
    const retry = retrySettingsFrom(config, options.retry);
    this.deps = {
      clock: this.clock,
      health: this.health,
      budget: this.budget,
      retry,
      hedge: { enabled: r.hedging.enabled, percentile: r.hedging.percentile, minDelayMs: r.hedging.minDelay },
      events: this.events,
    };
    this.compiled = this.compile(config, undefined);
    this.mode = new DegradedMode(this.health, this.events, this.clock);
    this.health.statusChanged.on(() => this.updateMode());
    this.health.statusChanged.on((e) =>
      this.events.emit({
        type: 'health.status_changed',
        model: e.modelId,
        from: e.from,
        to: e.to,
        reason: e.reason,
        at: e.at.getTime(),
      }),
    );
    // The breaker's health-check hook: a passing active probe closes an open breaker (never an isolation).
    this.health.probeSucceeded.on((e) =>
      this.compiled.models.get(e.modelId)?.breaker.reportHealthCheck(true),
    );
  }

  /** Builds an engine from a validated config (see `loadConfig`). */
  static fromConfig(config: HiveConfig, options: ResilienceEngineOptions = {}): ResilienceEngine {
    return new ResilienceEngine(config, options);
  }

  /** The compiled config currently serving (registry, compiled models, planner). */
  get current(): CompiledConfig {
    return this.compiled;
  }

  /**
   * True while fewer than `resilience.degradedModeThreshold` percent of the models are healthy (see
   * `EngineModeChangedEvent`); hedging is suspended meanwhile.
   */
  get degraded(): boolean {
    return this.mode.degraded;
  }

  /** The config currently serving. */
  get currentConfig(): HiveConfig {
    return this.config;
  }

  /** Starts active health probes. */
  start(): void {
    this.running = true;
    this.startProber();
  }

  /**
   * Swaps in a new validated config atomically: breaker and health state carry over for models that
   * remain; requests in flight finish on the compiled config they started with.
   * @throws ConfigError when the config's references do not resolve (nothing is changed then)
   */
  async reload(config: HiveConfig): Promise<void> {
    const previous = this.compiled;
    const next = this.compile(config, previous);
    this.compiled = next;
    this.config = config;
    this.updateMode();
    if (this.running) this.startProber();
    await previous.close();
  }

  // complete/stream/embed hand back the runner's promise as it is: an async method returning it would add
  // a promise and two microtask hops per request (resolving with a thenable).

  /** A non-streaming completion with failover. Never throws. */
  complete(request: EngineRequest): Promise<EngineResult<ChatCompletion>> {
    return runPlan(this.deps, this.compiled, request, this.scopeFor(request));
  }

  /**
   * A streaming completion with failover until the first content chunk. The result resolves once a
   * model has produced content (or every candidate failed). Never throws.
   */
  stream(request: EngineRequest): Promise<EngineResult<EngineStream>> {
    return streamPlan(this.deps, this.compiled, request, this.scopeFor(request), openUntilContent);
  }

  /**
   * Embeddings with failover among embeddings models of the same dimensions (`embedding-runner.ts`).
   * Never throws.
   */
  embed(request: EngineEmbeddingRequest): Promise<EngineResult<EmbeddingResponse>> {
    return runEmbeddingPlan(this.deps, this.compiled, request, this.scopeFor(request));
  }

  /**
   * Probes one model now (outside the schedule) and records the result; a success may close its breaker.
   * @returns undefined when the model does not exist
   */
  async probeNow(modelId: string): Promise<ProbeResult | undefined> {
    const id = this.compiled.registry.resolveId(modelId);
    const rt = id ? this.compiled.models.get(id) : undefined;
    if (!rt) return undefined;
    const timeoutMs = this.config.health.probeTimeout;
    // The core's timeout bounds the probe (an aggressive one: a probe that ignores its signal still ends).
    const limit = new TimeoutPolicy({ timeoutMs, clock: this.clock, strategy: 'aggressive' });
    try {
      const out = await limit.executeOutcome((ctx) =>
        probeModel(rt.spec, rt.provider, ctx.signal, this.clock),
      );
      const result: ProbeResult = out.ok ? out.value : { kind: out.kind, latencyMs: timeoutMs };
      this.health.recordProbe(rt.spec.id, result);
      this.emitProbe(rt.spec.id, result);
      return result;
    } finally {
      limit.dispose();
    }
  }

  /** Stops probes, releases connections and timers. */
  async close(): Promise<void> {
    this.running = false;
    this.prober?.stop();
    this.prober = undefined;
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [];
    await this.compiled.close();
  }

  private scopeFor(
    request: Pick<EngineRequest, 'target' | 'requestId' | 'signal' | 'deadlineMs' | 'features'>,
  ): RequestScope {
    let deadlineAt = deadlineOf(this.clock, request.deadlineMs);
    // A chain's own settings govern requests sent to it: per-model retries bounded by its maxRetries,
    // and its timeoutMs as the whole request's deadline (the caller's, when sooner, wins).
    const chain = this.compiled.registry.chain(request.target);
    if (chain) deadlineAt = Math.min(deadlineAt, deadlineOf(this.clock, chain.timeoutMs));
    return {
      requestId: request.requestId ?? newRequestId(),
      target: request.target,
      signal: request.signal,
      deadlineAt,
      features: request.features ?? ALL_FEATURES_ON,
      maxRetries: chain?.maxRetries,
      degraded: this.mode.degraded,
    };
  }

  private updateMode(): void {
    this.mode.update(this.compiled.models.keys(), this.config.resilience.degradedModeThreshold);
  }

  private compile(config: HiveConfig, previous: CompiledConfig | undefined): CompiledConfig {
    const compiled = CompiledConfig.compile(
      config,
      {
        clock: this.clock,
        health: this.health,
        breaker: this.breakerDefaults,
        providerFactory: this.options.providerFactory,
        retry: this.deps.retry,
        budget: this.budget,
        hedge: this.deps.hedge,
        maxConcurrentRequests: config.resilience.maxConcurrentRequests,
      },
      previous,
    );
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions = [...compiled.models.values()].map((m) =>
      m.breaker.onStateChange.on((e) =>
        this.events.emit({
          type: 'breaker.state_changed',
          model: m.spec.id,
          from: e.from,
          to: e.to,
          reason: e.reason,
          at: this.clock.wallNow(),
        }),
      ),
    );
    return compiled;
  }

  private emitProbe(model: string, result: ProbeResult): void {
    if (!this.events.hasListeners) return;
    this.events.emit({
      type: 'probe.completed',
      model,
      kind: result.kind,
      latencyMs: result.latencyMs,
      correct: result.correct,
      at: this.clock.wallNow(),
    });
  }

  private startProber(): void {
    this.prober?.stop();
    if (this.options.probes === false) return;
    const compiled = this.compiled;
    const h = healthMonitorOptionsFromConfig(this.config.health, this.clock);
    this.prober = new HealthProber({
      monitor: this.health,
      models: compiled.registry.all(),
      clock: this.clock,
      intervalMs: this.config.resilience.healthCheckInterval,
      timeoutMs: h.probeTimeoutMs,
      concurrencyPerGroup: h.probeConcurrency,
      claim: this.options.probeClaim,
      groupKey: (spec) => compiled.models.get(spec.id)?.plannable.providerName ?? spec.provider,
      probe: async (spec, signal) => {
        const rt = compiled.models.get(spec.id);
        if (!rt) return { kind: 'request', latencyMs: 0 };
        const result = await probeModel(spec, rt.provider, signal, this.clock);
        this.emitProbe(spec.id, result);
        return result;
      },
    });
    this.prober.start();
  }
}
