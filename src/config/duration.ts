/**
 * Durations in configuration files and CLI options: `"30s"`, `"500ms"`, `"2m"`, `"1h"`, `"1.5s"`,
 * `"1m30s"`, or plain milliseconds (a number, or a string of digits). Every duration field of the
 * config uses {@link durationSchema} or {@link positiveDurationSchema}; the grammar itself is the core's
 * `parseDurationText`.
 * @packageDocumentation
 */
import { z } from 'zod';
import { DURATION_MESSAGE, DURATION_TEXT_PATTERN, parseDurationText } from '../core/duration.js';

export { DURATION_MESSAGE } from '../core/duration.js';

/**
 * Parses a duration (`"30s"`, `"500ms"`, `"2m"`, `"1h"`, `"1m30s"`, `"1500"`, or a number of
 * milliseconds) into whole milliseconds. Returns `undefined` when the value is not a valid,
 * non-negative duration.
 */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  }
  return typeof value === 'string' ? parseDurationText(value, 1) : undefined;
}

const durationText = z.string().regex(DURATION_TEXT_PATTERN, { error: DURATION_MESSAGE });
const DESCRIPTION = 'A duration: "30s", "500ms", "2m", "1h", "1m30s" or a number of milliseconds.';

/** Zod schema for a duration (zero allowed); its output is milliseconds. */
export const durationSchema = z
  .union([z.number().nonnegative(), durationText], { error: DURATION_MESSAGE })
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined) {
      ctx.issues.push({ code: 'custom', message: DURATION_MESSAGE, input: value });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: DESCRIPTION });

/** The message of a zero duration where a positive one is needed. */
export const POSITIVE_DURATION_MESSAGE = 'expected a duration above zero, like "30s"';

/** Zod schema for a duration above zero; its output is milliseconds. */
export const positiveDurationSchema = z
  .union([z.number().positive({ error: POSITIVE_DURATION_MESSAGE }), durationText], {
    error: DURATION_MESSAGE,
  })
  .transform((value, ctx) => {
    const ms = parseDuration(value);
    if (ms === undefined || ms <= 0) {
      const message = ms === undefined ? DURATION_MESSAGE : POSITIVE_DURATION_MESSAGE;
      ctx.issues.push({ code: 'custom', message, input: value });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: `${DESCRIPTION} Above zero.` });
