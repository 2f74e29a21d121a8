/**
 * Zod schemas for the config sections the gateway owns (`server`, `security`, `flags`) and their
 * compilation into {@link GatewaySettings}: client and admin keys are hashed at load and the plaintext is
 * dropped, so no secret lives in the running settings.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { formatPath as formatIssuePath } from '../config/config-error.js';
import { FEATURES, type FeatureName, type FlagMode } from './flags.js';

const nameSchema = z.string().min(1, { error: 'expected a non-empty name' });
const sha256Hex = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, { error: 'expected a sha256 hex digest (64 hex characters)' })
  .transform((s) => s.toLowerCase());

/** `server` section. */
export const serverSettingsSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(0).max(65535).default(8080),
  /** Largest accepted request body in bytes (default 1 MiB). */
  bodyLimitBytes: z.int().positive().default(1_048_576),
  /** Overall deadline for one inference request in ms (passed to the engine). */
  requestTimeoutMs: z.int().positive().default(120_000),
  /**
   * Behind reverse proxies: `false` (default; the socket's address is the client), the number of proxies
   * in front of the gateway (the client is that many hops from the right of `x-forwarded-for`), or the
   * proxies' addresses/CIDR ranges (`x-forwarded-for` is read only from them). `true` is refused: it would
   * take the leftmost address a client wrote itself, letting it dodge the auth lockout and forge `ip:` actors.
   */
  trustProxy: z
    .union([
      z.boolean(),
      z.int().min(0),
      z.array(z.string().min(1)).min(1, { error: 'expected at least one proxy address' }),
    ])
    .default(false)
    .superRefine((value, c) => {
      if (value === true)
        c.addIssue({
          code: 'custom',
          message:
            'true would trust any x-forwarded-for a client writes itself (it could dodge the auth lockout and forge its audited address); give the number of proxies in front of the gateway (e.g. 1) or their addresses',
        });
    })
    .transform((value) => (value === true ? false : value) as false | number | string[]),
  /**
   * Time allowed to receive a whole request, headers and body, in ms (default 30 s); a client that
   * trickles its body longer gets a 408 and its connection is closed.
   */
  bodyTimeoutMs: z.int().positive().default(30_000),
  /** Time allowed to receive a request's headers, in ms (default 20 s; at most `bodyTimeoutMs`). */
  headersTimeoutMs: z.int().positive().default(20_000),
  /** Most open admin event streams (`/admin/v1/events`) at once, and per admin key. */
  eventStreams: z
    .strictObject({
      max: z.int().positive().default(64),
      perKey: z.int().positive().default(8),
      /** Bytes buffered for one slow subscriber before its events are dropped. */
      bufferBytes: z.int().positive().default(1_048_576),
    })
    .default({ max: 64, perKey: 8, bufferBytes: 1_048_576 }),
  /** Log every request (pino access lines). */
  accessLog: z.boolean().default(true),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Heartbeat comment interval of the admin event stream, in ms. */
  sseHeartbeatMs: z.int().positive().default(15_000),
  /** Per-caller request rate limit for `/v1/*` (per client key, or per IP without client keys); off when absent. */
  rateLimit: z
    .strictObject({
      requestsPerMinute: z.int().positive(),
      burst: z.int().positive().optional(),
      trackedClients: z.int().positive().default(10_000),
    })
    .optional(),
  /** CORS is off unless configured. */
  cors: z
    .strictObject({
      origins: z.union([z.literal('*'), z.array(z.string().min(1)).min(1)]),
      credentials: z.boolean().default(false),
      maxAgeSeconds: z.int().nonnegative().default(600),
    })
    .optional(),
});

const keyFields = {
  name: nameSchema,
  /** The key itself (usually `${ENV_VAR}`); hashed at load and dropped. */
  key: z.string().min(8, { error: 'expected a key of at least 8 characters' }).optional(),
  /** sha256 hex digest of the key. */
  keyHash: sha256Hex.optional(),
};
const exactlyOneKey = (k: { key?: string; keyHash?: string }) =>
  (k.key === undefined) !== (k.keyHash === undefined);
