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
  try {
    return write(value, []);
  } catch (error) {
    if (error instanceof CanonicalJsonError) {
      throw new TypeError(`canonicalJson: ${error.problem} at $${error.path.reverse().join('')}`);
    }
    throw error;
  }
}

/** Internal: carries the failing path outwards (built only on failure, to keep the happy path fast). */
class CanonicalJsonError extends Error {
  readonly path: string[] = [];
  constructor(readonly problem: string) {
    super(problem);
  }
}

function write(value: unknown, stack: object[]): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError('non-finite number');
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(`${typeof value} is not JSON`);
  }
  const obj = value as object;
  if (stack.includes(obj)) throw new CanonicalJsonError('cycle');
  stack.push(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = '[';
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out += ',';
      out += writeChild(obj[i], stack, `[${i}]`);
    }
    out += ']';
  } else {
    const proto = Object.getPrototypeOf(obj) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError('non-plain object');
    const record = obj as Record<string, unknown>;
    const keys = Object.keys(record).sort();
    out = '{';
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      if (i > 0) out += ',';
      out += `${JSON.stringify(key)}:${writeChild(record[key], stack, `.${key}`)}`;
    }
    out += '}';
  }
  stack.pop();
  return out;
}

function writeChild(value: unknown, stack: object[], segment: string): string {
  // Primitives first: no try/catch frame needed for the common case.
  if (typeof value === 'string') return JSON.stringify(value);
  try {
    return write(value, stack);
  } catch (error) {
    if (error instanceof CanonicalJsonError) error.path.push(segment);
    throw error;
  }
}
