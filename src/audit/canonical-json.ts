/**
 * Canonical JSON: one byte-exact text per JSON value, so a hash over it is reproducible anywhere.
 *
 * Rules (compatible with RFC 8785 / JCS for the values the audit log stores):
 * - object keys sorted by UTF-16 code units (`Array.prototype.sort` default), no whitespace;
 * - numbers in ECMAScript shortest round-trip form (`JSON.stringify`), `-0` written as `0`;
 *   `NaN`/`Infinity` are rejected;
 * - strings escaped exactly as `JSON.stringify` escapes them (lone surrogates as `\uXXXX`);
 * - only plain objects, arrays, strings, finite numbers, booleans and `null` are accepted.
 * @packageDocumentation
 */

/** A JSON primitive. */
export type JsonPrimitive = string | number | boolean | null;
/** Any JSON value. */
export type JsonValue = JsonPrimitive | JsonValue[] | JsonObject;
/** A JSON object. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/**
 * Serialises `value` canonically (sorted keys, no whitespace, deterministic numbers).
 * @throws TypeError naming the JSON path of a value that is not plain JSON (undefined, function,
 *   bigint, symbol, non-finite number, class instance, or a cycle).
 */
export function canonicalJson(value: JsonValue): string {
  return write(value, '$', new Set<object>());
}

function write(value: unknown, path: string, stack: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number at ${path}`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: ${typeof value} is not JSON at ${path}`);
  }
  const obj = value as object;
  if (stack.has(obj)) throw new TypeError(`canonicalJson: cycle at ${path}`);
  stack.add(obj);
  try {
    if (Array.isArray(obj)) {
      const parts = obj.map((item, i) => write(item, `${path}[${i}]`, stack));
      return `[${parts.join(',')}]`;
    }
    const proto = Object.getPrototypeOf(obj) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`canonicalJson: non-plain object at ${path}`);
    }
    const record = obj as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    const parts: string[] = [];
    for (const key of keys) {
      parts.push(`${JSON.stringify(key)}:${write(record[key], `${path}.${key}`, stack)}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    stack.delete(obj);
  }
}
