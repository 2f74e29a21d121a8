/**
 * What a config reload reads: the file checked exactly as `serve` and `config validate` check it (the
 * same problems, the same messages), the gateway settings whose `security` and `flags` the server applies
 * at once, and the sections that changed but only take effect after a restart.
 * @packageDocumentation
 */
import type { HiveConfig } from '../config/schema.js';
import { compileGatewaySettings, type GatewaySettings } from '../server/settings.js';
import type { ConfigSource } from './engine-backend.js';
import { readConfig } from './start-gateway.js';

/** Sections read once at start: a change to one of them needs a restart. */
export const RESTART_SECTIONS = ['server', 'alerts', 'audit', 'state'] as const;

/** Options of {@link checkedConfigSource}. */
export interface CheckedConfigSourceOptions {
  readonly configPath: string;
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  /** The config the process started with (what restart-only sections are compared with). */
  readonly started: HiveConfig;
  /** Applied to the new settings as at start (e.g. the local admin key when the file defines none). */
  readonly complete: (settings: GatewaySettings) => GatewaySettings;
}

/** The reload source of a gateway started from `configPath`. */
export function checkedConfigSource(options: CheckedConfigSourceOptions): ConfigSource {
  return async () => {
    const loaded = await readConfig(options.configPath, options.env);
    if (!loaded.ok) return loaded;
    const restartRequired = RESTART_SECTIONS.filter(
      (section) =>
        JSON.stringify(loaded.config[section] ?? null) !== JSON.stringify(options.started[section] ?? null),
    );
    return {
      ok: true,
      config: loaded.config,
      settings: options.complete(compileGatewaySettings(loaded.config)),
      restartRequired,
    };
  };
}
