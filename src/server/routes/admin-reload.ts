/**
 * `POST /admin/v1/config/reload` (scope `admin`). The file is checked as `serve` and `config validate`
 * check it; an invalid one is refused (400, every problem listed, the same messages) and the running
 * config kept. A valid one swaps in its models, and its `security` (client and admin keys: a removed key
 * fails from the next request on) and `flags` at once; sections read only at start (`server`, `alerts`,
 * `audit`, `state`) are listed in `restartRequired` when they changed. The answer comes after the audit
 * record is committed.
 * @packageDocumentation
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type GatewayContext, sendError } from '../context.js';
import { httpError, invalidRequest, scrubSecrets } from '../errors.js';

/** Registers the reload route at `path`. */
export function registerConfigReload(
  app: FastifyInstance,
  ctx: GatewayContext,
  path: string,
  guard: { preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> },
  actorOf: (request: FastifyRequest) => string,
): void {
  const emit = (actor: string, ok: boolean, detail: string) =>
    ctx.events.emit({
      type: 'admin.action',
      action: 'config.reload',
      target: null,
      actor,
      ok,
      detail,
      at: ctx.clock.wallNow(),
    });
  const notStored = () =>
    httpError(
      500,
      'api_error',
      'The config reload was done but its audit record could not be stored',
      'audit_unavailable',
    );

  app.post(path, guard, async (request, reply) => {
    const result = await ctx.backend.reload();
    const actor = actorOf(request);
    if (!result.ok) {
      const errors = result.errors.slice(0, 100).map(scrubSecrets);
      const stored = ctx.commitAudit({
        type: 'config.reload_rejected',
        actor,
        reason: 'invalid config; running config kept',
        data: { errors },
      });
      emit(actor, false, `rejected: ${errors.length} errors`);
      if (!stored) return sendError(reply, notStored());
      const err = invalidRequest(
        `The config was rejected and the running config kept: ${errors.slice(0, 5).join('; ')}`,
        null,
        'invalid_config',
      );
      return reply.code(400).send({ error: { ...err.body.error, errors } });
    }
    const applied = ['models'];
    if (result.settings) {
      ctx.auth.update(result.settings.security);
      ctx.flags.reconfigure(result.settings.flags);
      ctx.settings = { ...ctx.settings, security: result.settings.security, flags: result.settings.flags };
      applied.push('security', 'flags');
    }
    const restartRequired = [...(result.restartRequired ?? [])];
    const restartNote =
      restartRequired.length > 0 ? `; ${restartRequired.join(', ')} changed: restart to apply` : '';
    const stored = ctx.commitAudit({
      type: 'config.reloaded',
      actor,
      reason: `config reloaded (${result.models} models; applied: ${applied.join(', ')}${restartNote})`,
      data: { models: result.models, applied, restartRequired },
    });
    emit(actor, true, `${result.models} models${restartNote}`);
    if (!stored) return sendError(reply, notStored());
    return reply.send({ ok: true, models: result.models, applied, restartRequired });
  });
}
