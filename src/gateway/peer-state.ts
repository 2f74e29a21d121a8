/**
 * Applies what other instances decided (a message from the store's channel, or the whole shared state read
 * on resync) through the breakers' and the engine backend's public methods (`hydrate`, `close`, `isolate`,
 * `release`, the models' throttle windows `holdUntilWall`, flags `set`/`clear`), marking the time it does so
 * (`applying`) so that the events this raises are not shared back.
 * @packageDocumentation
 */
import type { ResilienceEngine } from '../engine/resilience-engine.js';
import { describeMode, FEATURES, type FeatureFlags, isFeatureName, parseModeText } from '../server/flags.js';
import type { EngineBackend } from './engine-backend.js';
import type { SharedView } from './shared-view.js';
import type { StateMessageBody } from './state-messages.js';

/** What {@link PeerState} applies decisions to. */
export interface PeerStateTargets {
  readonly engine: ResilienceEngine;
  readonly backend: EngineBackend;
  readonly flags: FeatureFlags;
  readonly view: SharedView;
  readonly log: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;
}

/** The shared state as read from the store on resync (`key → parsed value`). */
export interface SharedSnapshot {
  readonly breakers: Array<[string, unknown]>;
  readonly isolations: Array<[string, unknown]>;
  readonly healths: Array<[string, unknown]>;
  readonly throttles: Array<[string, unknown]>;
  readonly flags: { overrides?: Record<string, string> } | undefined;
}

const modelOf = (key: string) => key.slice(key.indexOf(':') + 1);

/** Applies other instances' decisions to this instance's state. */
export class PeerState {
  private depth = 0;

  constructor(private readonly targets: PeerStateTargets) {}

  /** True while a peer's decision is being applied (events raised now are not this instance's own). */
  get applying(): boolean {
    return this.depth > 0;
  }

  /** Applies one decision through public methods, without echoing it back. */
  apply(m: StateMessageBody): void {
    if (m.t === 'flags') {
      this.guarded(() => this.applyFlags(m.overrides));
      return;
    }
    if (m.t === 'resync') return;
    const { engine, backend, view, log } = this.targets;
    const model = m.model;
    const rt = engine.current.models.get(model);
    if (!rt) return;
    const breaker = rt.breaker;
    this.guarded(() => {
      switch (m.t) {
        case 'breaker': {
          if (m.probing && breaker.state === 'half-open') return;
          view.sharedOpen.add(model);
          try {
            breaker.hydrate(m.snap);
          } catch {
            log('warn', { model, from: 'peer' }, 'ignored a malformed breaker snapshot');
          }
          return;
        }
        case 'close':
          view.sharedOpen.delete(model);
          breaker.close();
          return;
        case 'isolate':
          view.isolated.add(model);
          if (breaker.state !== 'isolated') backend.breakers.isolate(model);
          return;
        case 'release':
          view.isolated.delete(model);
          if (breaker.state === 'isolated') backend.breakers.release(model);
          return;
        case 'throttle':
          rt.throttle.holdUntilWall(m.until);
          return;
        case 'health':
          this.applyHealth(model, m.status);
          return;
      }
    });
  }

  /**
   * Applies the whole shared state: open breakers, isolations (added and ended), throttle windows, health
   * and flag overrides.
   * @returns false when the store holds no flag overrides (the caller writes this instance's, if any)
   */
  applyAll(s: SharedSnapshot): boolean {
    const { engine, view } = this.targets;
    for (const [key, snap] of s.breakers) {
      const model = modelOf(key);
      const state = engine.current.models.get(model)?.breaker.state;
      if (state === 'closed' || state === 'open')
        this.apply({ t: 'breaker', model, snap: snap as never, probing: false });
    }
    const shared = new Set(s.isolations.map(([k]) => modelOf(k)));
    for (const model of shared) this.apply({ t: 'isolate', model });
    for (const model of [...view.isolated]) if (!shared.has(model)) this.apply({ t: 'release', model });
    for (const [key, value] of s.healths) {
      const status = (value as { status?: unknown } | null)?.status;
      if (status === 'healthy' || status === 'degraded' || status === 'failed')
        this.apply({ t: 'health', model: modelOf(key), status });
    }
    for (const [key, value] of s.throttles) {
      const until = (value as { until?: unknown } | null)?.until;
      if (typeof until === 'number' && Number.isFinite(until))
        this.apply({ t: 'throttle', model: modelOf(key), until });
    }
    const flags = s.flags;
    if (!flags || typeof flags.overrides !== 'object' || flags.overrides === null) return false;
    this.apply({ t: 'flags', overrides: flags.overrides });
    return true;
  }

  private applyHealth(model: string, status: 'healthy' | 'degraded' | 'failed'): void {
    const health = this.targets.engine.health;
    if (health.status(model) === status) return;
    const local = health.toJSON().models[model];
    if (!local) return;
    health.hydrate({ version: 1, models: { [model]: { ...local, status, canaries: [] } } });
  }

  private applyFlags(overrides: Readonly<Record<string, string>>): void {
    const flags = this.targets.flags;
    const local = new Set(flags.listOverrides());
    for (const feature of FEATURES) {
      const text = overrides[feature];
      const mode = text === undefined ? undefined : parseModeText(text);
      if (mode) {
        if (!local.has(feature) || describeMode(flags.get(feature)) !== text) flags.set(feature, mode);
      } else if (local.has(feature)) flags.clear(feature);
    }
    for (const name of Object.keys(overrides))
      if (!isFeatureName(name))
        this.targets.log('warn', { feature: name.slice(0, 64) }, 'ignored an unknown shared flag');
  }

  private guarded(fn: () => void): void {
    this.depth++;
    try {
      fn();
    } finally {
      this.depth--;
    }
  }
}
