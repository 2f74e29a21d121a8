/**
 * What this instance believes is shared (which breakers are open everywhere, which models are isolated
 * everywhere), and how a shared key is rendered from local state into the write that makes the store hold
 * this instance's view of it (on change, and when replaying changes made while the store was away).
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';
import type { ResilienceEngine } from '../engine/resilience-engine.js';
import { describeMode, type FeatureFlags } from '../server/flags.js';
import type { StateWrite } from '../state/state-store.js';
import { stateKeys } from './state-messages.js';

/** What {@link SharedView} reads local state from. */
export interface SharedViewSources {
  readonly engine: ResilienceEngine;
  readonly flags: FeatureFlags;
  readonly instanceId: string;
  readonly clock: Clock;
}

/** This instance's view of the shared breaker and isolation state, and the renderer of shared keys. */
export class SharedView {
  /** Models whose open breaker is shared (opened everywhere), as this instance knows. */
  readonly sharedOpen = new Set<string>();
  /** Models isolated everywhere, as this instance knows. */
  readonly isolated = new Set<string>();

  constructor(private readonly sources: SharedViewSources) {}

  /** The snapshot others apply: while probing, open for the probe lease so they wait for the result. */
  snapshotFor(model: string, probing: boolean) {
    const engine = this.sources.engine;
    const breaker = engine.current.models.get(model)?.breaker;
    if (!breaker) return undefined;
    const snap = breaker.toJSON();
    if (snap.state !== 'open' && snap.state !== 'half-open') return undefined;
    if (!probing && snap.state === 'open') return snap;
    const lease = engine.currentConfig.resilience.breaker.probeLease;
    return { ...snap, state: 'open' as const, openRemainingMs: lease };
  }

  /** The flag overrides in force here, as shared (`feature → mode text`). */
  overrides(): Record<string, string> {
    const flags = this.sources.flags;
    const modes = flags.list();
    return Object.fromEntries(flags.listOverrides().map((f) => [f, describeMode(modes[f])]));
  }

  /** The write that makes the store hold this instance's view of `key`. */
  render(key: string): StateWrite {
    const { engine, clock, instanceId } = this.sources;
    if (key === stateKeys.flags) return { op: 'set', key, value: { overrides: this.overrides() } };
    const [kind, ...rest] = key.split(':');
    const model = rest.join(':');
    if (kind === 'isolated')
      return this.isolated.has(model)
        ? { op: 'set', key, value: { by: instanceId, at: clock.wallNow() } }
        : { op: 'delete', key };
    if (kind === 'throttle') {
      const until = engine.current.models.get(model)?.throttle.untilWall();
      if (until === undefined) return { op: 'delete', key };
      const ttlMs = Math.max(1, until - clock.wallNow());
      return { op: 'set', key, value: { until }, ttlMs };
    }
    if (kind === 'health') {
      const status = engine.health.status(model);
      return { op: 'set', key, value: { status }, ttlMs: engine.currentConfig.health.window };
    }
    const rt = engine.current.models.get(model);
    const snap = this.sharedOpen.has(model) ? this.snapshotFor(model, false) : undefined;
    if (!rt || !snap) return { op: 'delete', key };
    return { op: 'set', key, value: snap, ttlMs: (snap.openRemainingMs ?? snap.openDurationMs) + 1000 };
  }
}
