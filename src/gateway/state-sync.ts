/**
 * Keeps this instance's breakers, isolations, throttle windows (`Retry-After`), health and flags in step with
 * the other instances sharing a {@link StateStore}. It listens to the engine's and the gateway's events and
 * to the store's channel; what it believes is shared and how a key is written live in {@link SharedView},
 * how others' decisions are applied in {@link PeerState}, the outcome counts in {@link SharedOutcomeCounts}.
 *
 * The request path never waits on the store: events are handled synchronously and every write or
 * publish is fire-and-forget. When the store is unreachable the instance serves on its local state,
 * raises a `sharedState` alert, remembers which keys it changed, and when the store is back writes them,
 * asks the others to re-read (`resync`) and re-reads everything itself.
 * @packageDocumentation
 */
import type { StateConfig } from '../config/state-schema.js';
import type { Clock } from '../core/clock.js';
import type { Disposable } from '../core/event-emitter.js';
import type { EngineEvent } from '../engine/events.js';
import type { ResilienceEngine } from '../engine/resilience-engine.js';
import type { ProbeClaim } from '../health/health-prober.js';
import type { GatewayEvent } from '../server/context.js';
import type { FeatureFlags } from '../server/flags.js';
import type { StateStore } from '../state/state-store.js';
import { CountSync } from './count-sync.js';
import type { EngineBackend } from './engine-backend.js';
import { PeerState } from './peer-state.js';
import { SharedView } from './shared-view.js';
import {
  parseStateMessage,
  STATE_MESSAGE_VERSION,
  type StateMessage,
  type StateMessageBody,
  stateKeys,
} from './state-messages.js';

/** Breaker transitions that are this instance's own judgement of the model (the aggregate decides). */
const TRIP_REASONS = new Set(['consecutive-failures', 'failure-rate', 'slow-call-rate', 'account-failure']);

/** Where alerts and logs go. */
export interface StateSyncSinks {
  /** `state.unavailable` / `state.available` for the alert manager. */
  alert(event: {
    type: 'state.unavailable' | 'state.available';
    store: string;
    instance: string;
    reason: string;
    at: number;
  }): void;
  log(level: 'info' | 'warn', fields: Record<string, unknown>, message: string): void;
}

/** Options of {@link StateSync}. */
export interface StateSyncOptions {
  readonly store: StateStore;
  /** The store's location without credentials (for alerts and logs). */
  readonly storeName: string;
  readonly instanceId: string;
  readonly engine: ResilienceEngine;
  readonly backend: EngineBackend;
  readonly flags: FeatureFlags;
  readonly settings: StateConfig;
  readonly clock: Clock;
  readonly sinks: StateSyncSinks;
}

/** Shares this instance's state through a store and applies the others'. */
export class StateSync {
  private readonly store: StateStore;
  private readonly engine: ResilienceEngine;
  private readonly counts: CountSync;
  private readonly subscriptions: Disposable[] = [];
  private readonly view: SharedView;
  private readonly peers: PeerState;
  /** Models whose breaker opened here only (the aggregate disagreed), with the trip reason. */
  private readonly localOpen = new Map<string, string>();
  /** Keys changed while the store could not be written: rendered from local state and written on return. */
  private readonly dirty = new Set<string>();
  private closed = false;
  private outage = false;

  constructor(private readonly options: StateSyncOptions) {
    this.store = options.store;
    this.engine = options.engine;
    this.counts = new CountSync(options.store, options.clock, options.settings, () => {
      // Judged again after every read of the aggregate while it stays open here: others may fail too.
      for (const [model, reason] of [...this.localOpen]) this.decideOpen(model, reason);
    });
    this.view = new SharedView(options);
    this.peers = new PeerState({
      engine: options.engine,
      backend: options.backend,
      flags: options.flags,
      view: this.view,
      log: (level, fields, message) => options.sinks.log(level, fields, message),
    });
  }

