/**
 * Admin routes for operators' screens (the dashboard among them), under `/admin/v1`:
 *
 * | Method | Path | Scope | What it does |
 * |---|---|---|---|
 * | GET | `/admin/v1/session` | read | the presented key's name and scope (what a screen may offer) |
 * | GET | `/admin/v1/timeline` | read | the last hour of requests in fixed intervals (count, failed, fallbacks, p50/p95) |
 * | GET | `/admin/v1/alerts` | read | alerts firing now and recent notifications |
 * | GET | `/admin/v1/rounds` | read | voting rounds running in this process, and recent ones |
 *
 * Alert notifications and round updates are also forwarded to the admin event stream
 * (`alert.notified`, `round.updated`). Without a source the lists are empty and `configured` is false.
 * @packageDocumentation
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Subscription } from '../backend.js';
import type { GatewayContext } from '../context.js';

/** Registers the routes above; `read` is the admin API's guard for scope `read`. */
export function registerAdminLiveRoutes(
  app: FastifyInstance,
  ctx: GatewayContext,
  prefix: string,
  read: { preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> },
): void {
  const { timeline, alerts, rounds } = ctx.sources;
  const forwarded: Subscription[] = [];
  if (alerts) forwarded.push(alerts.onNotice((n) => ctx.events.emit({ type: 'alert.notified', ...n })));
  if (rounds)
    forwarded.push(
      rounds.onUpdate((round) => ctx.events.emit({ type: 'round.updated', round, at: round.updatedAt })),
    );
  app.addHook('onClose', (_app, done) => {
    for (const s of forwarded) s.dispose();
    done();
  });

  app.get(`${prefix}/session`, read, async (request, reply) => {
    const who = request.hiveAdmin;
    return reply.send({ name: who?.name ?? null, scope: who?.scope ?? null });
  });
  app.get(`${prefix}/timeline`, read, async (_request, reply) =>
    reply.send({
      configured: timeline !== undefined,
      intervalMs: timeline?.intervalMs ?? null,
      points: timeline?.points() ?? [],
    }),
  );
  app.get(`${prefix}/alerts`, read, async (_request, reply) =>
    reply.send({
      configured: alerts !== undefined,
      active: alerts?.active() ?? [],
      recent: alerts?.history() ?? [],
    }),
  );
  app.get(`${prefix}/rounds`, read, async (_request, reply) =>
    reply.send({ configured: rounds !== undefined, rounds: rounds?.list() ?? [] }),
  );
}
