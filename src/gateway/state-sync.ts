/**
 * Keeps this instance's breakers, isolations, throttle windows (`Retry-After`), health and flags in step with the other instances sharing a
 * {@link StateStore}. It listens to the engine's and the gateway's events and to the store's channel, and
 * applies what others decided through the breakers' and the engine backend's public methods (`hydrate`, `close`,
 * `isolate`, `release`, the models' throttle windows `holdUntilWall`, flags `set`/`clear`).
 *
 * The request path never waits on the store: events are handled synchronously and every write or
 * publish is fire-and-forget. When the store is unreachable the instance serves on its local state,
 * raises a `sharedState` alert, remembers which keys it changed, and when the store is back writes them,
 * asks the others to re-read (`resync`) and re-reads everything itself.
 * @packageDocumentation
 */
import type { StateConfig } from '../config/state-schema.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import type { Disposable } from '../core/event-emitter.js';
import type { EngineEvent } from '../engine/events.js';
import type { ResilienceEngine } from '../engine/resilience-engine.js';
import type { ProbeClaim } from '../health/health-prober.js';
import type { GatewayEvent } from '../server/context.js';
import { describeMode, FEATURES, type FeatureFlags, isFeatureName, parseModeText } from '../server/flags.js';
import type { StateStore, StateWrite } from '../state/state-store.js';
import type { EngineBackend } from './engine-backend.js';
import { SharedOutcomeCounts } from './shared-counts.js';
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
  private readonly counts: SharedOutcomeCounts;
  private readonly subscriptions: Disposable[] = [];
  /** Models whose open breaker is shared (opened everywhere), as this instance knows. */
  private readonly sharedOpen = new Set<string>();
  /** Models whose breaker opened here only (the aggregate disagreed), with the trip reason. */
  private readonly localOpen = new Map<string, string>();
  /** Models isolated everywhere, as this instance knows. */
  private readonly isolated = new Set<string>();
  /** Keys changed while the store could not be written: rendered from local state and written on return. */
  private readonly dirty = new Set<string>();
  private applying = false;
  private flushTimer: TimerHandle | undefined;
  private syncTimer: TimerHandle | undefined;
  private reading = false;
  private closed = false;
  private outage = false;

  constructor(private readonly options: StateSyncOptions) {
    this.store = options.store;
    this.engine = options.engine;
    this.counts = new SharedOutcomeCounts(options.clock, options.settings.window);
  }

  /** The lease check for the health prober: one instance probes a model per interval. */
  readonly probeClaim: ProbeClaim = async (model, intervalMs) => {
    if (!this.store.available) return true;
    const ttl = Math.max(1, Math.floor(intervalMs * 0.9));
    return this.store.acquireLease(stateKeys.probe(model.id), this.options.instanceId, ttl);
  };

  /** Subscribes, reads the shared state once (bounded by the command timeout) and starts the timers. */
  async start(): Promise<void> {
    const { engine, store, clock, settings } = this.options;
    engine.health.observeRecords((model, kind) => this.counts.add(model, kind));
    this.subscriptions.push(
      engine.events.on((e) => this.onEngineEvent(e)),
      store.subscribe((m) => this.onMessage(m)),
      store.onAvailability((c) => this.onAvailability(c.available, c.reason)),
    );
    if (store.available) await this.resync(false);
    else this.onAvailability(false, 'not reachable at start');
    const flush = () => {
      this.flushTimer = clock.setTimer(flush, settings.flushInterval);
      unref(this.flushTimer);
      this.flush();
    };
    const sync = () => {
      this.syncTimer = clock.setTimer(sync, settings.syncInterval);
      unref(this.syncTimer);
      void this.readCounts();
    };
    this.flushTimer = clock.setTimer(flush, settings.flushInterval);
    this.syncTimer = clock.setTimer(sync, settings.syncInterval);
    unref(this.flushTimer);
    unref(this.syncTimer);
  }

  /** Feed the gateway's events (admin actions and flag changes) here. */
  onGatewayEvent(e: GatewayEvent): void {
    if (this.closed || this.applying) return;
    if (e.type === 'flag.changed') {
      this.send([stateKeys.flags], { t: 'flags', overrides: this.overrides() });
      return;
    }
    if (e.type !== 'admin.action' || !e.ok || e.target === null) return;
    const id = this.engine.current.registry.resolveId(e.target);
    if (!id) return;
    if (e.action === 'breaker.isolate') {
      this.isolated.add(id);
      this.send([stateKeys.isolated(id)], { t: 'isolate', model: id });
    } else if (e.action === 'breaker.release') {
      this.isolated.delete(id);
      this.send([stateKeys.isolated(id)], { t: 'release', model: id });
    } else if (e.action === 'breaker.close') {
      this.sharedOpen.delete(id);
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
    this.flush();
    this.closed = true;
    const clock = this.options.clock;
    if (this.flushTimer !== undefined) clock.clearTimer(this.flushTimer);
    if (this.syncTimer !== undefined) clock.clearTimer(this.syncTimer);
    this.engine.health.observeRecords(undefined);
    for (const s of this.subscriptions.splice(0)) s.dispose();
  }

  private onEngineEvent(e: EngineEvent): void {
    if (this.applying || this.closed) return;
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
    if (e.to === 'open') {
      if (this.sharedOpen.has(model)) this.shareOpen(model, false);
      // The failure that tripped the breaker is counted right after the trip: decide once it is.
      else if (TRIP_REASONS.has(e.reason)) queueMicrotask(() => this.decideOpen(model, e.reason));
    } else if (e.to === 'half-open') {
      if (this.sharedOpen.has(model)) this.shareOpen(model, true);
    } else if (e.to === 'closed' && (e.reason === 'probe-succeeded' || e.reason === 'forced-close')) {
      if (!this.sharedOpen.delete(model)) return;
      this.send([stateKeys.breaker(model)], { t: 'close', model });
    }
  }

  /** A breaker opened on this instance's own evidence: open it everywhere only if the aggregate agrees. */
  private decideOpen(model: string, reason: string): void {
    const rt = this.engine.current.models.get(model);
    if (this.closed || !rt || rt.breaker.state !== 'open' || this.sharedOpen.has(model)) {
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
    this.sharedOpen.add(model);
    const snap = this.snapshotFor(model, probing);
    if (snap) this.send([stateKeys.breaker(model)], { t: 'breaker', model, snap, probing });
  }

  /** The snapshot others apply: while probing, open for the probe lease so they wait for the result. */
  private snapshotFor(model: string, probing: boolean) {
    const breaker = this.engine.current.models.get(model)?.breaker;
    if (!breaker) return undefined;
    const snap = breaker.toJSON();
    if (snap.state !== 'open' && snap.state !== 'half-open') return undefined;
    if (!probing && snap.state === 'open') return snap;
    const lease = this.engine.currentConfig.resilience.breaker.probeLease;
    return { ...snap, state: 'open' as const, openRemainingMs: lease };
  }

  /** Writes the keys' current local values and publishes `message`, without waiting. */
  private send(keys: readonly string[], message: StateMessageBody | undefined): void {
    if (!this.store.available) {
      for (const k of keys) this.dirty.add(k);
      return;
    }
    const writes = keys.map((k) => this.render(k));
    const failed = () => {
      for (const k of keys) this.dirty.add(k);
    };
    this.store.write(writes).catch(failed);
    if (message) this.store.publish(this.envelope(message)).catch(failed);
  }

  private envelope(body: StateMessageBody): StateMessage {
    return { ...body, v: STATE_MESSAGE_VERSION, from: this.options.instanceId } as StateMessage;
  }

  /** The write that makes the store hold this instance's view of `key`. */
  private render(key: string): StateWrite {
    if (key === stateKeys.flags) return { op: 'set', key, value: { overrides: this.overrides() } };
    const [kind, ...rest] = key.split(':');
    const model = rest.join(':');
    if (kind === 'isolated')
      return this.isolated.has(model)
        ? { op: 'set', key, value: { by: this.options.instanceId, at: this.options.clock.wallNow() } }
        : { op: 'delete', key };
    if (kind === 'throttle') {
      const until = this.engine.current.models.get(model)?.throttle.untilWall();
      if (until === undefined) return { op: 'delete', key };
      const ttlMs = Math.max(1, until - this.options.clock.wallNow());
      return { op: 'set', key, value: { until }, ttlMs };
    }
    if (kind === 'health') {
      const status = this.engine.health.status(model);
      return { op: 'set', key, value: { status }, ttlMs: this.engine.currentConfig.health.window };
    }
    const rt = this.engine.current.models.get(model);
    const snap = this.sharedOpen.has(model) ? this.snapshotFor(model, false) : undefined;
    if (!rt || !snap) return { op: 'delete', key };
    return { op: 'set', key, value: snap, ttlMs: (snap.openRemainingMs ?? snap.openDurationMs) + 1000 };
  }

  private overrides(): Record<string, string> {
    const flags = this.options.flags;
    const modes = flags.list();
    return Object.fromEntries(flags.listOverrides().map((f) => [f, describeMode(modes[f])]));
  }

  private onMessage(raw: unknown): void {
    const m = parseStateMessage(raw);
    if (!m || m.from === this.options.instanceId || this.closed) return;
    if (m.t === 'resync') {
      void this.resync(false);
      return;
    }
    this.apply(m);
  }

  /** Applies another instance's decision through public methods, without echoing it back. */
  private apply(m: StateMessageBody): void {
    if (m.t === 'flags') {
      this.withApplying(() => this.applyFlags(m.overrides));
      return;
    }
    if (m.t === 'resync') return;
    const model = m.model;
    const rt = this.engine.current.models.get(model);
    if (!rt) return;
    const breaker = rt.breaker;
    this.withApplying(() => {
      switch (m.t) {
        case 'breaker': {
          if (m.probing && breaker.state === 'half-open') return;
          this.sharedOpen.add(model);
          try {
            breaker.hydrate(m.snap);
          } catch {
            this.options.sinks.log('warn', { model, from: 'peer' }, 'ignored a malformed breaker snapshot');
          }
          return;
        }
        case 'close':
          this.sharedOpen.delete(model);
          breaker.close();
          return;
        case 'isolate':
          this.isolated.add(model);
          if (breaker.state !== 'isolated') this.options.backend.breakers.isolate(model);
          return;
        case 'release':
          this.isolated.delete(model);
          if (breaker.state === 'isolated') this.options.backend.breakers.release(model);
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

  private applyHealth(model: string, status: 'healthy' | 'degraded' | 'failed'): void {
    const health = this.engine.health;
    if (health.status(model) === status) return;
    const local = health.toJSON().models[model];
    if (!local) return;
    health.hydrate({ version: 1, models: { [model]: { ...local, status, canaries: [] } } });
  }

  private applyFlags(overrides: Readonly<Record<string, string>>): void {
    const flags = this.options.flags;
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
        this.options.sinks.log('warn', { feature: name.slice(0, 64) }, 'ignored an unknown shared flag');
  }

  private withApplying(fn: () => void): void {
    this.applying = true;
    try {
      fn();
    } finally {
      this.applying = false;
    }
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
        await this.store.write(keys.map((k) => this.render(k)));
      }
      if (replay) await this.store.publish(this.envelope({ t: 'resync' }));
      const [breakers, isolations, healths, flags, throttles] = await Promise.all([
        this.store.entries('breaker:'),
        this.store.entries('isolated:'),
        this.store.entries('health:'),
        this.store.get<{ overrides?: Record<string, string> }>(stateKeys.flags),
        this.store.entries('throttle:'),
      ]);
      this.applyAll(breakers, isolations, healths, flags);
      for (const [key, value] of throttles) {
        const until = (value as { until?: unknown } | null)?.until;
        if (typeof until === 'number' && Number.isFinite(until))
          this.apply({ t: 'throttle', model: key.slice(key.indexOf(':') + 1), until });
      }
    } catch (error) {
      this.options.sinks.log(
        'warn',
        { err: (error as Error).message },
        'shared state resync failed; serving on local state',
      );
    }
  }

  private applyAll(
    breakers: Array<[string, unknown]>,
    isolations: Array<[string, unknown]>,
    healths: Array<[string, unknown]>,
    flags: { overrides?: Record<string, string> } | undefined,
  ): void {
    const modelOf = (key: string) => key.slice(key.indexOf(':') + 1);
    for (const [key, snap] of breakers) {
      const model = modelOf(key);
      const state = this.engine.current.models.get(model)?.breaker.state;
      if (state === 'closed' || state === 'open')
        this.apply({ t: 'breaker', model, snap: snap as never, probing: false });
    }
    const shared = new Set(isolations.map(([k]) => modelOf(k)));
    for (const model of shared) this.apply({ t: 'isolate', model });
    for (const model of [...this.isolated]) if (!shared.has(model)) this.apply({ t: 'release', model });
    for (const [key, value] of healths) {
      const status = (value as { status?: unknown } | null)?.status;
      if (status === 'healthy' || status === 'degraded' || status === 'failed')
        this.apply({ t: 'health', model: modelOf(key), status });
    }
    if (flags && typeof flags.overrides === 'object' && flags.overrides !== null)
      this.apply({ t: 'flags', overrides: flags.overrides });
    else if (this.options.flags.listOverrides().length > 0) this.send([stateKeys.flags], undefined);
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

  private flush(): void {
    if (this.closed) return;
    const writes = this.counts.takeWrites();
    if (writes.length === 0 || !this.store.available) return;
    this.store.write(writes).catch(() => {});
  }

  private async readCounts(): Promise<void> {
    if (this.reading || this.closed || !this.store.available) return;
    this.reading = true;
    // Write what is counted here first: the read, sent after it on the same connection, then includes it.
    this.flush();
    const keys = this.counts.startRead();
    try {
      this.counts.finishRead(await this.store.counters(keys));
      for (const [model, reason] of [...this.localOpen]) this.decideOpen(model, reason);
    } catch {
      this.counts.failRead();
    } finally {
      this.reading = false;
    }
  }
}

function unref(handle: TimerHandle): void {
  (handle as { unref?: () => void } | undefined)?.unref?.();
}
