/**
 * `POST /v1/chat/completions`: validates the body, authenticates the client key, resolves feature flags
 * and hands the request to the engine. Streams are Server-Sent Events (`data: {chunk}` … `data: [DONE]`);
 * a failure after the first chunk ends the stream with `data: {"error":…}` and no `[DONE]`.
 * @packageDocumentation
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CancelSource } from '../../core/cancel-signal.js';
import type { Failure, OutcomeKind } from '../../core/outcome.js';
import type { AttemptRecord } from '../../engine/events.js';
import type { EngineRequest, EngineStream } from '../../engine/types.js';
import { sourceTextOf } from '../../providers/completion-text.js';
import type { StreamEvent, Usage } from '../../providers/types.js';
import type { RequestSpan } from '../../telemetry/tracing.js';
import type { ClientIdentity } from '../auth.js';
import { parseCapabilities, parseChatBody } from '../chat-request.js';
import { admitClient, type GatewayContext, sendError } from '../context.js';
import {
  engineFailureToHttp,
  type HttpError,
  invalidRequest,
  modelNotFound,
  trailAfterCut,
} from '../errors.js';
import { genAiRequestAttributes, genAiSpanName, observeOperation } from '../genai-observation.js';

function setHiveHeaders(
  reply: FastifyReply,
  state: { model?: string | undefined; attempts: readonly AttemptRecord[]; fallback?: boolean },
): void {
  if (state.model) reply.header('x-hive-model', state.model);
  reply.header('x-hive-attempts', String(state.attempts.length));
  if (state.fallback !== undefined) reply.header('x-hive-fallback', state.fallback ? 'true' : 'false');
}

function stickyKey(identity: ClientIdentity, request: FastifyRequest, user: unknown): string {
  const header = request.headers['x-hive-request-key'];
  const key =
    typeof header === 'string' && header !== ''
      ? header
      : typeof user === 'string' && user !== ''
        ? user
        : request.id;
  return `${identity.name ?? ''}:${key}`;
}

/** Registers the chat completions route. */
export function registerChatRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  const deadlineMs = ctx.settings.server.requestTimeoutMs;

  app.post('/v1/chat/completions', async (request, reply) => {
    const auth = admitClient(ctx, request);
    if (!auth.ok) return sendError(reply, auth.error);
    const parsed = parseChatBody(request.body);
    if (!parsed.ok) return sendError(reply, invalidRequest(parsed.message, parsed.param));
    const caps = parseCapabilities(request.headers['x-hive-capabilities']);
    if (caps && 'error' in caps) return sendError(reply, invalidRequest(caps.error, null, 'invalid_header'));
    const target = parsed.body.model;
    if (ctx.backend.resolveTarget(target) === undefined) return sendError(reply, modelNotFound(target));

    const identity = auth.identity;
    const features = ctx.flags.resolve(() => stickyKey(identity, request, parsed.body.user));
    // A client that goes away cancels the upstream calls (a CancelSource: no AbortController per request).
    const abort = new CancelSource();
    const raw = reply.raw;
    const onClose = () => {
      if (!raw.writableFinished) abort.abort();
    };
    raw.once('close', onClose);
    const engineRequest: EngineRequest = {
      target,
      body: parsed.body,
      requestId: request.id,
      deadlineMs,
      features,
      signal: abort,
      capabilities: caps,
      restriction: identity.restriction,
    };

    const startedAt = ctx.clock.now();
    if (!parsed.stream) {
      const span = ctx.tracing.startRequestSpan(genAiSpanName('chat', target), () =>
        genAiRequestAttributes('chat', target, request.id),
      );
      const result = await ctx.backend.engine.complete(engineRequest);
      raw.off('close', onClose);
      if (span.recording) traceAttempts(span, result.attempts, result.ok ? result.model : undefined);
      observeOperation(ctx, span, {
        operation: 'chat',
        target,
        model: result.ok ? result.model : undefined,
        client: identity.name,
        usage: result.ok ? result.value.usage : undefined,
        startedAt,
        errorType: result.ok ? undefined : result.failure.kind,
      });
      if (!result.ok) {
        span.end(result.failure.kind, result.message);
        setHiveHeaders(reply, { attempts: result.attempts });
        return sendError(reply, engineFailureToHttp(result, target));
      }
      span.end('success');
      setHiveHeaders(reply, result);
      // The upstream's own bytes when the provider kept them (no second serialisation).
      return reply
        .code(200)
        .type('application/json; charset=utf-8')
        .send(sourceTextOf(result.value) ?? result.value);
    }

    const span = ctx.tracing.startRequestSpan(genAiSpanName('chat', target), () =>
      genAiRequestAttributes('chat', target, request.id),
    );
    const opened = await ctx.backend.engine.stream(engineRequest);
    if (!opened.ok) {
      raw.off('close', onClose);
      if (span.recording) traceAttempts(span, opened.attempts, undefined);
      const report = { operation: 'chat', target, model: undefined, client: identity.name, usage: undefined };
      observeOperation(ctx, span, { ...report, startedAt, errorType: opened.failure.kind });
      span.end(opened.failure.kind, opened.message);
      setHiveHeaders(reply, { attempts: opened.attempts });
      return sendError(reply, engineFailureToHttp(opened, target));
    }
    const stream = opened.value;
    raw.once('close', () => stream.close());
    const iterator = stream[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (!first.done && first.value.type === 'error') {
      stream.close();
      const kind = first.value.failure.kind;
      observeOperation(ctx, span, {
        ...streamReport(stream, target, identity.name),
        startedAt,
        errorType: kind,
      });
      span.end(kind);
      setHiveHeaders(reply, { attempts: stream.attempts });
      return sendError(
        reply,
        streamFailure(stream, target, first.value.failure, 'The stream failed before its first chunk'),
      );
    }
    setHiveHeaders(reply, stream);
    reply
      .header('content-type', 'text/event-stream; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-accel-buffering', 'no');
    // Events go straight to the socket as they arrive (no stream machinery in between).
    reply.hijack();
    raw.writeHead(200, reply.getHeaders() as OutgoingHttpHeaders);
    const pumped = await pumpEvents(
      raw,
      first,
      iterator,
      stream,
      target,
      ctx.settings.server.streamStallTimeoutMs,
    );
    if (span.recording) traceAttempts(span, stream.attempts, stream.model);
    observeOperation(ctx, span, {
      ...streamReport(stream, target, identity.name),
      usage: pumped.usage,
      startedAt,
      errorType: pumped.errorType,
    });
    span.end(pumped.errorType ?? 'success');
    return reply;
  });
}

