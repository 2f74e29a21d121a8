/**
 * `POST /v1/chat/completions`: validates the body, authenticates the client key, resolves feature flags
 * and hands the request to the engine. Streams are Server-Sent Events (`data: {chunk}` … `data: [DONE]`);
 * a failure after the first chunk ends the stream with `data: {"error":…}` and no `[DONE]`. The SSE writer is
 * in `chat-stream-writer.ts`, the attempt trail (span events, stream errors) in `chat-trail.ts`.
 * @packageDocumentation
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { nextNow } from '../../core/stream-commit.js';
import type { EngineRequest, EngineStream } from '../../engine/types.js';
import { sourceTextOf } from '../../providers/completion-text.js';
import type { ClientIdentity } from '../auth.js';
import { parseCapabilities, parseChatBody } from '../chat-request.js';
import { admitClient, cancelOnClientClose, type GatewayContext, sendError } from '../context.js';
import { engineFailureToHttp, invalidRequest, modelNotFound } from '../errors.js';
import {
  genAiRequestAttributes,
  genAiSpanName,
  type OperationReport,
  observeOperation,
} from '../genai-observation.js';
import { pumpEvents } from './chat-stream-writer.js';
import { streamFailure, traceAttempts } from './chat-trail.js';
import { pushServedHeaders, setFailedHeaders, setServedHeaders } from './hive-headers.js';

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
    // A client that goes away cancels the upstream calls.
    const raw = reply.raw;
    const clientClose = cancelOnClientClose(raw);
    const { abort, release } = clientClose;
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
      release();
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
        setFailedHeaders(reply, result.attempts);
        return sendError(reply, engineFailureToHttp(result, target));
      }
      span.end('success');
      setServedHeaders(reply, result);
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
      release();
      if (span.recording) traceAttempts(span, opened.attempts, undefined);
      observeOperation(ctx, span, {
        operation: 'chat',
        target,
        model: undefined,
        client: identity.name,
        usage: undefined,
        startedAt,
        errorType: opened.failure.kind,
      });
      span.end(opened.failure.kind, opened.message);
      setFailedHeaders(reply, opened.attempts);
      return sendError(reply, engineFailureToHttp(opened, target));
    }
    const stream = opened.value;
    clientClose.closes(stream);
    const iterator = stream[Symbol.asyncIterator]();
    const first = nextNow(iterator) ?? (await iterator.next());
    if (!first.done && first.value.type === 'error') {
      stream.close();
      const kind = first.value.failure.kind;
      observeOperation(ctx, span, streamReport(stream, target, identity.name, startedAt, undefined, kind));
      span.end(kind);
      setFailedHeaders(reply, stream.attempts);
      return sendError(
        reply,
        streamFailure(stream, target, first.value.failure, 'The stream failed before its first chunk'),
      );
    }
    // Events go straight to the socket as they arrive (no stream machinery in between); the head is
    // written from one flat list (see `streamHead`).
    reply.hijack();
    raw.writeHead(200, streamHead(reply, stream));
    const pumped = await pumpEvents(
      raw,
      first,
      iterator,
      stream,
      target,
      ctx.settings.server.streamStallTimeoutMs,
    );
    if (span.recording) traceAttempts(span, stream.attempts, stream.model);
    observeOperation(
      ctx,
      span,
      streamReport(stream, target, identity.name, startedAt, pumped.usage, pumped.errorType),
    );
    span.end(pumped.errorType ?? 'success');
    return reply;
  });
}

const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

/**
 * A streamed answer's response head as one flat `[name, value, …]` list for `writeHead`: the headers
 * already set on the reply (the request id, CORS), then the `x-hive-*` ones and the SSE ones. Setting them
 * on the reply one by one and merging them back (`reply.getHeaders()`) cost more than writing them
 * (docs/benchmarks.md, "seventh session").
 */
function streamHead(reply: FastifyReply, stream: EngineStream): string[] {
  const head: string[] = [];
  const set = reply.getHeaders();
  for (const name in set) {
    const value = set[name];
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) head.push(name, v);
    else head.push(name, String(value));
  }
  pushServedHeaders(head, stream);
  head.push('content-type', SSE_CONTENT_TYPE, 'cache-control', 'no-cache', 'x-accel-buffering', 'no');
  return head;
}

/** The report of a streamed operation (one literal: a spread into a larger object is a slow copy). */
function streamReport(
  stream: EngineStream,
  target: string,
  client: string | undefined,
  startedAt: number,
  usage: OperationReport['usage'],
  errorType: string | undefined,
): OperationReport {
  return { operation: 'chat', target, model: stream.model, client, usage, startedAt, errorType };
}
