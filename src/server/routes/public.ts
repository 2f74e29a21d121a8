/**
 * Public and lightly protected read routes: `GET /v1/models`, `GET /health/live`, `GET /health/ready`,
 * `GET /health/models` (admin scope `read`) and `GET /metrics` (public, or `read` when configured).
 * @packageDocumentation
 */
import type { FastifyInstance } from 'fastify';
import { restrictionAllows } from '../../engine/planner.js';
import { admitClient, type GatewayContext, sendError } from '../context.js';
import { httpError } from '../errors.js';

/** Registers `/v1/models`, `/health/*` and `/metrics`. */
export function registerPublicRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  /** OpenAI's model list, with a `hive` extension (aliases, capabilities, health, breaker). */
  app.get('/v1/models', async (request, reply) => {
    const auth = admitClient(ctx, request);
    if (!auth.ok) return sendError(reply, auth.error);
    const restriction = auth.identity.restriction;
    const data = ctx.backend
      .listModels()
      .filter((m) => restrictionAllows(restriction, m))
      .map((m) => ({
        id: m.id,
        object: 'model' as const,
        created: 0,
        owned_by: m.provider,
        hive: {
          aliases: m.aliases,
          capabilities: m.capabilities,
          contextWindow: m.contextWindow,
          tier: m.tier,
          health: m.health,
          breaker: m.breaker,
        },
      }));
    return reply.send({ object: 'list', data });
  });

  app.get('/health/live', async (_request, reply) => reply.send({ status: 'ok' }));

  app.get('/health/ready', async (_request, reply) => {
    const ready = ctx.backend.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready' });
  });

  app.get('/health/models', async (request, reply) => {
    const auth = ctx.auth.admin(request, 'read');
    if (!auth.ok) return sendError(reply, auth.error);
    return reply.send({ models: ctx.backend.health.snapshot() });
  });

  app.get('/metrics', async (request, reply) => {
    if (ctx.settings.security.metrics === 'protected') {
      const auth = ctx.auth.admin(request, 'read');
      if (!auth.ok) return sendError(reply, auth.error);
    }
    if (!ctx.metrics)
      return sendError(reply, httpError(404, 'not_found_error', 'Metrics are not enabled', 'not_found'));
    const text = await ctx.metrics.render();
    return reply.type(ctx.metrics.contentType).send(text);
  });
}
