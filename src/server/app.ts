/**
 * `createGatewayServer`: the Fastify app serving the OpenAI-compatible API, health, metrics and the admin API.
 * It does not listen; the caller does (`await app.listen({ host, port })`).
 * @packageDocumentation
 */

import { randomBytes } from 'node:crypto';
import fastifyCors from '@fastify/cors';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { type Logger, pino } from 'pino';
import { type Clock, systemClock } from '../core/clock.js';
import { EventEmitter } from '../core/event-emitter.js';
import { createTracing, type RequestTracing } from '../telemetry/tracing.js';
import { Authenticator } from './auth.js';
import type { GatewayBackend } from './backend.js';
import {
  type GatewayAuditLog,
  type GatewayContext,
  type GatewayEvent,
  type MetricsEndpoint,
  sendError,
} from './context.js';
import { httpError, invalidRequest, scrubSecrets } from './errors.js';
import { restoreFlagOverrides } from './flag-restore.js';
import { FeatureFlags } from './flags.js';
import type { LiveSources } from './live-sources.js';
import {
  accessLogRequest,
  jsonTooDeep,
  lingerAfterTooLarge,
  MAX_JSON_DEPTH,
  openAiClientErrorHandler,
} from './request-hygiene.js';
import { RequestLimiter } from './request-limiter.js';
import { lazyChildLoggerFactory } from './request-logger.js';
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

/** Log paths that may carry secrets; pino replaces them with `[redacted]`. */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-admin-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-admin-key"]',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key',
  'authorization',
  '*.authorization',
];

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** 80 random bits per process (20 hex digits), so ids are not guessable across processes. */
const ID_PREFIX = `req_${randomBytes(10).toString('hex')}`;
/** 48-bit counter (12 hex digits) after the prefix: ids stay unique within the process. */
const ID_COUNTER_LIMIT = 2 ** 48;
let idCounter = 0;

/** A new id: `req_` + 32 hex digits (the per-process random prefix, then the counter). */
function nextRequestId(): string {
  idCounter = (idCounter + 1) % ID_COUNTER_LIMIT;
  return ID_PREFIX + idCounter.toString(16).padStart(12, '0');
}

/** Accepts a client's `x-request-id` when it is short and plain, else generates one. */
export function requestIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_REQUEST_ID.test(header) ? header : nextRequestId();
}

function makeLogger(option: Logger | false | undefined, level: string): Logger {
  const redact = { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' };
  // The access log's request line, with credential-like query parameters redacted.
  const serializers = { req: accessLogRequest };
  if (option === false) return pino({ level: 'silent' });
  if (option) return option.child({}, { redact, serializers });
  return pino({ level, redact, serializers });
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

/** Bytes of an oversized body discarded after its 413 before the connection is closed. */
function drainCap(bodyLimit: number): number {
  return Math.max(16 * 1024 * 1024, 4 * bodyLimit);
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
  const logger = makeLogger(options.logger, settings.server.logLevel);
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
    childLoggerFactory: lazyChildLoggerFactory,
    genReqId: (req) => requestIdFor(req.headers['x-request-id']),
    frameworkErrors: (error, _request, reply) => {
      sendError(reply, invalidRequest(`Malformed request: ${error.message}`, null, 'bad_request'));
    },
  }) as unknown as FastifyInstance;
  app.removeContentTypeParser('text/plain');
  // Fastify's own JSON parser (prototype and constructor poisoning refused), except that a body-less
  // DELETE sent with `content-type: application/json` (a common curl habit) is not an error.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && request.method === 'DELETE') {
      done(null, undefined);
      return;
    }
    // Checked before parsing: a body nested thousands deep would overflow the stack later (stringify).
    if (jsonTooDeep(body as string)) {
      done(
        Object.assign(new Error(`nested more than ${MAX_JSON_DEPTH} levels`), { code: 'HIVE_JSON_DEPTH' }),
      );
      return;
    }
    parseJson(request, body as string, done);
  });

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

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendError(
      reply,
      httpError(
        404,
        'not_found_error',
        `Unknown route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`,
        'not_found',
      ),
    ),
  );
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      lingerAfterTooLarge(request, reply, drainCap(settings.server.bodyLimitBytes));
    const mapped = mapFrameworkError(error, settings.server.bodyLimitBytes);
    if (mapped) return sendError(reply, mapped);
    request.log.error(
      { err: { type: error.name, message: scrubSecrets(String(error.message)) } },
      'request failed',
    );
    return sendError(
      reply,
      httpError(500, 'api_error', 'The gateway failed to handle this request', 'internal_error'),
    );
  });

  registerPublicRoutes(app, ctx);
  registerChatRoutes(app, ctx);
  registerEmbeddingsRoutes(app, ctx);
  registerAdminRoutes(app, ctx);
  registerDashboard(app);
  await app.ready();
  return app;
}

/** Maps Fastify's own 4xx errors (body parsing, size, content type) to OpenAI-shaped errors. */
function mapFrameworkError(error: FastifyError, bodyLimit: number): ReturnType<typeof httpError> | undefined {
  const status = typeof error.statusCode === 'number' ? error.statusCode : 0;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return httpError(
        413,
        'invalid_request_error',
        `The request body is larger than the limit of ${bodyLimit} bytes`,
        'request_too_large',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return httpError(
        415,
        'invalid_request_error',
        'Unsupported content type: send the body as application/json',
        'unsupported_media_type',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidRequest('The request body is empty: expected a JSON object', null, 'invalid_json');
    case 'HIVE_JSON_DEPTH':
      return invalidRequest(
        `The request body is nested more than ${MAX_JSON_DEPTH} levels deep`,
        null,
        'invalid_json',
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalidRequest('The request body is not valid JSON', null, 'invalid_json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidRequest(
        'The content-length header does not match the body',
        null,
        'invalid_content_length',
      );
  }
  if (error instanceof SyntaxError || (status === 400 && /json/i.test(error.message))) {
    // Never echo the body: JSON.parse messages quote a snippet of it.
    const at = /position (\d+)/.exec(error.message);
    const where = at ? ` (at position ${at[1]})` : '';
    return invalidRequest(`The request body is not valid JSON${where}`, null, 'invalid_json');
  }
  if (status >= 400 && status < 500) {
    const type =
      status === 401
        ? 'authentication_error'
        : status === 403
          ? 'permission_error'
          : status === 404
            ? 'not_found_error'
            : status === 429
              ? 'rate_limit_error'
              : 'invalid_request_error';
    return httpError(status, type, error.message.slice(0, 300), 'invalid_request');
  }
  return undefined;
}
