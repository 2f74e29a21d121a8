/**
 * Parsing of the HTTP `Retry-After` header (server-advised delays).
 * @packageDocumentation
 */

/**
 * Parses a `Retry-After` header value: either delta-seconds (`"120"`, `"1.5"`) or an HTTP date.
 * Returns milliseconds from `nowWallMs` (never negative), or `undefined` when unparseable.
 */
export function parseRetryAfter(value: string | null | undefined, nowWallMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) {
    const ms = Number(trimmed) * 1000;
    return Number.isFinite(ms) ? ms : undefined;
  }
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowWallMs);
}