function streamReport(stream: EngineStream, target: string, client: string | undefined) {
  return { operation: 'chat', target, model: stream.model, client, usage: undefined };
}

/**
 * Waits until the client has taken what was written (`drain`) or went away; false when it took nothing
 * at all for `stallMs` (no byte left for its socket: a client that stopped reading). A slow client that
 * keeps reading is waited on. The timer exists only while a client is waited on.
 */
function drained(raw: ServerResponse, stallMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let sent = raw.socket?.bytesWritten ?? 0;
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      clearTimeout(timer);
      raw.off('drain', done);
      raw.off('close', done);
    };
    const done = (): void => {
      stop();
      resolve(true);
    };
    const check = (): void => {
      const now = raw.socket?.bytesWritten ?? sent;
      if (now === sent) {
        stop();
        resolve(false);
        return;
      }
      sent = now;
      timer = setTimeout(check, stallMs);
    };
    timer = setTimeout(check, stallMs);
    raw.on('drain', done);
    raw.on('close', done);
  });
}

/** Adds the attempt trail to a recording span. */
function traceAttempts(
  span: RequestSpan,
  attempts: readonly AttemptRecord[],
  model: string | undefined,
): void {
  if (model) span.setAttributes({ 'hive.model': model, 'hive.attempts': attempts.length });
  for (const a of attempts) {
    span.addEvent('hive.attempt', {
      'hive.model': a.model,
      'hive.kind': a.kind,
      'hive.note': a.note,
      'hive.latency_ms': a.latencyMs,
    });
  }
}

const DONE = 'data: [DONE]\n\n';

/** How a pumped stream ended: the usage its chunks reported, and the failure kind when it failed. */
interface PumpResult {
  usage: Usage | undefined;
  errorType: OutcomeKind | undefined;
}

/**
 * Pending SSE text written at once rather than at the end of the tick: a batch no larger than a socket's
 * default high-water mark, so a slow client's backlog (and the wait for its `drain`) stays as it was with
 * one write per event.
 */
