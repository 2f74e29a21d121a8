/**
 * The admin API, under `/admin/v1`. Every route needs an admin key (`Authorization: Bearer <key>` or
 * `x-admin-key: <key>`) whose scope includes the route's (`read` < `operate` < `admin`). Every change is
 * audited with actor `admin:<key name>` and emitted on the event stream.
 *
 * | Method | Path | Scope | What it does |
 * |---|---|---|---|
 * | GET | `/admin/v1/breakers` | read | every breaker's state |
 * | POST | `/admin/v1/breakers/:model/isolate` | operate | force a model's breaker open until released |
 * | POST | `/admin/v1/breakers/:model/release` | operate | end an isolation |
 * | POST | `/admin/v1/breakers/:model/close` | operate | force a breaker closed, resetting its counts |
 * | GET | `/admin/v1/health` | read | detailed health of every model |
 * | GET | `/admin/v1/health/:model` | read | detailed health of one model |
 * | GET | `/admin/v1/health/:model/history` | read | a model's health status changes |
 * | GET | `/admin/v1/flags` | read | every feature flag |
 * | PUT | `/admin/v1/flags/:feature` | operate | set a flag: `{ "mode": "on" \| "off" \| "percent", "percent"?: 0..100 }` |
 * | DELETE | `/admin/v1/flags/:feature` | operate | drop the runtime override: back to the configured mode |
 * | POST | `/admin/v1/config/reload` | admin | reload the config file (see `admin-reload.ts`): refused like `serve` refuses it, or applied (keys and flags at once) |
 * | GET | `/admin/v1/audit?type=&actor=&sinceSeq=&limit=&order=&instance=` | read | query the audit log (several instances: every chain merged by time, or `instance=<id>`) |
 * | GET | `/admin/v1/audit/verify` | read | verify the audit hash chain (every instance's chain in the data dir) |
 * | GET | `/admin/v1/events?types=` | read | Server-Sent Events: live engine, flag, admin, alert and round events (see `admin-events.ts`) |
 * | GET | `/admin/v1/session`, `/timeline`, `/alerts`, `/rounds` | read | for operators' screens (see `admin-live.ts`) |
 *
 * An unknown model or feature answers 404 naming it.
 * @packageDocumentation
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { formatPath as formatIssuePath } from '../../config/config-error.js';
import type { AdminIdentity } from '../auth.js';
import { type GatewayContext, sendError } from '../context.js';
import { httpError, invalidRequest, truncate } from '../errors.js';
import { describeMode, FEATURES, type FlagMode, isFeatureName } from '../flags.js';
import type { AdminScope } from '../settings.js';
import { registerAdminEvents } from './admin-events.js';
import { registerAdminLiveRoutes } from './admin-live.js';
import { registerConfigReload } from './admin-reload.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin identity of an authenticated admin request. */
    hiveAdmin: AdminIdentity | null;
  }
}

const flagBodySchema = z
  .strictObject(
    {
      mode: z.enum(['on', 'off', 'percent'], { error: 'expected one of on, off, percent' }),
      percent: z.number({ error: 'expected a number from 0 to 100' }).min(0).max(100).optional(),
    },
    { error: 'expected a JSON object like {"mode":"percent","percent":25}' },
  )
  .superRefine((b, c) => {
    if (b.mode === 'percent' && b.percent === undefined)
      c.addIssue({ code: 'custom', path: ['percent'], message: 'required when mode is percent' });
    if (b.mode !== 'percent' && b.percent !== undefined)
      c.addIssue({ code: 'custom', path: ['percent'], message: 'only allowed when mode is percent' });
  });

const nonNegativeInt = /^\d{1,15}$/;

/** The answer when a change was applied but its audit record could not be stored. */
function notCommitted(what: string): ReturnType<typeof httpError> {
  return httpError(
    500,
    'api_error',
    `The change (${what}) was applied but its audit record could not be stored; check the audit log's storage`,
    'audit_unavailable',
  );
}

