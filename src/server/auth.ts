/**
 * Client and admin key authentication. Keys are stored as sha256 digests; a presented key is hashed once
 * and compared with every configured digest using `timingSafeEqual` (no early exit). Failed attempts are
 * counted per IP and answered with 429 once over the limit.
 * @packageDocumentation
 */
import { timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { DataRestriction } from '../engine/types.js';
import { AuthFailureLimiter } from './auth-failures.js';
import { type HttpError, httpError, missingKey, tooManyRequests } from './errors.js';
import {
  ADMIN_SCOPES,
  type AdminKey,
  type AdminScope,
  type ClientKey,
  type GatewaySettings,
  type HashedKey,
  hashKey,
} from './settings.js';

/** The parts of a request authentication looks at. */
export interface AuthRequest {
  readonly ip: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** An authenticated admin. */
export interface AdminIdentity {
  readonly name: string;
  readonly scope: AdminScope;
  /** `admin:<key name>`, the audit actor. */
  readonly actor: string;
}

/** An authenticated (or anonymous, when no client key is configured) inference caller. */
export interface ClientIdentity {
  /** Key name, or undefined when client keys are not configured. */
  readonly name: string | undefined;
  readonly restriction: DataRestriction | undefined;
}

/** Result of an authentication check. */
export type AuthResult<T> =
  | { readonly ok: true; readonly identity: T }
  | { readonly ok: false; readonly error: HttpError };

/** True when scope `have` includes `need` (`read` < `operate` < `admin`). */
export function scopeIncludes(have: AdminScope, need: AdminScope): boolean {
  return ADMIN_SCOPES.indexOf(have) >= ADMIN_SCOPES.indexOf(need);
}

/** Finds the key whose digest matches `presented`, comparing against every key in constant time. */
export function matchKey<K extends HashedKey>(keys: readonly K[], presented: string): K | undefined {
  const digest = hashKey(presented);
  let found: K | undefined;
  for (const k of keys) {
    if (timingSafeEqual(k.digest, digest) && found === undefined) found = k;
  }
  return found;
}

function header(headers: AuthRequest['headers'], name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
}

function bearer(headers: AuthRequest['headers']): string | undefined {
  const auth = header(headers, 'authorization');
  if (!auth) return undefined;
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(auth);
  return m ? m[1] : undefined;
}

/** The answer when no client key is configured (one shared object; nothing allocated per request). */
const ANONYMOUS: AuthResult<ClientIdentity> = Object.freeze({
  ok: true,
  identity: Object.freeze({ name: undefined, restriction: undefined }),
});

function restrictionsOf(security: GatewaySettings['security']): Map<string, DataRestriction> {
  const restrictions = new Map<string, DataRestriction>();
  for (const k of security.clientKeys) {
    if (!k.allowModels && !k.allowProviders) continue;
    const r: { models?: ReadonlySet<string>; providers?: ReadonlySet<string> } = {};
    if (k.allowModels) r.models = new Set(k.allowModels);
    if (k.allowProviders) r.providers = new Set(k.allowProviders);
    restrictions.set(k.name, r);
  }
  return restrictions;
}

/** Verifies client and admin keys for the routes. */
export class Authenticator {
  private limiter: AuthFailureLimiter;
  private restrictions = new Map<string, DataRestriction>();

  constructor(
    private security: GatewaySettings['security'],
    private readonly clock: Clock,
    /** Called on every rejected key (never with the key itself). */
    private readonly onRejected: (kind: 'admin' | 'client', ip: string, reason: string) => void = () => {},
  ) {
    this.limiter = new AuthFailureLimiter(security.authFailures, clock);
    this.restrictions = restrictionsOf(security);
  }

  /**
   * Switches to new keys (a config reload): a removed key fails from the next request on. The failed-attempt
   * counts are kept unless the `authFailures` limits changed.
   */
  update(security: GatewaySettings['security']): void {
    const limits = this.security.authFailures;
    const next = security.authFailures;
    if (limits.max !== next.max || limits.windowMs !== next.windowMs || limits.trackedIps !== next.trackedIps)
      this.limiter = new AuthFailureLimiter(next, this.clock);
    this.restrictions = restrictionsOf(security);
    this.security = security;
  }

  /** True when the inference API requires a client key. */
  get clientKeysRequired(): boolean {
    return this.security.clientKeys.length > 0;
  }

  /** Authenticates an admin key (`Authorization: Bearer` or `x-admin-key`) needing scope `need`. */
  admin(req: AuthRequest, need: AdminScope): AuthResult<AdminIdentity> {
    const blocked = this.blocked(req.ip);
    if (blocked) return blocked;
    const presented = header(req.headers, 'x-admin-key') ?? bearer(req.headers);
    if (!presented) {
      return this.fail(
        missingKey('An admin key is required: send "Authorization: Bearer <key>" or "x-admin-key: <key>"'),
      );
    }
    const key: AdminKey | undefined = matchKey(this.security.adminKeys, presented);
    if (!key) return this.reject('admin', req.ip, 'invalid admin key');
    if (!scopeIncludes(key.scope, need)) {
      return this.fail(
        httpError(
          403,
          'permission_error',
          `The admin key "${key.name}" has scope "${key.scope}"; this route needs "${need}"`,
          'insufficient_scope',
        ),
      );
    }
    return { ok: true, identity: { name: key.name, scope: key.scope, actor: `admin:${key.name}` } };
  }

  /** Authenticates an inference caller (`Authorization: Bearer` or `x-api-key`) when client keys are configured. */
  client(req: AuthRequest): AuthResult<ClientIdentity> {
    if (this.security.clientKeys.length === 0) return ANONYMOUS;
    const blocked = this.blocked(req.ip);
    if (blocked) return blocked;
    const presented = bearer(req.headers) ?? header(req.headers, 'x-api-key');
    if (!presented) {
      return this.fail(missingKey('An API key is required: send "Authorization: Bearer <key>"'));
    }
    const key: ClientKey | undefined = matchKey(this.security.clientKeys, presented);
    if (!key) return this.reject('client', req.ip, 'invalid API key');
    return { ok: true, identity: { name: key.name, restriction: this.restrictions.get(key.name) } };
  }

  private blocked(ip: string): { ok: false; error: HttpError } | undefined {
    const ms = this.limiter.blockedForMs(ip);
    if (ms <= 0) return undefined;
    return this.fail(
      tooManyRequests(ms, (s) => `Too many failed key attempts from this address; retry in ${s} s`),
    );
  }

  private reject(kind: 'admin' | 'client', ip: string, reason: string): { ok: false; error: HttpError } {
    this.limiter.recordFailure(ip);
    this.onRejected(kind, ip, reason);
    return this.fail(
      httpError(
        401,
        'authentication_error',
        `Incorrect ${kind === 'admin' ? 'admin' : 'API'} key provided`,
        'invalid_api_key',
      ),
    );
  }

  private fail(error: HttpError): { ok: false; error: HttpError } {
    return { ok: false, error };
  }
}
