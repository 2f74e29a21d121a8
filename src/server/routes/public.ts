/**
 * Public and lightly protected read routes: `GET /v1/models`, `GET /health/live`, `GET /health/ready`,
 * `GET /health/models` (admin scope `read`) and `GET /metrics` (public, or `read` when configured).
 * @packageDocumentation
 */
import type { FastifyInstance } from 'fastify';
import type { DataRestriction } from '../../engine/types.js';
import { admitClient, type GatewayContext, sendError } from '../context.js';
import { httpError } from '../errors.js';
import type { ModelInfo } from '../runtime.js';

function allowed(model: ModelInfo, restriction: DataRestriction | undefined): boolean {
  if (!restriction) return true;
  if (restriction.models && !restriction.models.has(model.id)) return false;
  if (restriction.providers && !restriction.providers.has(model.provider)) return false;
  return true;
}

/** Registers `/v1/models`, `/health/*` and `/metrics`. */
export function registerPublicRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  /** OpenAI's model list, with a `hive` extension (aliases, capabilities, health, breaker). */
  app.get('/v1/models', async (request, reply) => {
    const auth = admitClient(ctx, request);
    if (!auth.ok) return sendError(reply, auth.error);
    const restriction = auth.identity.restriction;
    const data = ctx.runtime
      .listModels()
      .filter((m) => allowed(m, restriction))
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
    const ready = ctx.runtime.ready();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready' });
  });

  app.get('/health/models', async (request, reply) => {
    const auth = ctx.auth.admin(request, 'read');
    if (!auth.ok) return sendError(reply, auth.error);
    return reply.send({ models: ctx.runtime.health.snapshot() });
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
