import { describe, expect, it } from 'vitest';
import { unwrapConfig, validateConfig } from '../../src/config/index.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { HealthMonitor, HealthProber, type ProbeFunction, type ProbeResult } from '../../src/health/index.js';
import { ModelRegistry, type ModelSpec } from '../../src/models/index.js';

const registry = ModelRegistry.fromConfig(
  unwrapConfig(
    validateConfig(
      {
        models: {
          a1: { provider: 'openai', baseURL: 'https://a.example/v1' },
          a2: { provider: 'openai', baseURL: 'https://a.example/v1' },
          a3: { provider: 'openai', baseURL: 'https://a.example/v1' },
          b1: { provider: 'anthropic', probe: { kind: 'list', interval: '10s', timeout: '2s' } },
        },
      },
      { env: {} },
    ),
  ),
);

function setup(probe: ProbeFunction, models: readonly ModelSpec[] = registry.all()) {
  const clock = new FakeClock();
  const monitor = new HealthMonitor({ clock });
  const prober = new HealthProber({
    monitor,
    probe,
    models,
    clock,
    intervalMs: 30_000,
    timeoutMs: 5_000,
    concurrencyPerGroup: 2,
  });
  return { clock, monitor, prober };
}

/** A probe that resolves after `ms` of fake time. */
function delayed(clock: () => FakeClock, ms: number, result: Partial<ProbeResult> = {}): ProbeFunction {
  return () =>
    new Promise((resolve) => {
      clock().setTimer(() => resolve({ kind: 'success', latencyMs: ms, ...result }), ms);
    });
}

describe('HealthProber', () => {
  it('probes on start and then every interval (per-model interval respected)', async () => {
    const calls: Array<[string, number]> = [];
    let clockRef: FakeClock;
    const { clock, prober } = setup((m) => {
      calls.push([m.id, clockRef.now()]);
      return Promise.resolve({ kind: 'success', latencyMs: 1 });
    });
    clockRef = clock;
    prober.start();
    await clock.advance(60_000);
    const times = (id: string) => calls.filter(([m]) => m === id).map(([, t]) => t);
    expect(times('a1')).toEqual([0, 30_000, 60_000]);
    expect(times('b1')).toEqual([0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_000]);
    prober.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('runs at most N probes at once per provider group', async () => {
    let clockRef!: FakeClock;
    let active = 0;
    let peakA = 0;
    const inner = delayed(() => clockRef, 1_000);
    const { clock, prober, monitor } = setup(async (m, signal) => {
      const inA = m.id.startsWith('a');
      if (inA) peakA = Math.max(peakA, ++active);
      const r = await inner(m, signal);
      if (inA) active--;
      return r;
    });
    clockRef = clock;
    prober.start();
    await clock.advance(0);
    expect(peakA).toBe(2);
    expect(prober.activeProbes).toBe(3);
    await clock.advance(1_000);
    expect(monitor.health('a3')?.requests ?? 0).toBe(0);
    await clock.advance(1_000);
    expect(monitor.health('a3')!.successes).toBe(1);
    expect(peakA).toBe(2);
    prober.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('times out a probe that hangs, aborts its signal and records a timeout', async () => {
    const signals: AbortSignal[] = [];
    const { clock, prober, monitor } = setup(
      (_m, signal) => {
        signals.push(signal);
        return new Promise<ProbeResult>(() => {});
      },
      [registry.get('b1')!],
    );
    prober.start();
    await clock.advance(1_999);
    expect(signals[0]!.aborted).toBe(false);
    await clock.advance(1);
    expect(signals[0]!.aborted).toBe(true);
    expect(monitor.health('b1')).toMatchObject({ failures: 1, consecutiveFailures: 1 });
    await clock.advance(20_000);
    expect(monitor.status('b1')).toBe('failed');
    prober.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('a throwing or rejecting probe counts as a transient failure', async () => {
    const { clock, prober, monitor } = setup(() => Promise.reject(new Error('boom')), [registry.get('a1')!]);
    prober.start();
    await clock.advance(0);
    expect(monitor.health('a1')!.failures).toBe(1);
    prober.stop();
  });

  it('stop() clears every timer and aborts running probes', async () => {
    let clockRef!: FakeClock;
    const signals: AbortSignal[] = [];
    const inner = delayed(() => clockRef, 3_000);
    const { clock, prober } = setup((m, signal) => {
      signals.push(signal);
      return inner(m, signal);
    });
    clockRef = clock;
    prober.start();
    await clock.advance(100);
    expect(clock.pendingTimers).toBeGreaterThan(0);
    prober.stop();
    expect(signals.every((s) => s.aborted)).toBe(true);
    // only the fake upstream's 3 in-flight timers remain (a1, a2, b1); the prober left none
    expect(clock.pendingTimers).toBe(3);
    // the probe's own fake-upstream timers are the test's; drain them, then nothing is left
    await clock.runAll();
    expect(clock.pendingTimers).toBe(0);
    expect(prober.isRunning).toBe(false);
  });

  it('a successful probe fires probeSucceeded (breaker hook)', async () => {
    const { clock, prober, monitor } = setup(
      () => Promise.resolve({ kind: 'success', latencyMs: 3 }),
      [registry.get('a2')!],
    );
    const seen: string[] = [];
    monitor.probeSucceeded.on((e) => seen.push(e.modelId));
    const r = await prober.probeNow(registry.get('a2')!);
    expect(r.kind).toBe('success');
    expect(seen).toEqual(['a2']);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('HealthProber with a claim (one instance probes per interval)', () => {
  it('probes only the rounds it claims, and probes when the claim fails', async () => {
    const clock = new FakeClock();
    const monitor = new HealthMonitor({ clock });
    const probed: number[] = [];
    const asked: number[] = [];
    const a1 = registry.all().filter((m) => m.id === 'a1');
    let round = 0;
    const prober = new HealthProber({
      monitor,
      models: a1,
      clock,
      intervalMs: 1000,
      probe: async () => {
        probed.push(clock.now());
        return { kind: 'success', latencyMs: 1 };
      },
      claim: async (model, interval) => {
        asked.push(interval);
        expect(model.id).toBe('a1');
        round++;
        if (round === 3) throw new Error('store unreachable');
        return round % 2 === 1; // rounds 1 and 3 (the failing one probes anyway), not 2 and 4
      },
    });
    prober.start();
    await clock.advance(3000);
    expect(asked).toEqual([1000, 1000, 1000, 1000]);
    expect(probed).toEqual([0, 2000]);
    prober.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('HealthMonitor.observeRecords', () => {
  it('sees every recorded call (not probes) until removed', () => {
    const monitor = new HealthMonitor({ clock: new FakeClock() });
    const seen: string[] = [];
    monitor.observeRecords((id, kind) => seen.push(`${id}:${kind}`));
    monitor.record('m', 'success', 5);
    monitor.record('m', 'transient', 5);
    monitor.recordProbe('m', { kind: 'success', latencyMs: 1 });
    monitor.observeRecords(undefined);
    monitor.record('m', 'timeout', 5);
    expect(seen).toEqual(['m:success', 'm:transient']);
  });
});
