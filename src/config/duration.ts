/**
 * Durations in configuration files: `30s`, `500ms`, `2m`, `1h`, `1.5s`, or plain milliseconds.
 * @packageDocumentation
 */
import { z } from 'zod';

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/;

/** The message every invalid duration reports. */
export const DURATION_MESSAGE = 'expected a duration like "30s"';

/**
 * Parses a duration (`"30s"`, `"500ms"`, `"2m"`, `"1h"`, `"1500"`, or a number of milliseconds) into
 * whole milliseconds. Returns `undefined` when the value is not a valid, non-negative duration.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  }
  if (typeof value !== 'string') return undefined;
  const match = DURATION_PATTERN.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = UNIT_MS[match[2] ?? 'ms']!;
  const ms = Math.round(amount * unit);
  return Number.isFinite(ms) ? ms : undefined;
}

/** Zod schema for a duration; its output is milliseconds. */
export const durationSchema = z
  .union(
    [
      z.number().nonnegative(),
      z.string().regex(/^\s*\d+(?:\.\d+)?\s*(?:ms|s|m|h)?\s*$/, { error: DURATION_MESSAGE }),
    ],
    { error: DURATION_MESSAGE },
  )
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.issues.push({ code: 'custom', message: DURATION_MESSAGE, input: value });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: 'A duration: "30s", "500ms", "2m", "1h" or a number of milliseconds.' });
