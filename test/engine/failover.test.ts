/**
 * The engine over real HTTP on loopback, against a chaos upstream: failover, request-scoped errors,
 * context-length substitution, Retry-After, streaming failures, health and data restrictions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ResilienceEngine } from '../../src/engine/index.js';
import type { StreamEvent } from '../../src/providers/types.js';
import { closedPortURL, collect, useChaosUpstream } from '../helpers/chaos-upstream.js';
import { ask, chaosModel, configOf, engineWithEvents, FAST_RESILIENCE } from './engine-fixtures.js';

const chaos = useChaosUpstream();
let engine: ResilienceEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

function build(models: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}) {
  const made = engineWithEvents(configOf({ models, resilience: FAST_RESILIENCE, ...extra }));
  engine = made.engine;
  return made;
}

function pair(base = chaos.openaiBaseURL) {
  return {
    primary: chaosModel(base, { fallbacks: ['backup'] }),
    backup: chaosModel(base),
  };
}

function text(events: StreamEvent[]): string {
  return events.map((e) => (e.type === 'chunk' ? (e.chunk.choices[0]?.delta.content ?? '') : '')).join('');
}

describe('non-streaming failover', () => {
  it('serves a 503 primary from its fallback and says so', async () => {
    chaos.upstream.setFaults({ primary: { status: 503 } });
    const { engine, events } = build(pair());
    const result = await engine.complete({ target: 'primary', body: ask() });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.model).toBe('backup');
    expect(result.fallback).toBe(true);
    expect(result.attempts.map((a) => [a.model, a.kind])).toEqual([
      ['primary', 'transient'],
      ['backup', 'success'],
    ]);
    expect(
      events.some((e) => e.type === 'request.fallback' && e.from === 'primary' && e.to === 'backup'),
    ).toBe(true);
  });

  it('returns a plain 400 as is: no fallback, breaker untouched', async () => {
    chaos.upstream.setFaults({ primary: { status: 400, message: 'temperature is invalid' } });
    const { engine } = build(pair());
    for (let i = 0; i < 5; i++) {
      const result = await engine.complete({ target: 'primary', body: ask() });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.failure.kind).toBe('request');
      expect(result.attempts).toHaveLength(1);
    }
    expect(chaos.upstream.stats().models.backup?.requests ?? 0).toBe(0);
    expect(engine.current.models.get('primary')?.breaker.state).toBe('closed');
  });

  it('moves a context-length error to a model with a larger context window only', async () => {
    chaos.upstream.setFaults({ primary: 'context_length' });
    const { engine } = build({
      primary: chaosModel(chaos.openaiBaseURL, { fallbacks: ['small', 'large'], contextWindow: 8000 }),
      small: chaosModel(chaos.openaiBaseURL, { contextWindow: 4000 }),
      large: chaosModel(chaos.openaiBaseURL, { contextWindow: 200000 }),
    });
    const result = await engine.complete({ target: 'primary', body: ask() });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.model).toBe('large');
    expect(chaos.upstream.stats().models.small?.requests ?? 0).toBe(0);
  });

  it('honours Retry-After on a 429 before retrying the same model', async () => {
    chaos.upstream.setFaults({ solo: { sequence: [{ status: 429, retryAfter: 1 }], after: 'ok' } });
    const { engine, events } = build({ solo: chaosModel(chaos.openaiBaseURL, { maxRetries: 2 }) });
    const result = await engine.complete({ target: 'solo', body: ask() });
    expect(result.ok).toBe(true);
    const retry = events.find((e) => e.type === 'retry.scheduled');
    expect(retry && retry.type === 'retry.scheduled' && retry.delayMs).toBe(1000);
    expect(retry && retry.type === 'retry.scheduled' && retry.kind).toBe('throttled');
    expect(chaos.upstream.stats().models.solo?.requests).toBe(2);
  });

  it('times out a hanging primary and serves from the fallback', async () => {
    chaos.upstream.setFaults({ primary: { latencyMs: 5000 } });
    const { engine } = build({
      primary: chaosModel(chaos.openaiBaseURL, { fallbacks: ['backup'], timeout: '300ms' }),
      backup: chaosModel(chaos.openaiBaseURL),
    });
    const result = await engine.complete({ target: 'primary', body: ask() });
    expect(result.ok && result.model).toBe('backup');
    if (!result.ok) return;
    expect(result.attempts[0]).toMatchObject({ model: 'primary', kind: 'timeout' });
  });

  it('ends a request at its overall deadline even when the model allows longer', async () => {
    chaos.upstream.setFaults({ primary: { latencyMs: 5000 }, backup: { latencyMs: 5000 } });
    const { engine, events } = build(pair());
    const result = await engine.complete({ target: 'primary', body: ask(), deadlineMs: 300 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failure.kind).toBe('timeout');
    expect(result.attempts).toHaveLength(1);
    expect(events.some((e) => e.type === 'request.fallback')).toBe(false);
  });

  it('fails over at once from a refused connection', async () => {
    const dead = `${await closedPortURL()}/v1`;
    const { engine } = build({
      primary: chaosModel(dead, { fallbacks: ['backup'], maxRetries: 3 }),
      backup: chaosModel(chaos.openaiBaseURL),
    });
    const result = await engine.complete({ target: 'primary', body: ask() });
    expect(result.ok && result.model).toBe('backup');
    if (!result.ok) return;
    expect(result.attempts[0]).toMatchObject({ model: 'primary', retries: 0, note: 'connection_refused' });
  });

  it('skips a model whose breaker is open without calling it', async () => {
    chaos.upstream.setFaults({ primary: { status: 500 } });
    const { engine, events } = build(pair());
    for (let i = 0; i < 3; i++) await engine.complete({ target: 'primary', body: ask() });
    expect(engine.current.models.get('primary')?.breaker.state).toBe('open');
    expect(events.some((e) => e.type === 'breaker.state_changed' && e.to === 'open')).toBe(true);
    const before = chaos.upstream.stats().models.primary?.requests;
    const result = await engine.complete({ target: 'primary', body: ask() });
    expect(result.ok && result.model).toBe('backup');
    if (!result.ok) return;
    expect(result.attempts[0]).toMatchObject({ model: 'primary', note: 'breaker_open', latencyMs: 0 });
    expect(chaos.upstream.stats().models.primary?.requests).toBe(before);
    const last = events.filter((e) => e.type === 'request.fallback').at(-1);
    expect(last).toMatchObject({
      from: 'primary',
      to: 'backup',
      reason: 'breaker_open',
      requestId: result.requestId,
    });
  });

  it('marks a model failed after three consecutive failures, and recovers after good probes', async () => {
    chaos.upstream.setFaults({ primary: { status: 503 } });
    const { engine, events } = build(pair());
    for (let i = 0; i < 3; i++) await engine.complete({ target: 'primary', body: ask() });
    expect(engine.health.status('primary')).toBe('failed');
    expect(events.some((e) => e.type === 'health.status_changed' && e.to === 'failed')).toBe(true);
    chaos.upstream.clearFaults();
    for (let i = 0; i < 3; i++) expect((await engine.probeNow('primary'))?.kind).toBe('success');
    expect(engine.health.status('primary')).toBe('healthy');
    expect(engine.current.models.get('primary')?.breaker.state).toBe('closed');
  });

  it('canary probes measure accuracy: a wrong answer is not healthy, a reasoning answer is right', async () => {
    const probe = { kind: 'canary', prompt: 'What is 2+2? Answer with the number.', expect: '4' };
    const { engine } = build({
      thinker: chaosModel(chaos.openaiBaseURL, { probe }),
      liar: chaosModel(chaos.openaiBaseURL, { probe }),
    });
    chaos.upstream.setFaults({
      thinker: { answer: '<think>two plus two makes four, so</think> 4' },
      liar: { answer: '<think>is it 4? no</think> The answer is 5.' },
    });
    for (let i = 0; i < 3; i++) {
      expect((await engine.probeNow('thinker'))?.correct).toBe(true);
      expect((await engine.probeNow('liar'))?.correct).toBe(false);
    }
    expect(engine.health.health('thinker')).toMatchObject({ status: 'healthy', accuracy: 1 });
    expect(engine.health.health('liar')).toMatchObject({ status: 'failed', accuracy: 0 });
  });

  it('never sends restricted data to another model, even with everything else down', async () => {
    chaos.upstream.setFaults({ primary: { status: 503 } });
    const { engine } = build({
      primary: chaosModel(chaos.openaiBaseURL, { fallbacks: ['backup'] }),
      backup: chaosModel(chaos.openaiBaseURL),
      other: chaosModel(chaos.openaiBaseURL),
    });
    const result = await engine.complete({
      target: 'primary',
      body: ask(),
      restriction: { models: new Set(['primary']) },
    });
    expect(result.ok).toBe(false);
    const stats = chaos.upstream.stats().models;
    expect(stats.backup?.requests ?? 0).toBe(0);
    expect(stats.other?.requests ?? 0).toBe(0);
    const denied = await engine.complete({
      target: 'backup',
      body: ask(),
      restriction: { models: new Set(['x']) },
    });
    expect(denied.ok === false && denied.code).toBe('restricted');
  });

  it('reports an unknown model as not found', async () => {
    const { engine } = build(pair());
    const result = await engine.complete({ target: 'nope', body: ask() });
    expect(result.ok === false && result.code).toBe('not_found');
  });
});

describe('streaming failover', () => {
  it('fails over before the first content chunk', async () => {
    chaos.upstream.setFaults({ primary: { status: 503 } });
    const { engine } = build(pair());
    const result = await engine.stream({ target: 'primary', body: ask() });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.model).toBe('backup');
    const events = await collect(result.value);
    expect(events.at(-1)?.type).toBe('done');
    expect(text(events)).toContain('quick brown fox');
  });

  it('ends a stream that stalls after the first chunk with an error event, counted as a failure', async () => {
    chaos.upstream.setFaults({ primary: 'stall' });
    const { engine, events: seen } = build(pair());
    const result = await engine.stream({ target: 'primary', body: ask() });
    expect(result.ok && result.value.model).toBe('primary');
    if (!result.ok) return;
    const events = await collect(result.value);
    const last = events.at(-1);
    expect(last?.type).toBe('error');
    expect(last?.type === 'error' && last.failure.kind).toBe('timeout');
    expect(events.some((e) => e.type === 'done')).toBe(false);
    const done = seen.find((e) => e.type === 'request.completed');
    expect(done?.type === 'request.completed' && done.outcome).toBe('timeout');
  });

  it('ends a cut stream with an error event, never a clean finish', async () => {
    chaos.upstream.setFaults({ primary: { cutAfterChunks: 2 } });
    const { engine } = build(pair());
    const result = await engine.stream({ target: 'primary', body: ask() });
    if (!result.ok) throw new Error(result.message);
    const events = await collect(result.value);
    expect(events.at(-1)?.type).toBe('error');
    expect(events.some((e) => e.type === 'done')).toBe(false);
  });

  it('treats a stream that ends without [DONE] as failed', async () => {
    chaos.upstream.setFaults({ primary: { sequence: ['ok'], after: 'no_done' } });
    const { engine } = build(pair());
    const ok = await engine.stream({ target: 'primary', body: ask() });
    if (!ok.ok) throw new Error(ok.message);
    expect((await collect(ok.value)).at(-1)?.type).toBe('done');
    const cut = await engine.stream({ target: 'primary', body: ask() });
    if (!cut.ok) throw new Error(cut.message);
    expect((await collect(cut.value)).at(-1)?.type).toBe('error');
  });
});