function notFound(what: string, name: string): ReturnType<typeof httpError> {
  return httpError(
    404,
    'not_found_error',
    `Unknown ${what} "${truncate(name, 200)}"`,
    `${what}_not_found`,
    what,
  );
}

/** Registers the admin API on `app` (prefix `/admin/v1`). */
export function registerAdminRoutes(app: FastifyInstance, ctx: GatewayContext): void {
  app.decorateRequest('hiveAdmin', null);
  const guard = (scope: AdminScope) => async (request: FastifyRequest, reply: FastifyReply) => {
    const r = ctx.auth.admin(request, scope);
    if (!r.ok) return sendError(reply, r.error);
    request.hiveAdmin = r.identity;
  };
  const actorOf = (request: FastifyRequest) => request.hiveAdmin?.actor ?? 'admin:unknown';
  /** Audits an admin action and commits the record; false when it could not be stored. */
  const act = (
    request: FastifyRequest,
    action: string,
    target: string | null,
    ok: boolean,
    detail: string,
  ): boolean => {
    const actor = actorOf(request);
    const committed = ctx.commitAudit({
      type: 'admin.action',
      actor,
      reason: detail,
      data: { action, target, ok, requestId: request.id },
    });
    ctx.events.emit({ type: 'admin.action', action, target, actor, ok, detail, at: ctx.clock.wallNow() });
    return committed;
  };
  const read = { preHandler: guard('read') };
  const operate = { preHandler: guard('operate') };
  const admin = { preHandler: guard('admin') };
  const P = '/admin/v1';

  app.get(`${P}/breakers`, read, async (_req, reply) =>
    reply.send({ breakers: ctx.backend.breakers.list() }),
  );

  for (const action of ['isolate', 'release', 'close'] as const) {
    app.post<{ Params: { model: string } }>(
      `${P}/breakers/:model/${action}`,
      operate,
      async (request, reply) => {
        const model = request.params.model;
        const ok = ctx.backend.breakers[action](model);
        if (!ok) return sendError(reply, notFound('model', model));
        if (!act(request, `breaker.${action}`, model, true, `breaker ${action} for ${model}`))
          return sendError(reply, notCommitted(`breaker ${action} for ${model}`));
        const state = ctx.backend.breakers.list().find((b) => b.model === model);
        return reply.send({ ok: true, model, action, breaker: state ?? null });
      },
    );
  }

  app.get(`${P}/health`, read, async (_req, reply) => reply.send({ models: ctx.backend.health.snapshot() }));
  app.get<{ Params: { model: string } }>(`${P}/health/:model`, read, async (request, reply) => {
    const h = ctx.backend.health.get(request.params.model);
    return h ? reply.send(h) : sendError(reply, notFound('model', request.params.model));
  });
  app.get<{ Params: { model: string } }>(`${P}/health/:model/history`, read, async (request, reply) => {
    const model = request.params.model;
    if (!ctx.backend.health.get(model)) return sendError(reply, notFound('model', model));
    return reply.send({ model, history: ctx.backend.health.history(model) });
  });

  app.get(`${P}/flags`, read, async (_req, reply) =>
    reply.send({
      flags: ctx.flags.list(),
      configured: ctx.flags.listConfigured(),
      overrides: ctx.flags.listOverrides(),
    }),
  );
  const unknownFeature = (feature: string) =>
    httpError(
      404,
      'not_found_error',
      `Unknown feature "${truncate(feature, 100)}"; expected one of ${FEATURES.join(', ')}`,
      'feature_not_found',
      'feature',
    );
  app.put<{ Params: { feature: string } }>(`${P}/flags/:feature`, operate, async (request, reply) => {
    const feature = request.params.feature;
    if (!isFeatureName(feature)) return sendError(reply, unknownFeature(feature));
    const parsed = flagBodySchema.safeParse(request.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return sendError(
        reply,
        invalidRequest(`${formatIssuePath(issue.path)}: ${issue.message}`, formatIssuePath(issue.path)),
      );
    }
    const mode: FlagMode =
      parsed.data.mode === 'percent'
        ? { mode: 'percent', percent: parsed.data.percent ?? 0 }
        : { mode: parsed.data.mode };
    const from = describeMode(ctx.flags.set(feature, mode));
    const to = describeMode(mode);
    const actor = actorOf(request);
    const committed = ctx.commitAudit({
      type: 'flag.changed',
      actor,
      reason: `flag ${feature}: ${from} -> ${to}`,
      data: { feature, from, to },
    });
    ctx.events.emit({ type: 'flag.changed', feature, from, to, actor, at: ctx.clock.wallNow() });
    if (!committed) return sendError(reply, notCommitted(`flag ${feature} ${to}`));
    return reply.send({ feature, from, to, flag: mode });
  });
  app.delete<{ Params: { feature: string } }>(`${P}/flags/:feature`, operate, async (request, reply) => {
    const feature = request.params.feature;
    if (!isFeatureName(feature)) return sendError(reply, unknownFeature(feature));
    const overridden = ctx.flags.listOverrides().includes(feature);
    let committed = true;
    const from = describeMode(ctx.flags.clear(feature));
    const flag = ctx.flags.get(feature);
    const to = describeMode(flag);
    if (overridden) {
      const actor = actorOf(request);
      committed = ctx.commitAudit({
        type: 'flag.cleared',
        actor,
        reason: `flag ${feature}: runtime override ${from} cleared, back to the configured ${to}`,
        data: { feature, from, to },
      });
      ctx.events.emit({ type: 'flag.changed', feature, from, to, actor, at: ctx.clock.wallNow() });
    }
    if (!committed) return sendError(reply, notCommitted(`flag ${feature} cleared`));
    return reply.send({ feature, from, to, flag, cleared: overridden });
  });

  registerConfigReload(app, ctx, `${P}/config/reload`, admin, actorOf);

  app.get<{ Querystring: Record<string, string | undefined> }>(`${P}/audit`, read, async (request, reply) => {
    const audit = ctx.audit;
    if (!audit)
      return sendError(
        reply,
        httpError(404, 'not_found_error', 'The audit log is not configured', 'audit_not_configured'),
      );
    const q = request.query;
    const filter: {
      type?: string;
      actor?: string;
      sinceSeq?: number;
      limit?: number;
      order?: 'asc' | 'desc';
      instance?: string;
    } = { instance: '*' };
    for (const key of ['type', 'actor', 'instance'] as const) {
      const v = q[key];
      if (v === undefined || v === '') continue;
      if (typeof v !== 'string')
        return sendError(reply, invalidRequest(`${key}: expected a single string`, key));
      filter[key] = v;
    }
    for (const key of ['sinceSeq', 'limit'] as const) {
      const v = q[key];
      if (v === undefined) continue;
      if (typeof v !== 'string' || !nonNegativeInt.test(v))
        return sendError(reply, invalidRequest(`${key}: expected a non-negative integer`, key));
      filter[key] = Number(v);
    }
    if (q.order !== undefined) {
      if (q.order !== 'asc' && q.order !== 'desc')
        return sendError(reply, invalidRequest('order: expected asc or desc', 'order'));
      filter.order = q.order;
    }
    try {
      return reply.send({ records: await audit.query(filter) });
    } catch (error) {
      if (error instanceof RangeError) return sendError(reply, invalidRequest(error.message));
      throw error;
    }
  });
  app.get(`${P}/audit/verify`, read, async (_req, reply) => {
    if (!ctx.audit)
      return sendError(
        reply,
        httpError(404, 'not_found_error', 'The audit log is not configured', 'audit_not_configured'),
      );
    return reply.send(await ctx.audit.verify());
  });

  registerAdminEvents(app, ctx, `${P}/events`, read);
  registerAdminLiveRoutes(app, ctx, P, read);
}
