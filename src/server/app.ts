/**
 * `createGatewayServer`: the Fastify app serving the OpenAI-compatible API, health, metrics and the admin API.
 * It does not listen; the caller does (`await app.listen({ host, port })`).
 * Body parsing is in `json-body-parser.ts`, error answers in `error-handlers.ts`, the logger in
 * `gateway-logger.ts`, request ids in `request-id.ts`.
 * @packageDocumentation
 */

import fastifyCors from '@fastify/cors';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Logger } from 'pino';
import { type Clock, systemClock } from '../core/clock.js';
import { EventEmitter } from '../core/event-emitter.js';
import { createTracing, type RequestTracing } from '../telemetry/tracing.js';
import { Authenticator } from './auth.js';
import type { GatewayBackend } from './backend.js';
import type { GatewayAuditLog, GatewayContext, GatewayEvent, MetricsEndpoint } from './context.js';
import { answerMalformedRequest, setErrorHandlers } from './error-handlers.js';
import { restoreFlagOverrides } from './flag-restore.js';
import { FeatureFlags } from './flags.js';
import { makeLogger } from './gateway-logger.js';
import { useJsonBodyParser } from './json-body-parser.js';
import type { LiveSources } from './live-sources.js';
import { openAiClientErrorHandler } from './request-hygiene.js';
import { requestIdFor } from './request-id.js';
import { RequestLimiter } from './request-limiter.js';
import { withLazyChildren } from './request-logger.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerChatRoutes } from './routes/chat.js';
import { registerDashboard } from './routes/dashboard.js';
import { registerEmbeddingsRoutes } from './routes/embeddings.js';
import { registerPublicRoutes } from './routes/public.js';
import { type GatewaySettings, gatewaySettings } from './settings.js';

/** Options of {@link createGatewayServer}. */
export interface GatewayServerOptions {
  /** The running system (engine, registry, breakers, health). */
  readonly backend: GatewayBackend;
  /** Compiled settings (see `parseGatewaySettings`); defaults apply when omitted. */
  readonly settings?: GatewaySettings;
  /** Audit log for admin actions and flag changes (and the audit admin routes). */
  readonly audit?: GatewayAuditLog;
  /**
   * A pino logger (a child with secret redaction is derived from it), or `false` for no logs. Default: a
   * pino JSON logger on stdout at `server.logLevel`.
   */
  readonly logger?: Logger | false;
  /** The `GET /metrics` source (Prometheus text). Without it `/metrics` answers 404. */
  readonly metrics?: MetricsEndpoint;
  /** Time source for rate limiting and heartbeats (default: the system clock). */
  readonly clock?: Clock;
  /** Request spans (default: OpenTelemetry's global provider, a no-op without an SDK). */
  readonly tracing?: RequestTracing;
  /** Called with every gateway event (flag change, admin action), e.g. for alerting. */
  readonly onEvent?: (event: GatewayEvent) => void;
  /**
   * The live flag table (default: one built from `settings.flags`). Pass one to change flags from outside
   * the admin API, e.g. overrides shared by several instances.
   */
  readonly flags?: FeatureFlags;
  /** Request timeline, alerts and voting rounds for the admin API, its event stream and the dashboard. */
  readonly sources?: LiveSources;
}

/**
 * Fastify's `trustProxy` for our setting: a hop count becomes "trust the `n` nearest hops" (proxy-addr's
 * rule for a number); a list of addresses is passed as is.
 */
function trustProxyOption(
  trust: GatewaySettings['server']['trustProxy'],
): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust === false ? false : [...trust];
}

const EXPOSED = 'x-request-id, x-hive-model, x-hive-attempts, x-hive-fallback, retry-after';
const ALLOWED_HEADERS =
  'authorization, content-type, x-admin-key, x-api-key, x-request-id, x-hive-capabilities, x-hive-request-key';

