/**
 * The `audit` section: where the audit database lives and how long repeated decisions are counted
 * before they are written (see `AggregatingAuditLog`).
 * @packageDocumentation
 */
import { z } from 'zod';
import { durationSchema } from './duration.js';

/** The `audit` section. */
export const auditSchema = z.strictObject({
  dataDir: z.string().trim().min(1, { error: 'expected a directory path (or ":memory:")' }).optional().meta({
    description:
      'Directory of the SQLite audit database (default ./.data); ":memory:" keeps the log in memory.',
  }),
  aggregateWindow: durationSchema.prefault('1m').meta({
    description:
      'How long repeated per-request decisions (fallbacks, substitutions, retry give-ups, exhausted chains) are counted before their one record per group is written (0 writes each at once).',
  }),
});

/** The validated `audit` section (`aggregateWindow` in milliseconds). */
export type AuditConfig = z.output<typeof auditSchema>;