const oneKeyError = { error: 'expected exactly one of key or keyHash', path: ['key'] };

/** Admin key scopes, lowest first: a higher scope includes the lower ones. */
export const ADMIN_SCOPES = ['read', 'operate', 'admin'] as const;
/** An admin key scope. */
export type AdminScope = (typeof ADMIN_SCOPES)[number];

/** `security` section. */
export const securitySettingsSchema = z.strictObject({
  /** When any is configured, the inference API requires `Authorization: Bearer <client key>`. */
  clientKeys: z
    .array(
      z
        .strictObject({
          ...keyFields,
          allowModels: z.array(nameSchema).optional(),
          allowProviders: z.array(nameSchema).optional(),
        })
        .refine(exactlyOneKey, oneKeyError),
    )
    .default([]),
  adminKeys: z
    .array(
      z
        .strictObject({
          ...keyFields,
          scope: z.enum(ADMIN_SCOPES, { error: 'expected one of read, operate, admin' }),
        })
        .refine(exactlyOneKey, oneKeyError),
    )
    .default([]),
  /** Failed key attempts allowed per client IP in a window before answering 429. */
  authFailures: z
    .strictObject({
      max: z.int().positive().default(10),
      windowMs: z.int().positive().default(60_000),
      trackedIps: z.int().positive().default(10_000),
    })
    .default({ max: 10, windowMs: 60_000, trackedIps: 10_000 }),
  /** `public`: anyone may scrape `/metrics`; `protected`: an admin key with `read` scope is needed. */
  metrics: z.enum(['public', 'protected']).default('public'),
});

const modeSchema = z.union([
  z.enum(['on', 'off']),
  z.boolean(),
  z.number().min(0).max(100),
  z.string().regex(/^\d{1,3}(\.\d+)?%$/, { error: 'expected on, off, or a percentage like "25%"' }),
  z.strictObject({ mode: z.enum(['on', 'off', 'percent']), percent: z.number().min(0).max(100).optional() }),
]);

/** `flags` section: one entry per feature (`on`, `off`, a percentage 0..100, or `{ mode, percent }`). */
export const flagsSettingsSchema = z.strictObject(
  Object.fromEntries(FEATURES.map((f) => [f, modeSchema.optional()])) as Record<
    FeatureName,
    z.ZodOptional<typeof modeSchema>
  >,
);

/** Raw (input) shape of the three sections. */
export interface GatewaySettingsInput {
  server?: unknown;
  security?: unknown;
  flags?: unknown;
}

/** A configured key after compilation: only its digest is kept. */
export interface HashedKey {
  readonly name: string;
  /** sha256 digest of the key (32 bytes). */
  readonly digest: Buffer;
}

/** A client key with its data restriction. */
export interface ClientKey extends HashedKey {
  readonly allowModels?: readonly string[];
  readonly allowProviders?: readonly string[];
}

/** An admin key with its scope. */
export interface AdminKey extends HashedKey {
  readonly scope: AdminScope;
}

/** Compiled gateway settings (immutable; no plaintext secret). */
export interface GatewaySettings {
  readonly server: z.output<typeof serverSettingsSchema>;
  readonly security: {
    readonly clientKeys: readonly ClientKey[];
    readonly adminKeys: readonly AdminKey[];
    readonly authFailures: { readonly max: number; readonly windowMs: number; readonly trackedIps: number };
    readonly metrics: 'public' | 'protected';
  };
  readonly flags: Readonly<Record<FeatureName, FlagMode>>;
}

/** sha256 of a key. */
export function hashKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Default flag modes: every feature on except hedging and emergency consensus. */
export const DEFAULT_FLAGS: Readonly<Record<FeatureName, FlagMode>> = Object.freeze({
  health: { mode: 'on' },
  breaker: { mode: 'on' },
  retries: { mode: 'on' },
  fallback: { mode: 'on' },
  hedging: { mode: 'off' },
  emergencyConsensus: { mode: 'off' },
});

