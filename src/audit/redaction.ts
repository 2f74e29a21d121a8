/**
 * Secret redaction for audit records. Runs before a record is hashed and stored, so a secret never
 * reaches the database (and the hash covers the redacted form).
 *
 * - Keys that look secret (API keys, Authorization, passwords, secrets, tokens, cookies, private or
 *   other key material: any key whose name ends in `key`/`keys`) have their value replaced with
 *   {@link REDACTED}, whatever the value is. This deliberately over-redacts (`cacheKey` too):
 *   losing a harmless value is better than storing a secret. `keyName`/`keyId` are kept.
 * - Strings anywhere are scanned for bearer/basic credentials, `sk-...` style provider keys, JWTs,
 *   common vendor token prefixes and `api_key=...`-style pairs; the secret part is masked.
 * - The result is normalised to plain JSON (dates to ISO strings, errors to `{ name, message }`,
 *   binary to a size note, cycles and very deep nesting cut), so it round-trips through storage.
 * @packageDocumentation
 */
import type { JsonObject, JsonValue } from './canonical-json.js';

/** The replacement written in place of a secret. */
export const REDACTED = '[redacted]';

const SECRET_KEY =
  /apikey|authorization|password|passwd|passphrase|secret|credential|cookie|privatekey|keymaterial|bearer|token$|key$|keys$|^auth$/;

const SECRET_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{6,}/gi, `$1 ${REDACTED}`],
  [/\bsk-[A-Za-z0-9_-]{6,}/g, `sk-${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\b(?:AIza[0-9A-Za-z_-]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|gh[pousr]_[A-Za-z0-9]{20,})/g, REDACTED],
  [
    /\b(api[_-]?key|access[_-]?token|token|password|secret|key)(["']?\s*[=:]\s*["']?)[^\s"'&,;]+/gi,
    `$1$2${REDACTED}`,
  ],
];

const MAX_DEPTH = 32;

/** True when a data key names something secret (case, `-` and `_` ignored). */
export function isSecretKey(key: string): boolean {
  const normalised = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_KEY.test(normalised);
}

/** Masks credentials embedded in free text (bearer tokens, `sk-...` keys, JWTs, `api_key=...`). */
export function maskSecrets(text: string): string {
  if (text.length < 8) return text;
  let out = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Returns a redacted, plain-JSON copy of `data` (never mutates it). Non-object input yields `{}`
 * wrapped as `{ value: ... }` so the record's `data` is always an object.
 */
export function redactAuditData(data: unknown): JsonObject {
  if (data === undefined || data === null) return {};
  const value = redactValue(data, new Set<object>(), 0);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value;
  return value === undefined ? {} : { value };
}

function redactValue(value: unknown, stack: Set<object>, depth: number): JsonValue | undefined {
  switch (typeof value) {
    case 'string':
      return maskSecrets(value);
    case 'number':
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
    case 'object':
      break;
    default:
      return undefined; // undefined, function, symbol: dropped like JSON.stringify does
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH) return '[truncated]';
  const obj = value as object;
  if (stack.has(obj)) return '[circular]';
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? null : obj.toISOString();
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer) return `[binary ${obj.byteLength} bytes]`;
  if (obj instanceof Error) return { name: obj.name, message: maskSecrets(obj.message) };
  stack.add(obj);
  try {
    if (Array.isArray(obj) || obj instanceof Set) {
      return Array.from(obj as Iterable<unknown>, (item) => redactValue(item, stack, depth + 1) ?? null);
    }
    const entries: Iterable<[unknown, unknown]> =
      obj instanceof Map ? obj.entries() : Object.entries(obj as Record<string, unknown>);
    const out: JsonObject = {};
    for (const [rawKey, item] of entries) {
      const key = String(rawKey);
      if (item === undefined) continue;
      const redacted = isSecretKey(key) ? REDACTED : redactValue(item, stack, depth + 1);
      // defineProperty: a "__proto__" key stays an own data property instead of changing the prototype
      if (redacted !== undefined)
        Object.defineProperty(out, key, {
          value: redacted,
          enumerable: true,
          writable: true,
          configurable: true,
        });
    }
    return out;
  } finally {
    stack.delete(obj);
  }
}
