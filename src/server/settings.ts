/**
 * The gateway's compiled settings: the `server`, `security` and `flags` sections of the config (whose
 * schemas live in `src/config`) turned into {@link GatewaySettings}. Client and admin keys are hashed
 * here and the plaintext is dropped, so no secret lives in the running settings.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { formatIssue } from '../config/config-error.js';
import { FEATURES, type FeatureName, type FlagModeInput, flagsSchema } from '../config/flags-schema.js';
import { validateSection } from '../config/load.js';
import type { HiveConfig } from '../config/schema.js';
import { type AdminScope, securitySchema } from '../config/security-schema.js';
import { type ServerConfig, serverSchema } from '../config/server-schema.js';
import type { FlagMode } from './flags.js';

export { ADMIN_SCOPES, type AdminScope } from '../config/security-schema.js';

/** The three sections the gateway compiles, as validated by the config schema. */
export type GatewaySections = Pick<HiveConfig, 'server' | 'security' | 'flags'>;

/** Raw (input) shape of the three sections, as written in a config file. */
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
  readonly server: ServerConfig;
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

/** Default flag modes: every feature on except hedging and emergency consensus. */
export const DEFAULT_FLAGS: Readonly<Record<FeatureName, FlagMode>> = Object.freeze({
  health: { mode: 'on' },
  breaker: { mode: 'on' },
  retries: { mode: 'on' },
  fallback: { mode: 'on' },
  hedging: { mode: 'off' },
  emergencyConsensus: { mode: 'off' },
});

function toMode(raw: FlagModeInput): FlagMode {
  if (raw === true || raw === 'on') return { mode: 'on' };
  if (raw === false || raw === 'off') return { mode: 'off' };
  if (typeof raw === 'number') return { mode: 'percent', percent: raw };
  if (typeof raw === 'string') return { mode: 'percent', percent: Math.min(100, Number.parseFloat(raw)) };
  if (raw.mode === 'percent') return { mode: 'percent', percent: raw.percent ?? 0 };
  return { mode: raw.mode };
}

/**
 * Compiles validated sections (from `loadConfig`, or {@link parseGatewaySettings}): keys are hashed and
 * dropped, flags become modes.
 */
export function compileGatewaySettings(sections: GatewaySections): GatewaySettings {
  const digestOf = (k: { key?: string | undefined; keyHash?: string | undefined }): Buffer =>
    k.keyHash !== undefined ? Buffer.from(k.keyHash, 'hex') : hashKey(k.key ?? '');
  const clientKeys = sections.security.clientKeys.map((k): ClientKey => {
    const entry: { -readonly [P in keyof ClientKey]: ClientKey[P] } = { name: k.name, digest: digestOf(k) };
    if (k.allowModels) entry.allowModels = k.allowModels;
    if (k.allowProviders) entry.allowProviders = k.allowProviders;
    return entry;
  });
  const adminKeys = sections.security.adminKeys.map(
    (k): AdminKey => ({ name: k.name, digest: digestOf(k), scope: k.scope }),
  );
  const flags = { ...DEFAULT_FLAGS };
  for (const f of FEATURES) {
    const raw = sections.flags[f];
    if (raw !== undefined) flags[f] = toMode(raw);
  }
  const { authFailures, metrics } = sections.security;
  return {
    server: sections.server,
    security: { clientKeys, adminKeys, authFailures, metrics },
    flags,
  };
}

const sectionsSchema = z.object({
  server: serverSchema.prefault({}),
  security: securitySchema.prefault({}),
  flags: flagsSchema.prefault({}),
});

/** Result of {@link parseGatewaySettings}. */
export type GatewaySettingsResult =
  | { readonly ok: true; readonly settings: GatewaySettings }
  | { readonly ok: false; readonly errors: string[] };

/**
 * Validates (with the config's own section schemas and `${VAR}` interpolation) and compiles the
 * `server`, `security` and `flags` sections given on their own. Errors name the field at fault
 * (`security.adminKeys[0].scope: expected one of read, operate, admin`) and never contain a key.
 * @param env - variables for `${VAR}` references (default `process.env`)
 */
export function parseGatewaySettings(
  input: GatewaySettingsInput = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): GatewaySettingsResult {
  const checked = validateSection(sectionsSchema, input, { env });
  if (!checked.ok) return { ok: false, errors: checked.issues.map(formatIssue) };
  return { ok: true, settings: compileGatewaySettings(checked.config) };
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
