/**
 * The engine's model turns on a FakeClock (no sleeping): retries through the core's retry loop with the
 * engine's own decisions (a wait longer than fallbackInsteadOfWait moves on, the deadline, the caller's
 * abort), the chain settings that bound them, and the per-model throttle window a `Retry-After` opens.
 */
import { describe, expect, it } from 'vitest';
import { CancelSource } from '../../src/core/cancel-signal.js';
import { type Failure, failure, type Outcome, success } from '../../src/core/outcome.js';
import { FakeClock } from '../../src/core/testing/index.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { ResilienceEngine } from '../../src/engine/index.js';
import type { ChatCompletion, Provider } from '../../src/providers/types.js';
import { ask, configOf } from './engine-fixtures.js';

const COMPLETION = {
  id: 'c',
  object: 'chat.completion',
  created: 0,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
} as unknown as ChatCompletion;

/** A provider answering from a script (one entry per call; the last repeats), each after `latencyMs`. */
function scripted(clock: FakeClock, script: Array<Failure | 'ok'>, latencyMs = 10) {
  const calls: number[] = [];
  const provider: Provider = {
    kind: 'scripted',
    complete: (_req, options) =>
      new Promise<Outcome<ChatCompletion>>((resolve) => {
        const step = script[Math.min(calls.length, script.length - 1)]!;
        calls.push(clock.now());
        const t = clock.setTimer(() => resolve(step === 'ok' ? success(COMPLETION) : step), latencyMs);
        options?.signal?.addEventListener('abort', () => {
          clock.clearTimer(t);
          resolve(failure('aborted', options.signal?.reason));
        });
      }),
    stream: async () => failure('request', new Error('no streams here')),
    ping: async () => success(undefined),
    close: async () => {},
  };
  return { provider, calls };
}

function engineOver(
  clock: FakeClock,
  providers: Record<string, Provider>,
  extra: Record<string, unknown> = {},
) {
  const model = (more: Record<string, unknown> = {}) => ({
    provider: 'simulated',
    maxRetries: 3,
    timeout: '10s',
    circuitBreakerThreshold: 100,
    ...more,
  });
  const config = configOf({
    models: { a: model({ fallbacks: ['b'] }), b: model() },
    resilience: {
      healthCheckInterval: '1h',
      retry: {
        baseDelay: '100ms',
        maxDelay: '100ms',
        jitter: 0,
        throttledBaseDelay: '100ms',
        fallbackInsteadOfWait: '2s',
      },
    },
    ...extra,
  });
  return ResilienceEngine.fromConfig(config, {
    clock,
    probes: false,
    providerFactory: (spec) => providers[spec.id],
  });
}

/** Advances the fake clock until `p` settles. */
async function settle<T>(clock: FakeClock, p: Promise<T>): Promise<T> {
  let done = false;
  void p.then(() => {
    done = true;
  });
  for (let i = 0; i < 200 && !done; i++) await clock.advance(50);
  return p;
}

const transient = (retryAfterMs?: number) => failure('transient', new Error('503'), retryAfterMs);

