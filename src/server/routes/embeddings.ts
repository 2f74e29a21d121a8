/**
 * `POST /v1/embeddings`: validates the body, authenticates the client key, and asks the engine for
 * vectors with failover among embeddings models of the same dimensions (OpenAI-shaped answer and errors).
 * @packageDocumentation
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { formatPath } from '../../config/config-error.js';
import type { EmbeddingRequest } from '../../providers/embeddings.js';
import { admitClient, cancelOnClientClose, type GatewayContext, sendError } from '../context.js';
import { engineFailureToHttp, invalidRequest, modelNotFound } from '../errors.js';
import { genAiRequestAttributes, genAiSpanName, observeOperation } from '../genai-observation.js';
import { setFailedHeaders, setServedHeaders } from './hive-headers.js';

/** Most inputs in one request (OpenAI's limit). */
export const MAX_EMBEDDING_INPUTS = 2048;

const text = z.string({ error: 'expected a string' }).min(1, { error: 'expected a non-empty string' });
const tokens = z.array(z.int().nonnegative(), { error: 'expected an array of token ids' }).min(1);
const bodySchema = z.looseObject({
  model: text,
  input: z.union(
    [
      text,
      z.array(text).min(1).max(MAX_EMBEDDING_INPUTS),
      tokens,
      z.array(tokens).min(1).max(MAX_EMBEDDING_INPUTS),
    ],
    { error: `expected a string, or 1 to ${MAX_EMBEDDING_INPUTS} strings or token arrays` },
  ),
  encoding_format: z.enum(['float', 'base64'], { error: 'expected "float" or "base64"' }).optional(),
  dimensions: z.int({ error: 'expected a positive integer' }).positive().optional(),
  user: z.string({ error: 'expected a string' }).optional(),
});

/** Registers the embeddings route. */
export function registerEmbeddingsRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.post('/v1/embeddings', async (request, reply) => {
    const auth = admitClient(ctx, request);
    if (!auth.ok) return sendError(reply, auth.error);
    const parsed = bodySchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const param = issue.path.length > 0 ? formatPath(issue.path) : null;
      return sendError(reply, invalidRequest(`${param ?? 'body'}: ${issue.message}`, param));
    }
    const body = request.body as EmbeddingRequest;
    const target = body.model;
    if (ctx.backend.resolveTarget(target) === undefined) return sendError(reply, modelNotFound(target));
    const engine = ctx.backend.engine;
    if (!engine.embed)
      return sendError(reply, invalidRequest('This gateway does not serve embeddings', null));
    const identity = auth.identity;
    const { abort, release } = cancelOnClientClose(reply.raw);
    const startedAt = ctx.clock.now();
    const span = ctx.tracing.startRequestSpan(genAiSpanName('embeddings', target), () =>
      genAiRequestAttributes('embeddings', target, request.id),
    );
    const result = await engine.embed({
      target,
      body,
      requestId: request.id,
      deadlineMs: ctx.settings.server.requestTimeoutMs,
      features: ctx.flags.resolve(() => `${identity.name ?? ''}:${body.user ?? request.id}`),
      signal: abort,
      restriction: identity.restriction,
    });
    release();
    observeOperation(ctx, span, {
      operation: 'embeddings',
      target,
      model: result.ok ? result.model : undefined,
      client: identity.name,
      usage: result.ok ? { prompt_tokens: result.value.usage.prompt_tokens } : undefined,
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
    return reply.code(200).send(result.value);
  });
}
