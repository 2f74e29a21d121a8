/**
 * The `audit` section of the configuration file: where the audit database lives and how long repeated
 * decisions are counted before they are written (see `AggregatingAuditLog`).
 * @packageDocumentation
 */
import { z } from 'zod';
import { durationSchema } from './duration.js';

const auditSettingsSchema = z.strictObject({
  /** Directory of the SQLite audit database; `':memory:'` keeps the log in memory. */
  dataDir: z.string().trim().min(1, { error: 'expected a directory path (or ":memory:")' }).optional(),
  /**
   * How long repeated per-request decisions (fallbacks, substitutions, retry give-ups, exhausted chains)
   * are counted before their one record per group is written (`0` writes each at once). Output: ms.
   */
  aggregateWindow: durationSchema.prefault('1m'),
});

/** The validated `audit` section (`aggregateWindow` in milliseconds). */
export type AuditSettings = z.output<typeof auditSettingsSchema>;

/** Checks the `audit` section (absent = defaults): the settings, or one line per problem by path. */
export function checkAuditSettings(
  input: unknown,
): { ok: true; settings: AuditSettings } | { ok: false; errors: string[] } {
  const result = auditSettingsSchema.safeParse(input ?? {});
  if (result.success) return { ok: true, settings: result.data };
  const errors = result.error.issues.map((i) => {
    if (i.code === 'unrecognized_keys')
      return `audit: unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return `audit.${i.path.join('.') || '(root)'}: ${i.message}`;
  });
  return { ok: false, errors };
}

/**
 * Validates the `audit` section (absent = defaults).
 * @throws Error whose message lists each problem by path (`audit.dataDir: …`), one per line after the first
 */
export function parseAuditSettings(input: unknown): AuditSettings {
  const checked = checkAuditSettings(input);
  if (checked.ok) return checked.settings;
  throw new Error(`invalid audit settings:\n  ${checked.errors.join('\n  ')}`);
}
