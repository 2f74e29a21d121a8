/**
 * Small JSON helpers shared by the providers (and the server's body checks).
 * @packageDocumentation
 */

/** A JSON object as parsed. */
export type Json = Record<string, unknown>;

/** True for a plain JSON object (not `null`, not an array). */
export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
