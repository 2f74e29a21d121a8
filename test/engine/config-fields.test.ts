/**
 * Settings that govern the engine (over real HTTP on loopback, against a chaos upstream): a chain's
 * maxRetries and timeoutMs, resilience.maxConcurrentRequests (a per-model bulkhead that sheds), and
 * resilience.degradedModeThreshold (degraded mode suspends hedging).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ResilienceEngine } from '../../src/engine/index.js';
import { ALL_FEATURES_ON } from '../../src/engine/index.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import { ask, chaosModel, configOf, engineWithEvents, FAST_RESILIENCE } from './engine-fixtures.js';

const chaos = useChaosUpstream();
let engine: ResilienceEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

function build(input: Record<string, unknown>) {
  const made = engineWithEvents(configOf(input));
  engine = made.engine;
  return made;
}

describe('chains.<name>.maxRetries and timeoutMs', () => {
  it("a chain's maxRetries bounds each model's retries for requests sent to the chain", async () => {
    chaos.upstream.setFaults({ primary: { status: 503 } });
    const { engine } = build({
      models: { primary: chaosModel(chaos.openaiBaseURL, { maxRetries: 3, circuitBreakerThreshold: 100 }) },
      chains: { strict: { primaryModel: 'primary', maxRetries: 1 } },
      resilience: FAST_RESILIENCE,
    });
    const viaChain = await engine.complete({ target: 'strict', body: ask() });
    expect(viaChain.ok).toBe(false);
    expect(viaChain.attempts[0]?.retries).toBe(1);
    expect(chaos.upstream.stats().models.primary?.requests).toBe(2);
    const direct = await engine.complete({ target: 'primary', body: ask() });
    expect(direct.attempts[0]?.retries).toBe(3);
  });

  it("a chain's timeoutMs is the whole request's deadline", async () => {
    chaos.upstream.setFaults({ primary: { latencyMs: 3000 } });
    const { engine } = build({
      models: { primary: chaosModel(chaos.openaiBaseURL, { timeout: '10s' }) },
      chains: { quick: { primaryModel: 'primary', timeoutMs: '150ms' } },
      resilience: FAST_RESILIENCE,
    });
    const result = await engine.complete({ target: 'quick', body: ask() });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure.kind).toBe('timeout');
  });
});

describe('resilience.maxConcurrentRequests: a per-model concurrency limit that sheds', () => {
  it('sheds the call over the limit with a rejected outcome and a Retry-After, and frees the slot after', async () => {
    chaos.upstream.setFaults({ primary: { latencyMs: 300 } });
    const { engine } = build({
      models: { primary: chaosModel(chaos.openaiBaseURL) },
      resilience: { ...FAST_RESILIENCE, maxConcurrentRequests: 1 },
    });
    const first = engine.complete({ target: 'primary', body: ask() });
    await new Promise((r) => setTimeout(r, 50));
    const second = await engine.complete({ target: 'primary', body: ask() });
    expect(second.ok).toBe(false);
    if (second.ok) return;
    expect(second.failure.kind).toBe('rejected');
    expect(second.failure.retryAfterMs).toBe(1000);
    expect(second.attempts[0]?.note).toBe('bulkhead_full');
    expect((await first).ok).toBe(true);
    expect(engine.current.models.get('primary')?.bulkhead.executing).toBe(0);
    chaos.upstream.setFaults({});
    expect((await engine.complete({ target: 'primary', body: ask() })).ok).toBe(true);
    // shedding is not a failure of the model
    expect(engine.current.models.get('primary')?.breaker.state).toBe('closed');
  });

  it('a shed request falls over to the next candidate; a stream holds its slot until it ends', async () => {
    chaos.upstream.setFaults({ primary: { latencyMs: 300 } });
    const { engine } = build({
      models: {
        primary: chaosModel(chaos.openaiBaseURL, { fallbacks: ['backup'], maxConcurrent: 1 }),
        backup: chaosModel(chaos.openaiBaseURL),
      },
      resilience: FAST_RESILIENCE,
    });
    const first = engine.complete({ target: 'primary', body: ask() });
    await new Promise((r) => setTimeout(r, 50));
    const second = await engine.complete({ target: 'primary', body: ask() });
    expect(second.ok && second.model).toBe('backup');
    await first;
    chaos.upstream.setFaults({});
    const stream = await engine.stream({ target: 'primary', body: ask() });
    expect(stream.ok && stream.model).toBe('primary');
    expect(engine.current.models.get('primary')?.bulkhead.executing).toBe(1);
    if (stream.ok) for await (const _ of stream.value) void _;
    expect(engine.current.models.get('primary')?.bulkhead.executing).toBe(0);
  });
});

describe('resilience.degradedModeThreshold', () => {
  it('below the threshold of healthy models the engine is degraded (event) and stops hedging', async () => {
    chaos.upstream.setFaults({ broken: { status: 503 } });
    const { engine, events } = build({
      models: {
        broken: chaosModel(chaos.openaiBaseURL, { circuitBreakerThreshold: 100 }),
        primary: chaosModel(chaos.openaiBaseURL, { fallbacks: ['backup'] }),
        backup: chaosModel(chaos.openaiBaseURL),
      },
      resilience: {
        ...FAST_RESILIENCE,
        degradedModeThreshold: 80,
        hedging: { enabled: true, percentile: 95, minDelay: '50ms' },
      },
      health: { failureThreshold: 2 },
    });
    expect(engine.degraded).toBe(false);
    for (let i = 0; i < 3; i++) await engine.complete({ target: 'broken', body: ask() });
    expect(engine.degraded).toBe(true);
    const changed = events.filter((e) => e.type === 'engine.mode_changed');
    expect(changed).toEqual([
      expect.objectContaining({ type: 'engine.mode_changed', degraded: true, threshold: 80 }),
    ]);
    chaos.upstream.setFaults({ primary: { latencyMs: 300 } });
    const result = await engine.complete({
      target: 'primary',
      body: ask(),
      features: { ...ALL_FEATURES_ON, hedging: true },
    });
    expect(result.ok && result.model).toBe('primary');
    expect(chaos.upstream.stats().models.backup?.requests ?? 0).toBe(0);
  });
});

describe('breakers recover from live traffic', () => {
  it('an open breaker whose wait has passed is planned again: the live request is its probe', async () => {
    chaos.upstream.setFaults({ primary: { status: 503 } });
    const { engine } = build({
      models: {
        primary: chaosModel(chaos.openaiBaseURL, { fallbacks: ['backup'], circuitBreakerThreshold: 1 }),
        backup: chaosModel(chaos.openaiBaseURL),
      },
      resilience: { ...FAST_RESILIENCE, breaker: { openDuration: '100ms' } },
    });
    await engine.complete({ target: 'primary', body: ask() });
    expect(engine.current.models.get('primary')?.breaker.state).toBe('open');
    const skipped = await engine.complete({ target: 'primary', body: ask() });
    expect(skipped.attempts[0]).toMatchObject({ model: 'primary', note: 'breaker_open' });
    chaos.upstream.setFaults({});
    await new Promise((r) => setTimeout(r, 120));
    const recovered = await engine.complete({ target: 'primary', body: ask() });
    expect(recovered.ok && recovered.model).toBe('primary');
    expect(engine.current.models.get('primary')?.breaker.state).toBe('closed');
  });
});