describe('model turns on the core retry loop', () => {
  it('retries with the backoff on the fake clock, then serves', async () => {
    const clock = new FakeClock();
    const a = scripted(clock, [transient(), transient(), 'ok']);
    const engine = engineOver(clock, { a: a.provider, b: scripted(clock, ['ok']).provider });
    const result = await settle(clock, engine.complete({ target: 'a', body: ask() }));
    expect(result.ok && result.model).toBe('a');
    expect(result.attempts[0]).toMatchObject({ model: 'a', retries: 2 });
    // 10 ms call, 100 ms backoff, 10 ms call, 100 ms backoff
    expect(a.calls).toEqual([0, 110, 220]);
    await engine.close();
  });

  it('a server-advised wait longer than fallbackInsteadOfWait moves on to the next candidate', async () => {
    const clock = new FakeClock();
    const a = scripted(clock, [transient(30_000)]);
    const engine = engineOver(clock, { a: a.provider, b: scripted(clock, ['ok']).provider });
    const result = await settle(clock, engine.complete({ target: 'a', body: ask() }));
    expect(result.ok && result.model).toBe('b');
    expect(a.calls).toHaveLength(1);
    await engine.close();
  });

  it('a retry that would cross the request deadline is not taken', async () => {
    const clock = new FakeClock();
    const a = scripted(clock, [transient()]);
    const engine = engineOver(clock, { a: a.provider, b: scripted(clock, [transient()]).provider });
    const result = await settle(clock, engine.complete({ target: 'a', body: ask(), deadlineMs: 50 }));
    expect(result.ok).toBe(false);
    expect(result.attempts[0]).toMatchObject({ model: 'a', note: 'deadline', retries: 0 });
    await engine.close();
  });

  it("a caller's abort during a backoff ends the request as aborted, with no further attempt", async () => {
    const clock = new FakeClock();
    const a = scripted(clock, [transient()]);
    const engine = engineOver(clock, { a: a.provider, b: scripted(clock, ['ok']).provider });
    const source = new CancelSource();
    const pending = engine.complete({ target: 'a', body: ask(), signal: source });
    await clock.advance(20);
    source.abort(new Error('client went away'));
    const result = await settle(clock, pending);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure.kind).toBe('aborted');
    expect(a.calls).toHaveLength(1);
    await engine.close();
  });

  it("a chain's maxRetries and timeoutMs bound the turn", async () => {
    const clock = new FakeClock();
    const a = scripted(clock, [transient()]);
    const engine = engineOver(
      clock,
      { a: a.provider, b: scripted(clock, [transient()]).provider },
      { chains: { tight: { primaryModel: 'a', fallbackChain: [], maxRetries: 1, timeoutMs: '10s' } } },
    );
    const result = await settle(clock, engine.complete({ target: 'tight', body: ask() }));
    expect(result.ok).toBe(false);
    expect(a.calls).toHaveLength(2);
    await engine.close();
  });

  it('a Retry-After holds the model on later requests until it ends, then the model is called again', async () => {
    const clock = new FakeClock();
    const a = scripted(clock, [failure('throttled', new Error('429'), 3000), 'ok']);
    const engine = engineOver(clock, { a: a.provider, b: scripted(clock, ['ok']).provider });
    const events: EngineEvent[] = [];
    engine.events.on((e) => events.push(e));
    const first = await settle(clock, engine.complete({ target: 'a', body: ask() }));
    expect(first.ok && first.model).toBe('b');
    // The 429 came back at 10 ms: the window ends 3 s later, in wall-clock time for other instances.
    const throttled = events.filter((e) => e.type === 'model.throttled');
    expect(throttled).toEqual([
      {
        type: 'model.throttled',
        model: 'a',
        until: Date.UTC(2025, 0, 1) + 3010,
        at: Date.UTC(2025, 0, 1) + 10,
      },
    ]);
    const second = await settle(clock, engine.complete({ target: 'a', body: ask() }));
    expect(second.ok && second.model).toBe('b');
    expect(second.attempts[0]).toMatchObject({ model: 'a', note: 'throttle_window' });
    expect(a.calls).toHaveLength(1);
    await clock.advance(3010 - clock.now());
    const third = await settle(clock, engine.complete({ target: 'a', body: ask() }));
    expect(third.ok && third.model).toBe('a');
    expect(a.calls).toEqual([0, 3010]);
    await engine.close();
  });

  it("another instance's window (wall clock) holds the only candidate, which is called when it ends", async () => {
    const clock = new FakeClock();
    const a = scripted(clock, ['ok']);
    const engine = engineOver(
      clock,
      { a: a.provider, b: scripted(clock, ['ok']).provider },
      { chains: { only: { primaryModel: 'a', fallbackChain: [], maxRetries: 1, timeoutMs: '10s' } } },
    );
    const window = engine.current.models.get('a')!.throttle;
    expect(window.holdUntilWall(clock.wallNow() + 1000)).toBe(true);
    expect(window.holdUntilWall(clock.wallNow() + 500)).toBe(false); // never shortened
    const result = await settle(clock, engine.complete({ target: 'only', body: ask() }));
    expect(result.ok && result.model).toBe('a');
    expect(a.calls).toEqual([1000]);
    expect(window.remainingMs()).toBe(0);
    expect(window.untilWall()).toBeUndefined();
    await engine.close();
  });

  it('a window is capped at retry.maxRetryAfter; when every candidate is held the request fails as throttled', async () => {
    const clock = new FakeClock();
    const a = scripted(clock, ['ok']);
    const b = scripted(clock, ['ok']);
    const engine = engineOver(clock, { a: a.provider, b: b.provider });
    for (const id of ['a', 'b']) {
      const window = engine.current.models.get(id)!.throttle;
      window.holdUntilWall(clock.wallNow() + 10 * 3_600_000);
      expect(window.remainingMs()).toBe(engine.currentConfig.resilience.retry.maxRetryAfter);
    }
    // The last candidate would wait its window out (as after a local Retry-After); the deadline is sooner.
    const result = await settle(clock, engine.complete({ target: 'a', body: ask(), deadlineMs: 5000 }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure).toMatchObject({ kind: 'throttled', reason: 'throttle_window' });
    expect(result.failure.retryAfterMs).toBeGreaterThan(0);
    expect(result.attempts.map((t) => t.note)).toEqual(['throttle_window', 'deadline']);
    expect(a.calls.length + b.calls.length).toBe(0);
    await engine.close();
  });
});