/**
 * The HTTP layer only: the Fastify app over a {@link GatewayBackend}, routes registered, not listening.
 * Tests and embedders call it with their own backend; `startGateway` (src/gateway) is the one that loads a
 * config, builds the engine, audit, metrics and alerts, calls this and listens.
 */
export async function createGatewayServer(options: GatewayServerOptions): Promise<FastifyInstance> {
  const settings = options.settings ?? gatewaySettings({});
  const clock = options.clock ?? systemClock;
  const logger = withLazyChildren(makeLogger(options.logger, settings.server.logLevel));
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: settings.server.bodyLimitBytes,
    trustProxy: trustProxyOption(settings.server.trustProxy),
    // Node drops a request whose headers and body do not arrive in time (408, in OpenAI shape below).
    requestTimeout: settings.server.bodyTimeoutMs,
    http: {
      headersTimeout: Math.min(settings.server.headersTimeoutMs, settings.server.bodyTimeoutMs),
      connectionsCheckingInterval: Math.max(
        50,
        Math.min(1_000, Math.floor(settings.server.bodyTimeoutMs / 4)),
      ),
    },
    clientErrorHandler: openAiClientErrorHandler,
    logController: new LogController({
      disableRequestLogging: !settings.server.accessLog,
      requestIdLogLabel: 'requestId',
    }),
    requestIdHeader: false,
    genReqId: (req) => requestIdFor(req.headers['x-request-id']),
    frameworkErrors: answerMalformedRequest,
  }) as unknown as FastifyInstance;
  useJsonBodyParser(app);

  const events = new EventEmitter<GatewayEvent>((error) =>
    app.log.warn({ err: error }, 'gateway event listener failed'),
  );
  if (options.onEvent) events.on(options.onEvent);
  const audit = options.audit;
  const ctx: GatewayContext = {
    backend: options.backend,
    settings,
    flags: options.flags ?? new FeatureFlags(settings.flags),
    auth: new Authenticator(settings.security, clock, (kind, ip, reason) => {
      if (kind === 'admin') ctx.recordAudit({ type: 'admin.auth_failed', actor: `ip:${ip}`, reason });
    }),
    limiter: settings.server.rateLimit ? new RequestLimiter(settings.server.rateLimit, clock) : undefined,
    audit,
    metrics: options.metrics,
    sources: options.sources ?? {},
    tracing: options.tracing ?? createTracing(),
    events,
    clock,
    log: app.log,
    recordAudit(input) {
      if (!audit) return;
      try {
        audit.append(input);
      } catch (error) {
        app.log.error({ err: error, auditType: input.type }, 'audit append failed');
      }
    },
    commitAudit(input) {
      if (!audit) return true;
      try {
        audit.append(input);
        return audit.commit ? audit.commit() : true;
      } catch (error) {
        app.log.error({ err: error, auditType: input.type }, 'audit append failed');
        return false;
      }
    },
  };

  restoreFlagOverrides(ctx.flags, audit, (input) => ctx.recordAudit(input), app.log);

  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  const cors = settings.server.cors;
  if (cors) {
    // @fastify/cors (measured as fast as the hook it replaced: docs/benchmarks.md). Preflights are answered
    // in its onRequest hook, before authentication; a disallowed origin gets no allow-origin header.
    await app.register(fastifyCors, {
      origin: cors.origins === '*' ? (cors.credentials ? true : '*') : [...cors.origins],
      credentials: cors.credentials,
      exposedHeaders: EXPOSED,
      methods: ['GET', 'POST', 'PUT', 'OPTIONS'],
      allowedHeaders: ALLOWED_HEADERS,
      maxAge: Math.max(0, cors.maxAgeSeconds),
      strictPreflight: true,
    });
  }

  setErrorHandlers(app, settings.server.bodyLimitBytes);

  registerPublicRoutes(app, ctx);
  registerChatRoutes(app, ctx);
  registerEmbeddingsRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerDashboard(app);
  await app.ready();
  return app;
}
