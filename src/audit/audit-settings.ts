/**
 * The `audit` section of the configuration file, validated by the layer that owns it.
 * @packageDocumentation
 */
import { z } from 'zod';

const auditSettingsSchema = z.strictObject({
  /** Directory of the SQLite audit database; `':memory:'` keeps the log in memory. */
  dataDir: z.string().trim().min(1, { error: 'expected a directory path (or ":memory:")' }).optional(),
});

/** The validated `audit` section. */
export type AuditSettings = z.output<typeof auditSettingsSchema>;

/**
 * Validates the `audit` section (absent = defaults).
 * @throws Error whose message lists each problem by path (`audit.dataDir: …`), one per line after the first
 */
export function parseAuditSettings(input: unknown): AuditSettings {
  const result = auditSettingsSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const lines = result.error.issues.map((i) => {
    if (i.code === 'unrecognized_keys')
      return `audit: unknown key(s) ${i.keys.map((k) => `"${k}"`).join(', ')}`;
    return `audit.${i.path.join('.') || '(root)'}: ${i.message}`;
  });
  throw new Error(`invalid audit settings:\n  ${lines.join('\n  ')}`);
}
