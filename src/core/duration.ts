/**
 * The one grammar for durations written as text: `"30s"`, `"500ms"`, `"2m"`, `"1h"`, `"1.5s"`,
 * Go-style compounds (`"1m30s"`, `"1h2m3.5s"`, `"250us"`, `"20ns"`) or a bare number. The config file
 * (`config/duration.ts`, bare number = milliseconds), the CLI's options and upstream rate-limit headers
 * (bare number = seconds) all parse through it.
 * @packageDocumentation
 */

/** The message every invalid duration reports (config fields and CLI options). */
export const DURATION_MESSAGE = 'expected a duration like "30s"';

/** Every text {@link parseDurationText} accepts (also published in the config's JSON Schema). */
export const DURATION_TEXT_PATTERN =
  /^\s*(?:\d+(?:\.\d+)?|(?:\d+(?:\.\d+)?\s*(?:ns|us|µs|ms|s|m|h)\s*)+)\s*$/;
const PART = /(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s|m|h)/g;
const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses duration text into whole milliseconds; `undefined` when it is not a non-negative duration.
 * @param text - e.g. `"30s"`, `"1m30s"`, `" 500 ms "`, `"1500"`
 * @param bareUnitMs - what a bare number means, in ms (1 for milliseconds, 1000 for seconds)
 */
export function parseDurationText(text: string, bareUnitMs: number): number | undefined {
  if (!DURATION_TEXT_PATTERN.test(text)) return undefined;
  let total = 0;
  let parts = 0;
  for (const m of text.matchAll(PART)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    parts++;
  }
  if (parts === 0) total = Number(text.trim()) * bareUnitMs;
  const ms = Math.round(total);
  return Number.isFinite(ms) ? ms : undefined;
}