function toMode(raw: z.output<typeof modeSchema>): FlagMode {
  if (raw === true || raw === 'on') return { mode: 'on' };
  if (raw === false || raw === 'off') return { mode: 'off' };
  if (typeof raw === 'number') return { mode: 'percent', percent: raw };
  if (typeof raw === 'string') return { mode: 'percent', percent: Math.min(100, Number.parseFloat(raw)) };
  if (raw.mode === 'percent') return { mode: 'percent', percent: raw.percent ?? 0 };
  return { mode: raw.mode };
}

/** Result of {@link parseGatewaySettings}. */
export type GatewaySettingsResult =
  | { readonly ok: true; readonly settings: GatewaySettings }
  | { readonly ok: false; readonly errors: string[] };

/**
 * Validates and compiles the `server`, `security` and `flags` sections. Errors name the field at fault
 * (`security.adminKeys[0].scope: expected one of read, operate, admin`) and never contain a key.
 * @param env - used for keys still written as `${VAR}` (the config loader normally interpolates them)
 */
export function parseGatewaySettings(
  input: GatewaySettingsInput = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): GatewaySettingsResult {
  const errors: string[] = [];
  const server = serverSettingsSchema.safeParse(input.server ?? {});
  const security = securitySettingsSchema.safeParse(input.security ?? {});
  const flags = flagsSettingsSchema.safeParse(input.flags ?? {});
  for (const [section, result] of [
    ['server', server],
    ['security', security],
    ['flags', flags],
  ] as const) {
    if (!result.success) {
      for (const issue of result.error.issues)
        errors.push(`${formatIssuePath([section, ...issue.path])}: ${issue.message}`);
    }
  }
  if (!server.success || !security.success || !flags.success) return { ok: false, errors };

  const digestOf = (k: { key?: string; keyHash?: string }, path: string): Buffer | undefined => {
    if (k.keyHash !== undefined) return Buffer.from(k.keyHash, 'hex');
    let key = k.key ?? '';
    const ref = ENV_REF.exec(key);
    if (ref) {
      const value = env[ref[1]!];
      if (!value) {
        errors.push(`${path}.key: environment variable ${ref[1]} is not set`);
        return undefined;
      }
      key = value;
    }
    return hashKey(key);
  };
  const clientKeys: ClientKey[] = [];
  security.data.clientKeys.forEach((k, i) => {
    const digest = digestOf(k, `security.clientKeys[${i}]`);
    if (!digest) return;
    const entry: { -readonly [P in keyof ClientKey]: ClientKey[P] } = { name: k.name, digest };
    if (k.allowModels) entry.allowModels = k.allowModels;
    if (k.allowProviders) entry.allowProviders = k.allowProviders;
    clientKeys.push(entry);
  });
  const adminKeys: AdminKey[] = [];
  security.data.adminKeys.forEach((k, i) => {
    const digest = digestOf(k, `security.adminKeys[${i}]`);
    if (digest) adminKeys.push({ name: k.name, digest, scope: k.scope });
  });
  const names = new Set<string>();
  for (const k of [...clientKeys, ...adminKeys]) {
    if (names.has(k.name)) errors.push(`security: key name "${k.name}" is used twice`);
    names.add(k.name);
  }
  if (errors.length > 0) return { ok: false, errors };

  const flagModes = { ...DEFAULT_FLAGS };
  for (const f of FEATURES) {
    const raw = flags.data[f];
    if (raw !== undefined) flagModes[f] = toMode(raw);
  }
  return {
    ok: true,
    settings: {
      server: server.data,
      security: {
        clientKeys,
        adminKeys,
        authFailures: security.data.authFailures,
        metrics: security.data.metrics,
      },
      flags: flagModes,
    },
  };
}

/** Like {@link parseGatewaySettings} but throws an `Error` listing every problem. */
export function gatewaySettings(
  input: GatewaySettingsInput = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): GatewaySettings {
  const result = parseGatewaySettings(input, env);
  if (!result.ok) throw new Error(`invalid gateway settings:\n  ${result.errors.join('\n  ')}`);
  return result.settings;
}
