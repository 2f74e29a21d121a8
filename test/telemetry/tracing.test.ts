import { trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createTracing } from '../../src/telemetry/tracing.js';
import { memoryProvider } from '../helpers/memory-tracer.js';

afterEach(() => trace.disable());

describe('createTracing', () => {
  it('costs nothing and never throws when no SDK is registered', () => {
    const tracing = createTracing();
    expect(tracing.enabled).toBe(false);
    let built = 0;
    const span = tracing.startRequestSpan('chat', () => {
      built++;
      return { 'hive.target': 'chat' };
    });
    expect(span.recording).toBe(false);
    const attempt = tracing.startAttemptSpan(span, 'gpt-4o', 1, () => {
      built++;
      return {};
    });
    attempt.addEvent('retry', () => {
      built++;
      return {};
    });
    attempt.end('transient');
    span.end('success');
    expect(built).toBe(0);
    // Same shared no-op object: no allocation per request.
    expect(tracing.startRequestSpan('x')).toBe(span);
  });

  it('records request and attempt spans once a provider is registered globally', () => {
    const tracing = createTracing();
    const { provider, spans } = memoryProvider();
    expect(trace.setGlobalTracerProvider(provider)).toBe(true);
    expect(tracing.enabled).toBe(true);
    const root = tracing.startRequestSpan('hive.request', () => ({ 'hive.target': 'chat' }));
    const attempt = tracing.startAttemptSpan(root, 'gpt-4o', 2);
    attempt.end('timeout', 'deadline');
    root.end('success');
    expect(spans).toHaveLength(2);
    expect(spans[0]).toMatchObject({
      name: 'hive.request',
      ended: true,
      attributes: { 'hive.target': 'chat' },
    });
    expect(spans[0]!.status?.code).toBe(1);
    expect(spans[1]).toMatchObject({
      name: 'hive.attempt',
      ended: true,
      parentId: spans[0]!.id,
      attributes: { 'hive.model': 'gpt-4o', 'hive.attempt': 2, 'hive.outcome': 'timeout' },
    });
    expect(spans[1]!.status).toEqual({ code: 2, message: 'deadline' });
  });

  it('uses an explicitly given provider', () => {
    const { provider, spans } = memoryProvider();
    const tracing = createTracing({ tracerProvider: provider });
    tracing.startRequestSpan('r').end('success');
    expect(spans.map((s) => s.name)).toEqual(['r']);
  });
});
