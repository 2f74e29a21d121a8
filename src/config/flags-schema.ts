/**
 * The `flags` section: each resilience feature `on`, `off`, or on for a sticky percentage of requests.
 * @packageDocumentation
 */
import { z } from 'zod';

/** The features a flag can switch. */
export const FEATURES = [
  'health',
  'breaker',
  'retries',
  'fallback',
  'hedging',
  'emergencyConsensus',
] as const;

/** A feature name. */
export type FeatureName = (typeof FEATURES)[number];

/** One flag as written: `on`, `off`, a boolean, a percentage (`30`, `"12.5%"`) or `{ mode, percent }`. */
export const flagModeSchema = z.union([
  z.enum(['on', 'off']),
  z.boolean(),
  z.number().min(0).max(100),
  z.string().regex(/^\d{1,3}(\.\d+)?%$/, { error: 'expected on, off, or a percentage like "25%"' }),
  z.strictObject({ mode: z.enum(['on', 'off', 'percent']), percent: z.number().min(0).max(100).optional() }),
]);

/** A flag as written (see {@link flagModeSchema}). */
export type FlagModeInput = z.output<typeof flagModeSchema>;

const flag = flagModeSchema.optional();

/** `flags` section: one optional entry per feature (spelled out, so editors and the type name each one). */
export const flagsSchema = z.strictObject({
  health: flag,
  breaker: flag,
  retries: flag,
  fallback: flag,
  hedging: flag,
  emergencyConsensus: flag,
} satisfies Record<FeatureName, typeof flag>);

/** A validated `flags` section. */
export type FlagsConfig = z.output<typeof flagsSchema>;
