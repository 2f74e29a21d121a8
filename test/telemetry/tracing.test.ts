import {
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { createTracing } from '../../src/telemetry/tracing.js';

interface Recorded {
  name: string;
  attributes: Attributes;
  status?: SpanStatus;
  ended: boolean;
  parentId: string | undefined;
  id: string;
}

/** A minimal in-test TracerProvider (no SDK package). */
function memoryProvider(): { provider: TracerProvider; spans: Recorded[] } {
  const spans: Recorded[] = [];
  let next = 1;
  const tracer: Tracer = {
    startSpan(name: string, options?: SpanOptions, ctx?: Context): Span {
      const parent = ctx ? trace.getSpan(ctx) : undefined;
      const rec: Recorded = {
        name,
        attributes: { ...options?.attributes },
        ended: false,
        parentId: parent?.spanContext().spanId,
        id: String(next++).padStart(16, '0'),
      };
      spans.push(rec);
      const sc: SpanContext = { traceId: '1'.repeat(32), spanId: rec.id, traceFlags: 1 };
      const span: Span = {
        spanContext: () => sc,
        setAttribute(k, v) {
          if (v !== undefined) rec.attributes[k] = v;
          return span;
        },
        setAttributes(a) {
          Object.assign(rec.attributes, a);
          return span;
        },
        addEvent: () => span,
        addLink: () => span,
        addLinks: () => span,
        setStatus(s) {
          rec.status = s;
          return span;
        },
        updateName: () => span,
        end() {
          rec.ended = true;
        },
        isRecording: () => true,
        recordException() {},
      };
      return span;
    },
    startActiveSpan: (() => {
      throw new Error('not used');
    }) as Tracer['startActiveSpan'],
  };
  return { provider: { getTracer: () => tracer }, spans };
}

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
