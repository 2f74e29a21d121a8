/**
 * `GET /admin/v1/events` (scope `read`): a Server-Sent Events stream of live engine events plus the
 * gateway's flag and admin events, one JSON object per `data:` line with an increasing `id:`. A comment
 * heartbeat (`: heartbeat`) keeps proxies from closing the connection. Events for a client that does not
 * read are dropped (counted in the next `: dropped N` comment) rather than buffered without bound
 * (`server.eventStreams.bufferBytes` per subscriber). Subscribers are capped in total and per admin key
 * (`server.eventStreams.max`, `.perKey`); one more is answered 429 `too_many_event_streams`.
 * `?types=breaker.state_changed,request.fallback` keeps only the listed event types (a dashboard that reads
 * per-model figures from the JSON API need not receive every finished request).
 * @packageDocumentation
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { TimerHandle } from '../../core/clock.js';
import { type GatewayContext, type LiveEvent, sendError } from '../context.js';
import { httpError } from '../errors.js';

/** Registers the admin event stream; open streams are ended when the app closes. */
export function registerAdminEvents(
  app: FastifyInstance,
  ctx: GatewayContext,
  path: string,
  guard: { preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown> },
): void {
  const open = new Set<() => void>();
  const caps = ctx.settings.server.eventStreams;
  const MAX_BUFFERED_BYTES = caps.bufferBytes;
  const perKey = new Map<string, number>();
  const tooMany = (why: string) =>
    httpError(429, 'rate_limit_error', `Too many open event streams ${why}`, 'too_many_event_streams');
  app.addHook('preClose', (done) => {
    for (const end of [...open]) end();
    done();
  });

  app.get(path, { preHandler: guard.preHandler as preHandlerHookHandler }, (request, reply) => {
    const key = request.hiveAdmin?.name ?? '';
    const mine = perKey.get(key) ?? 0;
    if (open.size >= caps.max) return sendError(reply, tooMany(`(at most ${caps.max} in total)`));
    if (mine >= caps.perKey) return sendError(reply, tooMany(`for this admin key (at most ${caps.perKey})`));
    perKey.set(key, mine + 1);
    const headers: Record<string, string | number | string[]> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = v;
    const only = typeFilter((request.query as { types?: unknown }).types);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write(': connected\nretry: 3000\n\n');

    let seq = 0;
    let dropped = 0;
    const write = (event: LiveEvent) => {
      if (raw.writableEnded || raw.destroyed || (only !== undefined && !only.has(event.type))) return;
      if (raw.writableLength > MAX_BUFFERED_BYTES) {
        dropped++;
        return;
      }
      let text = '';
      if (dropped > 0) {
        text = `: dropped ${dropped}\n\n`;
        dropped = 0;
      }
      raw.write(`${text}id: ${++seq}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    const subscriptions = [ctx.backend.events.on(write), ctx.events.on(write)];
    let timer: TimerHandle | undefined;
    const beat = () => {
      if (raw.writableEnded || raw.destroyed) return;
      if (raw.writableLength <= MAX_BUFFERED_BYTES) raw.write(': heartbeat\n\n');
      timer = ctx.clock.setTimer(beat, ctx.settings.server.sseHeartbeatMs);
    };
    timer = ctx.clock.setTimer(beat, ctx.settings.server.sseHeartbeatMs);

    let ended = false;
    const cleanup = () => {
      if (ended) return;
      ended = true;
      for (const s of subscriptions) s.dispose();
      if (timer !== undefined) ctx.clock.clearTimer(timer);
      open.delete(end);
      const left = (perKey.get(key) ?? 1) - 1;
      if (left > 0) perKey.set(key, left);
      else perKey.delete(key);
    };
    const end = () => {
      cleanup();
      if (!raw.writableEnded) raw.end();
    };
    open.add(end);
    raw.once('close', cleanup);
    request.raw.once('error', cleanup);
  });
}

/** The set of event types a `?types=a,b` query keeps, or undefined to keep every event. */
function typeFilter(value: unknown): ReadonlySet<string> | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  return new Set(
    value
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t !== ''),
  );
}