const FLUSH_AT = 16 * 1024;

/**
 * Coalesces the SSE text of the events that arrive together: events are appended to one pending string,
 * written once per tick (after the promise callbacks that delivered them) or as soon as it reaches
 * {@link FLUSH_AT}, and the last event goes out with `end()`. A stream whose events came in one upstream
 * read is one socket write, headers included.
 */
class SseWriter {
  private pending = '';
  private scheduled = false;
  private readonly flushTick = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(private readonly raw: ServerResponse) {}

  /** Queues `text` for this tick's write (written now when the batch is large). */
  write(text: string): void {
    this.pending = this.pending === '' ? text : this.pending + text;
    if (this.pending.length >= FLUSH_AT) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(this.flushTick);
    }
  }

  private flush(): void {
    const text = this.pending;
    this.pending = '';
    if (text !== '' && !this.raw.destroyed) this.raw.write(text);
  }

  /** Ends the response with what is pending and `text`. */
  end(text: string): void {
    const all = this.pending === '' ? text : this.pending + text;
    this.pending = '';
    this.raw.end(all);
  }
}

/**
 * Writes the engine's stream events as SSE as they arrive (coalesced per tick; waiting for `drain` when
 * the client reads slowly, at most `stallMs` without progress) and ends the response with the terminal
 * event; closes the engine stream when done or when the client goes away. A chunk the provider kept the upstream text of is forwarded as it
 * came.
 */
async function pumpEvents(
  raw: ServerResponse,
  first: IteratorResult<StreamEvent>,
  iterator: AsyncIterator<StreamEvent>,
  stream: EngineStream,
  target: string,
  stallMs: number,
): Promise<PumpResult> {
  let next = first;
  const out: PumpResult = { usage: undefined, errorType: undefined };
  const writer = new SseWriter(raw);
  try {
    for (;;) {
      if (raw.destroyed) {
        out.errorType = 'aborted';
        return out;
      }
      if (next.done) {
        out.errorType = 'malformed';
        writer.end(errorEvent(stream, target, 'The upstream stream ended without finishing'));
        return out;
      }
      const event = next.value;
      if (event.type === 'chunk') {
        if (event.chunk.usage) out.usage = event.chunk.usage;
        writer.write(`data: ${event.text ?? JSON.stringify(event.chunk)}\n\n`);
        // A client that stops reading is its own problem: it is disconnected after `stallMs`, and the
        // engine stream is closed as aborted (neutral: never a failure of the model).
        if (raw.writableNeedDrain && !(await drained(raw, stallMs))) {
          out.errorType = 'aborted';
          raw.destroy();
          return out;
        }
        next = await iterator.next();
        continue;
      }
      if (event.type === 'done') {
        writer.end(DONE);
        return out;
      }
      out.errorType = event.failure.kind;
      writer.end(errorEvent(stream, target, 'The stream failed after it started', event.failure));
      return out;
    }
  } catch {
    out.errorType = 'malformed';
    if (!raw.destroyed) writer.end(errorEvent(stream, target, 'The stream failed after it started'));
    return out;
  } finally {
    stream.close();
    if (!raw.destroyed && !raw.writableEnded) writer.end('');
  }
}

/** The HTTP error for a stream that failed with `failure` (its attempt trail and request id). */
function streamFailure(stream: EngineStream, target: string, failure: Failure, message: string): HttpError {
  return engineFailureToHttp(
    { ok: false, failure, attempts: stream.attempts, requestId: stream.requestId, message },
    target,
  );
}

/**
 * The SSE event ending a stream that failed after it started (without a failure, it broke off:
 * `malformed`). Its trail shows the served model's attempt as it ended, not as `success`.
 */
function errorEvent(
  stream: EngineStream,
  target: string,
  message: string,
  failure: Failure = { ok: false, kind: 'malformed', error: undefined },
): string {
  const error = engineFailureToHttp(
    {
      ok: false,
      failure,
      attempts: trailAfterCut(stream.attempts, stream.model, failure),
      requestId: stream.requestId,
      message: `${message} (model ${stream.model})`,
    },
    target,
  );
  return `data: ${JSON.stringify(error.body)}\n\n`;
}