  /** The lease check for the health prober: one instance probes a model per interval. */
  readonly probeClaim: ProbeClaim = async (model, intervalMs) => {
    if (!this.store.available) return true;
    const ttl = Math.max(1, Math.floor(intervalMs * 0.9));
    return this.store.acquireLease(stateKeys.probe(model.id), this.options.instanceId, ttl);
  };

  /** Subscribes, reads the shared state once (bounded by the command timeout) and starts the timers. */
  async start(): Promise<void> {
    const { engine, store } = this.options;
    engine.health.observeRecords(this.counts.add);
    this.subscriptions.push(
      engine.events.on((e) => this.onEngineEvent(e)),
      store.subscribe((m) => this.onMessage(m)),
      store.onAvailability((c) => this.onAvailability(c.available, c.reason)),
    );
    if (store.available) await this.resync(false);
    else this.onAvailability(false, 'not reachable at start');
    this.counts.start();
  }

  /** Feed the gateway's events (admin actions and flag changes) here. */
  onGatewayEvent(e: GatewayEvent): void {
    if (this.closed || this.peers.applying) return;
    if (e.type === 'flag.changed') {
      this.send([stateKeys.flags], { t: 'flags', overrides: this.view.overrides() });
      return;
    }
    if (e.type !== 'admin.action' || !e.ok || e.target === null) return;
    const id = this.engine.current.registry.resolveId(e.target);
    if (!id) return;
    if (e.action === 'breaker.isolate') {
      this.view.isolated.add(id);
      this.send([stateKeys.isolated(id)], { t: 'isolate', model: id });
    } else if (e.action === 'breaker.release') {
      this.view.isolated.delete(id);
      this.send([stateKeys.isolated(id)], { t: 'release', model: id });
    } else if (e.action === 'breaker.close') {
      this.view.sharedOpen.delete(id);
      this.send([stateKeys.breaker(id)], { t: 'close', model: id });
    }
  }

  /** Aggregate calls and failures of a model across instances (as last read plus what is new here). */
  aggregate(model: string): { calls: number; failures: number } {
    return this.counts.aggregate(model);
  }

  /** Stops the timers and listeners, writing the last counts when the store is up (not waiting on it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.counts.stop();
    this.closed = true;
    this.engine.health.observeRecords(undefined);
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }

  private onEngineEvent(e: EngineEvent): void {
    if (this.peers.applying || this.closed) return;
    if (e.type === 'health.status_changed') {
      if (e.reason !== 'hydrated')
        this.send([stateKeys.health(e.model)], { t: 'health', model: e.model, status: e.to });
      return;
    }
    if (e.type === 'model.throttled') {
      this.send([stateKeys.throttle(e.model)], { t: 'throttle', model: e.model, until: e.until });
      return;
    }
    if (e.type !== 'breaker.state_changed' || e.reason === 'hydrated') return;
    const model = e.model;
    const sharedOpen = this.view.sharedOpen;
    if (e.to === 'open') {
      if (sharedOpen.has(model)) this.shareOpen(model, false);
      // The failure that tripped the breaker is counted right after the trip: decide once it is.
      else if (TRIP_REASONS.has(e.reason)) queueMicrotask(() => this.decideOpen(model, e.reason));
    } else if (e.to === 'half-open') {
      if (sharedOpen.has(model)) this.shareOpen(model, true);
    } else if (e.to === 'closed' && (e.reason === 'probe-succeeded' || e.reason === 'forced-close')) {
      if (!sharedOpen.delete(model)) return;
      this.send([stateKeys.breaker(model)], { t: 'close', model });
    }
  }

  /** A breaker opened on this instance's own evidence: open it everywhere only if the aggregate agrees. */
  private decideOpen(model: string, reason: string): void {
    const rt = this.engine.current.models.get(model);
    if (this.closed || !rt || rt.breaker.state !== 'open' || this.view.sharedOpen.has(model)) {
      this.localOpen.delete(model);
      return;
    }
    const { calls, failures } = this.counts.aggregate(model);
    const needed = reason === 'account-failure' ? 1 : Math.max(1, rt.spec.breakerThreshold);
    if (failures >= needed && calls > 0 && failures / calls >= this.options.settings.failureRate) {
      this.localOpen.delete(model);
      this.shareOpen(model, false);
      return;
    }
    // Judged again after every read of the aggregate while it stays open here: others may fail too.
    const first = !this.localOpen.has(model);
    this.localOpen.set(model, reason);
    if (first)
      this.options.sinks.log(
        'info',
        { model, calls, failures, failureRate: this.options.settings.failureRate },
        'breaker opened on this instance only: the failure rate across instances is below the shared threshold',
      );
  }

