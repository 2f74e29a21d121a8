/**
 * What the route modules share: the backend, compiled settings, flags, authentication, the audit log and
 * the gateway's own live events (flag changes and admin actions, merged with engine events on the admin
 * event stream).
 * @packageDocumentation
 */
import type { ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyReply } from 'fastify';
import type { AuditQuery } from '../audit/audit-log.js';
import type { AuditInput } from '../audit/audit-record.js';
import { CancelSource } from '../core/cancel-signal.js';
import type { Clock } from '../core/clock.js';
import type { EventEmitter } from '../core/event-emitter.js';
import type { EngineEvent } from '../engine/events.js';
import type { GenAiOperation } from '../telemetry/genai-metrics.js';
import type { RequestTracing } from '../telemetry/tracing.js';
import type { Authenticator, AuthRequest, AuthResult, ClientIdentity } from './auth.js';
import type { GatewayBackend } from './backend.js';
import { type HttpError, tooManyRequests } from './errors.js';
import type { FeatureFlags } from './flags.js';
import type { AlertNoticeView, LiveSources, RoundView } from './live-sources.js';
import type { RequestLimiter } from './request-limiter.js';
import type { GatewaySettings } from './settings.js';

/**
 * The audit log as the gateway uses it (structurally compatible with `src/audit`'s `AuditLog`).
 * `query` may throw a `RangeError` for a bad filter (answered with 400).
 */
export interface GatewayAuditLog {
  append(input: AuditInput): void;
  /** Stores every appended record now; true when all are stored (see `AuditLog.commit`). */
  commit?(): boolean;
  query(filter?: AuditQuery): unknown;
  verify(): unknown;
}

/** The hook for `GET /metrics` (the telemetry layer supplies it). */
export interface MetricsEndpoint {
  readonly contentType: string;
  render(): Promise<string>;
  /** Records one finished GenAI operation (tokens, cost, duration), when these metrics take them. */
  recordOperation?(operation: GenAiOperation): void;
}

/** A flag changed (admin API). */
export interface FlagChangedEvent {
  readonly type: 'flag.changed';
  readonly feature: string;
  readonly from: string;
  readonly to: string;
  readonly actor: string;
  readonly at: number;
}

/** An operator acted through the admin API. */
export interface AdminActionEvent {
  readonly type: 'admin.action';
  /** e.g. `breaker.isolate`, `config.reload`. */
  readonly action: string;
  readonly target: string | null;
  readonly actor: string;
  readonly ok: boolean;
  readonly detail: string;
  readonly at: number;
}

/** An alert started firing, escalated or resolved (forwarded from the alerting layer). */
export interface AlertNotifiedEvent extends AlertNoticeView {
  readonly type: 'alert.notified';
}

/** A voting round running in this process changed (a voter's status, an extension, its end). */
export interface RoundUpdatedEvent {
  readonly type: 'round.updated';
  readonly round: RoundView;
  readonly at: number;
}

/** Events the gateway itself emits. */
export type GatewayEvent = FlagChangedEvent | AdminActionEvent | AlertNotifiedEvent | RoundUpdatedEvent;

/** Everything the admin event stream carries. */
export type LiveEvent = EngineEvent | GatewayEvent;

/** Shared state of one gateway instance. */
export interface GatewayContext {
  readonly backend: GatewayBackend;
  /** The settings in force (`security` and `flags` change with a config reload). */
  settings: GatewaySettings;
  readonly flags: FeatureFlags;
  readonly auth: Authenticator;
  /** Per-caller inference rate limit, when configured. */
  readonly limiter: RequestLimiter | undefined;
  readonly audit: GatewayAuditLog | undefined;
  readonly metrics: MetricsEndpoint | undefined;
  /** Timeline, alerts and voting rounds, when the composition root provides them. */
  readonly sources: LiveSources;
  /** Request spans (no-op unless an OpenTelemetry SDK is registered). */
  readonly tracing: RequestTracing;
  readonly events: EventEmitter<GatewayEvent>;
  readonly clock: Clock;
  readonly log: FastifyBaseLogger;
  /** Appends to the audit log; a failing audit log is logged, never thrown to the caller. */
  recordAudit(input: AuditInput): void;
  /**
   * Appends and commits: resolves true once the record is stored (false when the log could not store it).
   * An admin write is acknowledged only after this, so nothing acknowledged is lost to a crash.
   */
  commitAudit(input: AuditInput): boolean;
}

/** Sends an OpenAI-shaped error. */
export function sendError(reply: FastifyReply, error: HttpError): FastifyReply {
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.code(error.status).type('application/json; charset=utf-8').send(error.body);
}

/**
 * A cancel source that fires when the client goes away before its reply finished (so the upstream calls
 * stop), and `release` to stop watching once the engine has answered. No AbortController per request.
 * A stream handed to {@link ClientClose.closes} is closed by the same listener when the client goes away.
 */
export function cancelOnClientClose(raw: ServerResponse): ClientClose {
  return new ClientClose(raw);
}

/** What {@link cancelOnClientClose} returns: one `close` listener per request. */
export class ClientClose {
  /** Fires when the client goes away before its reply finished. */
  readonly abort = new CancelSource();
  private stream: { close(): void } | undefined;
  private readonly onClose = (): void => {
    if (!this.raw.writableFinished) this.abort.abort();
    this.stream?.close();
  };

  constructor(private readonly raw: ServerResponse) {
    // `on`, not `once`: a response emits `close` once, and `once` allocates a wrapper per request.
    raw.on('close', this.onClose);
  }

  /** Stops watching the client (the engine answered and nothing is left to cancel). */
  readonly release = (): void => {
    this.raw.off('close', this.onClose);
  };

  /** Closes `stream` too when the response closes (a client that goes away mid-stream). */
  closes(stream: { close(): void }): void {
    this.stream = stream;
  }
}

/** Applies the inference rate limit to `caller`; returns the 429 to send, or undefined when allowed. */
function rateLimited(ctx: GatewayContext, caller: string): HttpError | undefined {
  if (!ctx.limiter) return undefined;
  const waitMs = ctx.limiter.take(caller);
  if (waitMs === 0) return undefined;
  return tooManyRequests(waitMs, (s) => `Rate limit reached for this caller; retry in ${s} s`);
}

/**
 * The gate in front of the client routes: authenticates the client key, then applies the rate limit to
 * the key (or, without client keys, to the caller's IP). Returns the identity, or the error to send.
 */
export function admitClient(ctx: GatewayContext, request: AuthRequest): AuthResult<ClientIdentity> {
  const auth = ctx.auth.client(request);
  if (!auth.ok || !ctx.limiter) return auth;
  const limited = rateLimited(
    ctx,
    auth.identity.name !== undefined ? `key:${auth.identity.name}` : `ip:${request.ip}`,
  );
  return limited ? { ok: false, error: limited } : auth;
}
