/**
 * Implements the gateway's view of the running system ({@link GatewayBackend}) over a
 * {@link ResilienceEngine}: model listings, breakers, health and history, reload.
 * @packageDocumentation
 */

import type { HiveConfig } from '../config/schema.js';
import type { CircuitState } from '../core/breaker/breaker-options.js';
import type { Disposable } from '../core/event-emitter.js';
import type { EngineEvent } from '../engine/events.js';
import type { ResilienceEngine } from '../engine/resilience-engine.js';
import type {
  BreakerInfo,
  BreakerStateName,
  GatewayBackend,
  HealthHistoryEntry,
  ModelHealthInfo,
  ModelInfo,
  ReloadResult,
  TargetKind,
} from '../server/backend.js';
import type { GatewaySettings } from '../server/settings.js';

/**
 * Loads and validates the config for a reload; returns the issues when it is invalid. A source may also
 * return the new gateway settings (applied by the server) and the sections that need a restart.
 */
export type ConfigSource = () => Promise<
  | {
      ok: true;
      config: HiveConfig;
      settings?: GatewaySettings;
      restartRequired?: readonly string[];
    }
  | { ok: false; errors: string[] }
>;

const HISTORY_LIMIT = 100;

/** Maps the core's breaker state to the name operators see. */
export function breakerStateName(state: CircuitState): BreakerStateName {
  if (state === 'half-open') return 'half_open';
  if (state === 'isolated') return 'isolated';
  if (state === 'open') return 'open';
  return 'closed';
}

/** The server's backend over an engine: what the HTTP layer reads and does, answered by the engine. */
export class EngineBackend implements GatewayBackend {
  readonly engine: ResilienceEngine;
  readonly events: GatewayBackend['events'];
  private readonly history = new Map<string, HealthHistoryEntry[]>();
  private readonly isolations = new Map<string, Disposable[]>();
  private readonly openedAt = new Map<string, number>();
  private readonly subscription: Disposable;

  /** @param loadConfig - re-reads the config for `reload()` */
  constructor(
    engine: ResilienceEngine,
    private readonly loadConfig: ConfigSource,
  ) {
    this.engine = engine;
    this.events = { on: (listener: (event: EngineEvent) => void) => engine.events.on(listener) };
    this.subscription = engine.events.on((e) => this.observe(e));
  }

  listModels(): ModelInfo[] {
    const rt = this.engine.current;
    return rt.registry.all().map((spec) => ({
      id: spec.id,
      aliases: spec.aliases,
      provider: spec.provider,
      providerName: rt.models.get(spec.id)!.plannable.providerName,
      capabilities: [...spec.capabilities],
      contextWindow: spec.contextWindow || null,
      tier: spec.tier ?? null,
      health: { status: this.engine.health.status(spec.id), score: round(this.engine.health.score(spec.id)) },
      breaker: breakerStateName(rt.models.get(spec.id)!.breaker.state),
    }));
  }

  resolveTarget(name: string): TargetKind | undefined {
    return this.engine.current.resolveTarget(name)?.kind;
  }

  providerOf(model: string): string | undefined {
    return this.engine.current.models.get(model)?.spec.provider;
  }

  readonly breakers = {
    list: (): BreakerInfo[] =>
      [...this.engine.current.models.values()].map((m) => {
        const snap = m.breaker.toJSON();
        const retryAfter = m.breaker.retryAfterMs();
        return {
          model: m.spec.id,
          state: breakerStateName(snap.state),
          failures: snap.consecutiveFailures,
          openedAt: this.openedAt.get(m.spec.id) ?? null,
          nextProbeAt: retryAfter === undefined ? null : this.engine.clock.wallNow() + retryAfter,
        };
      }),
    isolate: (model: string): boolean => {
      const m = this.model(model);
      if (!m) return false;
      const list = this.isolations.get(m.spec.id) ?? [];
      list.push(m.breaker.isolate());
      this.isolations.set(m.spec.id, list);
      return true;
    },
    release: (model: string): boolean => {
      const m = this.model(model);
      if (!m) return false;
      for (const d of this.isolations.get(m.spec.id) ?? []) d.dispose();
      this.isolations.delete(m.spec.id);
      return true;
    },
    close: (model: string): boolean => {
      const m = this.model(model);
      if (!m) return false;
      m.breaker.close();
      return true;
    },
  };

  readonly health = {
    snapshot: (): ModelHealthInfo[] => this.engine.current.registry.all().map((s) => this.healthOf(s.id)!),
    get: (model: string): ModelHealthInfo | undefined => {
      const id = this.engine.current.registry.resolveId(model);
      return id ? this.healthOf(id) : undefined;
    },
    history: (model: string): HealthHistoryEntry[] => {
      const id = this.engine.current.registry.resolveId(model);
      return id ? [...(this.history.get(id) ?? [])] : [];
    },
  };

  async reload(): Promise<ReloadResult> {
    const loaded = await this.loadConfig();
    if (!loaded.ok) return { ok: false, errors: loaded.errors };
    try {
      await this.engine.reload(loaded.config);
    } catch (error) {
      return { ok: false, errors: [error instanceof Error ? error.message : String(error)] };
    }
    const models = this.engine.current.registry.size;
    if (!loaded.settings) return { ok: true, models };
    return { ok: true, models, settings: loaded.settings, restartRequired: loaded.restartRequired ?? [] };
  }

  ready(): boolean {
    return this.engine.current.registry.size > 0;
  }

  /** Stops listening to the engine. */
  dispose(): void {
    this.subscription.dispose();
  }

  private model(name: string) {
    const id = this.engine.current.registry.resolveId(name);
    return id ? this.engine.current.models.get(id) : undefined;
  }

  private healthOf(id: string): ModelHealthInfo | undefined {
    const h = this.engine.health.health(id);
    if (!h) return undefined;
    const total = h.successes + h.failures;
    return {
      model: id,
      status: h.status,
      score: round(h.score),
      successRate: total > 0 ? round(h.successes / total) : null,
      latencyP50Ms: h.latencyP50 ?? null,
      latencyP95Ms: h.latencyP95 ?? null,
      ttftP50Ms: h.ttftP50 ?? null,
      ttftP95Ms: h.ttftP95 ?? null,
      errorRate: total > 0 ? round(h.errorRate) : null,
      availability: round(h.availability),
      accuracy: round(h.accuracy),
      requestsPerSecond: round(h.requests / (this.engine.health.windowMs / 1000)),
      consecutiveFailures: h.consecutiveFailures,
      lastFailureKind: null,
      updatedAt: h.lastChecked.getTime() > 0 ? h.lastChecked.getTime() : null,
    };
  }

  private observe(e: EngineEvent): void {
    if (e.type === 'health.status_changed') {
      const list = this.history.get(e.model) ?? [];
      list.push({
        at: e.at,
        status: e.to,
        score: round(this.engine.health.score(e.model)),
        reason: e.reason,
      });
      if (list.length > HISTORY_LIMIT) list.shift();
      this.history.set(e.model, list);
    } else if (e.type === 'breaker.state_changed') {
      if (e.to === 'open') this.openedAt.set(e.model, e.at);
      else if (e.to === 'closed') this.openedAt.delete(e.model);
    }
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