  private shareOpen(model: string, probing: boolean): void {
    this.view.sharedOpen.add(model);
    const snap = this.view.snapshotFor(model, probing);
    if (snap) this.send([stateKeys.breaker(model)], { t: 'breaker', model, snap, probing });
  }

  /** Writes the keys' current local values and publishes `message`, without waiting. */
  private send(keys: readonly string[], message: StateMessageBody | undefined): void {
    if (!this.store.available) {
      for (const k of keys) this.dirty.add(k);
      return;
    }
    const writes = keys.map((k) => this.view.render(k));
    const failed = () => {
      for (const k of keys) this.dirty.add(k);
    };
    this.store.write(writes).catch(failed);
    if (message) this.store.publish(this.envelope(message)).catch(failed);
  }

  private envelope(body: StateMessageBody): StateMessage {
    return { ...body, v: STATE_MESSAGE_VERSION, from: this.options.instanceId } as StateMessage;
  }

  private onMessage(raw: unknown): void {
    const m = parseStateMessage(raw);
    if (!m || m.from === this.options.instanceId || this.closed) return;
    if (m.t === 'resync') {
      void this.resync(false);
      return;
    }
    this.peers.apply(m);
  }

  /**
   * Writes what changed here while the store was away (when `replay`), then reads the whole shared state
   * and applies it: open breakers, isolations (added and ended), health and flag overrides.
   */
  private async resync(replay: boolean): Promise<void> {
    try {
      if (replay && this.dirty.size > 0) {
        const keys = [...this.dirty];
        this.dirty.clear();
        await this.store.write(keys.map((k) => this.view.render(k)));
      }
      if (replay) await this.store.publish(this.envelope({ t: 'resync' }));
      const [breakers, isolations, healths, flags, throttles] = await Promise.all([
        this.store.entries('breaker:'),
        this.store.entries('isolated:'),
        this.store.entries('health:'),
        this.store.get<{ overrides?: Record<string, string> }>(stateKeys.flags),
        this.store.entries('throttle:'),
      ]);
      const hadFlags = this.peers.applyAll({ breakers, isolations, healths, flags, throttles });
      if (!hadFlags && this.options.flags.listOverrides().length > 0) this.send([stateKeys.flags], undefined);
    } catch (error) {
      this.options.sinks.log(
        'warn',
        { err: (error as Error).message },
        'shared state resync failed; serving on local state',
      );
    }
  }

  private onAvailability(available: boolean, reason: string): void {
    if (this.closed) return;
    const { sinks, storeName, instanceId, clock } = this.options;
    if (!available) {
      if (this.outage) return;
      this.outage = true;
      sinks.log(
        'warn',
        { store: storeName, reason },
        'shared state store unreachable: serving on local state',
      );
      sinks.alert({
        type: 'state.unavailable',
        store: storeName,
        instance: instanceId,
        reason,
        at: clock.wallNow(),
      });
      return;
    }
    if (!this.outage) return;
    this.outage = false;
    void this.resync(true).then(() => {
      sinks.log('info', { store: storeName }, 'shared state store reachable again: resynchronised');
      sinks.alert({
        type: 'state.available',
        store: storeName,
        instance: instanceId,
        reason,
        at: clock.wallNow(),
      });
    });
  }
}
