/**
 * What the gateway needs from the running system. The server never reaches into engine internals: the
 * engine layer (or a test fake) implements {@link GatewayBackend}. Every record here is plain JSON.
 * @packageDocumentation
 */
import type { FailureKind } from '../core/outcome.js';
import type { EngineEvent } from '../engine/events.js';
import type { ResilienceEngineApi } from '../engine/types.js';
import type { GatewaySettings } from './settings.js';

/** A model's health status. */
export type HealthStatus = 'healthy' | 'degraded' | 'failed';

/**
 * A breaker state as shown to operators: `closed`, `open`, `half_open`, or `isolated` (forced open by an
 * operator until released).
 */
export type BreakerStateName = 'closed' | 'open' | 'half_open' | 'isolated';

/** Short health summary attached to model listings. */
export interface HealthSummary {
  readonly status: HealthStatus;
  /** 0 (dead) .. 1 (perfect). */
  readonly score: number;
}

/** A configured model as listed by `GET /v1/models`. */
export interface ModelInfo {
  /** Canonical model id. */
  readonly id: string;
  readonly aliases: readonly string[];
  /** Provider kind: `openai` | `anthropic` | `simulated`. */
  readonly provider: string;
  /** The provider name data restrictions also match: the base URL's host, or the kind. */
  readonly providerName: string;
  readonly capabilities: readonly string[];
  /** Context window in tokens, when known. */
  readonly contextWindow: number | null;
  /** CMMV-Hive tier (`general` | `collaborator`), when configured. */
  readonly tier: string | null;
  readonly health: HealthSummary;
  readonly breaker: BreakerStateName;
}

/** One breaker, for the admin API. */
export interface BreakerInfo {
  readonly model: string;
  readonly state: BreakerStateName;
  /** Failures counted in the current window. */
  readonly failures: number;
  /** Wall-clock ms when the breaker last opened, or null. */
  readonly openedAt: number | null;
  /** Wall-clock ms of the next half-open probe, or null. */
  readonly nextProbeAt: number | null;
}

/** Detailed health of one model. */
export interface ModelHealthInfo {
  readonly model: string;
  readonly status: HealthStatus;
  /** 0 .. 1. */
  readonly score: number;
  /** Success rate over the health window (0 .. 1), or null with no samples. */
  readonly successRate: number | null;
  readonly latencyP50Ms: number | null;
  readonly latencyP95Ms: number | null;
  /** Time to first token of streamed answers over the health window (ms), or null without streams. */
  readonly ttftP50Ms: number | null;
  readonly ttftP95Ms: number | null;
  /** failures / (successes + failures) over the health window (0 .. 1), or null with no samples. */
  readonly errorRate: number | null;
  /** Availability as the health monitor computes it (0 .. 1; 0 while failed). */
  readonly availability: number;
  /** Correct canary answers among the recent ones (0 .. 1; 1 without canaries). */
  readonly accuracy: number;
  /** Calls recorded over the health window divided by its length in seconds. */
  readonly requestsPerSecond: number;
  readonly consecutiveFailures: number;
  readonly lastFailureKind: FailureKind | null;
  /** Wall-clock ms of the last recorded outcome, or null. */
  readonly updatedAt: number | null;
}

/** One status change in a model's health history. */
export interface HealthHistoryEntry {
  /** Wall-clock ms. */
  readonly at: number;
  readonly status: HealthStatus;
  readonly score: number;
  readonly reason: string;
}

/** What a `model` field names: a model (id or alias), a fallback chain, or a capability route. */
export type TargetKind = 'model' | 'chain' | 'route';

/** Result of a config reload: the running config is kept when it fails. */
export type ReloadResult =
  | {
      readonly ok: true;
      readonly models: number;
      /** The new gateway settings: their `security` and `flags` are applied at once. */
      readonly settings?: GatewaySettings;
      /** Config sections that changed but take effect only after a restart (e.g. `server`). */
      readonly restartRequired?: readonly string[];
    }
  | { readonly ok: false; readonly errors: string[] };

/** A subscription handle. */
export interface Subscription {
  dispose(): void;
}

/** The running system as the gateway sees it. Implemented by the engine layer; faked in tests. */
export interface GatewayBackend {
  /** Serves completions and streams. */
  readonly engine: ResilienceEngineApi;
  /** Live engine events (breaker transitions, fallbacks, completions…). */
  readonly events: { on(listener: (event: EngineEvent) => void): Subscription };
  /** Every configured model with its health and breaker summary. */
  listModels(): ModelInfo[];
  /** What `name` refers to, or undefined when it names nothing. */
  resolveTarget(name: string): TargetKind | undefined;
  /** The provider kind (`openai`, `anthropic`, `simulated`) of a model id, for telemetry. */
  providerOf?(model: string): string | undefined;
  readonly breakers: {
    list(): BreakerInfo[];
    /** Forces the breaker open until released; false when the model is unknown. */
    isolate(model: string): boolean;
    /** Ends an isolation (the breaker returns to closed); false when the model is unknown. */
    release(model: string): boolean;
    /** Forces the breaker closed and resets its counts; false when the model is unknown. */
    close(model: string): boolean;
  };
  readonly health: {
    snapshot(): ModelHealthInfo[];
    get(model: string): ModelHealthInfo | undefined;
    /** Status changes, oldest first; empty for a known model without changes. */
    history(model: string): HealthHistoryEntry[];
  };
  /** Re-reads and re-validates the config; on failure the running config is kept. */
  reload(): Promise<ReloadResult>;
  /** True once models are compiled and the engine can serve. */
  ready(): boolean;
}
