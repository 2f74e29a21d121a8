/**
 * The active prober: probes every model on an interval, at most N at a time per provider group, each
 * with a timeout, and feeds results to the {@link HealthMonitor}.
 * @packageDocumentation
 */
import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import type { ModelSpec } from '../models/model-spec.js';
import type { HealthMonitor } from './health-monitor.js';
import type { ProbeResult } from './types.js';

/** Performs one probe. It should honour `signal`; a probe that ignores it is cut off anyway. */
export type ProbeFunction = (model: ModelSpec, signal: AbortSignal) => Promise<ProbeResult>;

/**
 * Asks whether this process should run a scheduled probe of `model` this round (e.g. a lease shared by
 * several instances, so one probes per interval). Resolving false skips the round; a rejection probes.
 */
export type ProbeClaim = (model: ModelSpec, intervalMs: number) => Promise<boolean>;

/** Options of a {@link HealthProber}. */
export interface HealthProberOptions {
  readonly monitor: HealthMonitor;
  readonly probe: ProbeFunction;
  /** Models to probe. */
  readonly models: readonly ModelSpec[];
  readonly clock?: Clock;
  /** Time between probes of one model (ms); a model's `probe.interval` overrides it. Default 30 000. */
  readonly intervalMs?: number;
  /** Probe timeout (ms); a model's `probe.timeout` overrides it. Default 10 000. */
  readonly timeoutMs?: number;
  /** Probes running at once per group. Default 2. */
  readonly concurrencyPerGroup?: number;
  /** Group key (default: provider kind + base URL, i.e. one upstream). */
  readonly groupKey?: (model: ModelSpec) => string;
  /** Probe every model right after {@link HealthProber.start} (default true). */
  readonly probeOnStart?: boolean;
  /** Consulted before each scheduled probe (not {@link HealthProber.probeNow}); default: always probe. */
  readonly claim?: ProbeClaim;
}

interface Group {
  active: number;
  readonly queue: ModelSpec[];
}

interface InFlight {
  readonly controller: AbortController;
  timer: TimerHandle | undefined;
  settle: ((result: ProbeResult) => void) | undefined;
}

/** Schedules probes with the injected {@link Clock}; {@link HealthProber.stop} clears every timer. */
export class HealthProber {
  private readonly clock: Clock;
  private readonly intervalMs: number;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly groupKey: (model: ModelSpec) => string;
  private readonly timers = new Map<string, TimerHandle>();
  private readonly groups = new Map<string, Group>();
  private readonly busy = new Set<string>();
  private readonly inFlight = new Set<InFlight>();
  private running = false;

  constructor(private readonly options: HealthProberOptions) {
    this.clock = options.clock ?? systemClock;
    this.intervalMs = options.intervalMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.concurrency = Math.max(1, options.concurrencyPerGroup ?? 2);
    this.groupKey = options.groupKey ?? ((m) => `${m.provider} ${m.baseURL ?? m.id}`);
  }

  /** True between {@link HealthProber.start} and {@link HealthProber.stop}. */
  get isRunning(): boolean {
    return this.running;
  }

  /** Probes running right now (all groups). */
  get activeProbes(): number {
    return this.inFlight.size;
  }

  /** Starts the schedule (idempotent). */
  start(): void {
    if (this.running) return;
    this.running = true;
    const first = this.options.probeOnStart === false;
    for (const model of this.options.models) this.schedule(model, first ? this.interval(model) : 0);
  }

  /** Stops: clears every timer, aborts running probes and drops queued ones. */
  stop(): void {
    this.running = false;
    for (const handle of this.timers.values()) this.clock.clearTimer(handle);
    this.timers.clear();
    for (const group of this.groups.values()) group.queue.length = 0;
    for (const flight of [...this.inFlight]) {
      flight.controller.abort(new Error('prober stopped'));
      flight.settle?.({ kind: 'aborted', latencyMs: 0 });
    }
  }

  /**
   * Probes one model now, outside the schedule and the concurrency limit (e.g. a half-open breaker
   * check), and records the result.
   */
  probeNow(model: ModelSpec): Promise<ProbeResult> {
    return this.runProbe(model);
  }

  private interval(model: ModelSpec): number {
    return model.probe?.intervalMs ?? this.intervalMs;
  }

  private schedule(model: ModelSpec, delay: number): void {
    const handle = this.clock.setTimer(() => {
      this.timers.delete(model.id);
      if (!this.running) return;
      this.schedule(model, this.interval(model));
      const claim = this.options.claim;
      if (!claim) {
        this.enqueue(model);
        return;
      }
      claim(model, this.interval(model)).then(
        (mine) => {
          if (mine && this.running) this.enqueue(model);
        },
        () => {
          if (this.running) this.enqueue(model);
        },
      );
    }, delay);
    this.timers.set(model.id, handle);
  }

  private enqueue(model: ModelSpec): void {
    if (this.busy.has(model.id)) return; // previous probe still queued or running: skip this round
    this.busy.add(model.id);
    const key = this.groupKey(model);
    let group = this.groups.get(key);
    if (!group) {
      group = { active: 0, queue: [] };
      this.groups.set(key, group);
    }
    group.queue.push(model);
    this.pump(group);
  }

  private pump(group: Group): void {
    while (this.running && group.active < this.concurrency && group.queue.length > 0) {
      const model = group.queue.shift()!;
      group.active++;
      void this.runProbe(model).finally(() => {
        group.active--;
        this.busy.delete(model.id);
        this.pump(group);
      });
    }
    if (!this.running) for (const m of group.queue.splice(0)) this.busy.delete(m.id);
  }

  private runProbe(model: ModelSpec): Promise<ProbeResult> {
    const timeout = model.probe?.timeoutMs ?? this.timeoutMs;
    const flight: InFlight = { controller: new AbortController(), timer: undefined, settle: undefined };
    const started = this.clock.now();
    this.inFlight.add(flight);
    const result = new Promise<ProbeResult>((resolve) => {
      let done = false;
      flight.settle = (r) => {
        if (done) return;
        done = true;
        if (flight.timer !== undefined) this.clock.clearTimer(flight.timer);
        flight.timer = undefined;
        this.inFlight.delete(flight);
        resolve(r);
      };
      flight.timer = this.clock.setTimer(() => {
        flight.timer = undefined;
        flight.controller.abort(new Error(`probe timed out after ${timeout} ms`));
        flight.settle?.({ kind: 'timeout', latencyMs: timeout });
      }, timeout);
      let pending: Promise<ProbeResult>;
      try {
        pending = this.options.probe(model, flight.controller.signal);
      } catch {
        pending = Promise.resolve({ kind: 'transient', latencyMs: this.clock.now() - started });
      }
      pending.then(
        (r) => flight.settle?.(r),
        () => flight.settle?.({ kind: 'transient', latencyMs: this.clock.now() - started }),
      );
    });
    return result.then((r) => {
      if (r.kind !== 'aborted' || this.running) this.options.monitor.recordProbe(model.id, r);
      return r;
    });
  }
}
