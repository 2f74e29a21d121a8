/**
 * OpenTelemetry spans through `@opentelemetry/api`. With no SDK registered the API hands out a no-op
 * tracer; here that case costs one delegate check per request: no tracer call, no attribute object
 * (attributes may be passed as a function and are only built when a span is recorded), no allocation
 * (a shared no-op {@link RequestSpan} is returned).
 * @packageDocumentation
 */
import {
  type Attributes,
  context,
  ProxyTracerProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { OutcomeKind } from '../core/outcome.js';

/** Span attributes, or a function building them only when the span is actually recorded. */
export type LazyAttributes = Attributes | (() => Attributes);

/** A request or attempt span; a shared no-op when tracing is off. */
export interface RequestSpan {
  /** True when this span is recorded by an SDK. */
  readonly recording: boolean;
  /** The underlying OpenTelemetry span (undefined when tracing is off). */
  readonly span: Span | undefined;
  /** Adds attributes (built lazily). */
  setAttributes(attributes: LazyAttributes): void;
  /** Adds a timestamped event, e.g. `'fallback'` or `'retry'`. */
  addEvent(name: string, attributes?: LazyAttributes): void;
  /** Ends the span with its outcome (`success` is OK, everything else is an error status). */
  end(outcome: OutcomeKind, detail?: string): void;
}

/** Options for {@link createTracing}. */
export interface TracingOptions {
  /** Use this provider instead of the globally registered one (always treated as enabled). */
  readonly tracerProvider?: TracerProvider;
  /** Instrumentation scope name; default `hive-resilience`. */
  readonly name?: string;
  /** Instrumentation scope version. */
  readonly version?: string;
}

/** Span factory for requests and their attempts. */
export interface RequestTracing {
  /** True when spans are recorded (an SDK is registered or a provider was given). */
  readonly enabled: boolean;
  /** Starts the root span of one gateway/engine request. */
  startRequestSpan(name: string, attributes?: LazyAttributes): RequestSpan;
  /** Starts a child span for one attempt on `model` under `parent`. */
  startAttemptSpan(
    parent: RequestSpan,
    model: string,
    attempt: number,
    attributes?: LazyAttributes,
  ): RequestSpan;
}

const NOOP_SPAN: RequestSpan = {
  recording: false,
  span: undefined,
  setAttributes() {},
  addEvent() {},
  end() {},
};

function resolve(attributes: LazyAttributes | undefined): Attributes | undefined {
  return typeof attributes === 'function' ? attributes() : attributes;
}

class RecordedSpan implements RequestSpan {
  readonly recording = true;
  constructor(readonly span: Span) {}

  setAttributes(attributes: LazyAttributes): void {
    const a = resolve(attributes);
    if (a) this.span.setAttributes(a);
  }

  addEvent(name: string, attributes?: LazyAttributes): void {
    this.span.addEvent(name, resolve(attributes));
  }

  end(outcome: OutcomeKind, detail?: string): void {
    this.span.setAttribute('hive.outcome', outcome);
    if (outcome === 'success') this.span.setStatus({ code: SpanStatusCode.OK });
    else this.span.setStatus({ code: SpanStatusCode.ERROR, message: detail ?? outcome });
    this.span.end();
  }
}

/** Creates a {@link RequestTracing} bound to the global tracer provider or `options.tracerProvider`. */
export function createTracing(options: TracingOptions = {}): RequestTracing {
  const name = options.name ?? 'hive-resilience';
  const fixed = options.tracerProvider;
  let tracer: Tracer | undefined = fixed?.getTracer(name, options.version);

  /** The tracer when an SDK is registered, else undefined (checked per call until one appears). */
  function activeTracer(): Tracer | undefined {
    if (tracer) return tracer;
    const provider = trace.getTracerProvider();
    if (provider instanceof ProxyTracerProvider) {
      if (provider.getDelegateTracer(name, options.version) === undefined) return undefined;
    }
    tracer = trace.getTracer(name, options.version);
    return tracer;
  }

  return {
    get enabled() {
      return activeTracer() !== undefined;
    },
    startRequestSpan(spanName, attributes) {
      const t = activeTracer();
      if (!t) return NOOP_SPAN;
      return new RecordedSpan(
        t.startSpan(spanName, { kind: SpanKind.SERVER, attributes: resolve(attributes) }),
      );
    },
    startAttemptSpan(parent, model, attempt, attributes) {
      const t = activeTracer();
      if (!t || !parent.span) return NOOP_SPAN;
      const extra = resolve(attributes);
      const ctx = trace.setSpan(context.active(), parent.span);
      const span = t.startSpan(
        'hive.attempt',
        { kind: SpanKind.CLIENT, attributes: { ...extra, 'hive.model': model, 'hive.attempt': attempt } },
        ctx,
      );
      return new RecordedSpan(span);
    },
  };
}
