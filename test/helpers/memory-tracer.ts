/**
 * A minimal in-test OpenTelemetry TracerProvider (no SDK package) that records spans.
 */
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

export interface Recorded {
  name: string;
  attributes: Attributes;
  status?: SpanStatus;
  ended: boolean;
  events: string[];
  parentId: string | undefined;
  id: string;
}

/** A minimal in-test TracerProvider (no SDK package). */
export function memoryProvider(): { provider: TracerProvider; spans: Recorded[] } {
  const spans: Recorded[] = [];
  let next = 1;
  const tracer: Tracer = {
    startSpan(name: string, options?: SpanOptions, ctx?: Context): Span {
      const parent = ctx ? trace.getSpan(ctx) : undefined;
      const rec: Recorded = {
        name,
        attributes: { ...options?.attributes },
        ended: false,
        events: [],
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
        addEvent(name) {
          rec.events.push(name);
          return span;
        },
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
