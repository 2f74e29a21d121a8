import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, type JsonValue } from '../../src/audit/canonical-json.js';

describe('canonicalJson', () => {
  it('sorts keys recursively and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('sorts keys by UTF-16 code units, not locale', () => {
    expect(canonicalJson({ b: 1, B: 2, é: 3, a: 4, '10': 5, '9': 6 })).toBe(
      '{"10":5,"9":6,"B":2,"a":4,"b":1,"é":3}',
    );
  });

  it('writes numbers deterministically', () => {
    expect(canonicalJson([1, 1.5, -0, 1e21, 1e-7, 0.1 + 0.2, 100])).toBe(
      '[1,1.5,0,1e+21,1e-7,0.30000000000000004,100]',
    );
  });

  it('escapes strings like JSON.stringify, including control characters and lone surrogates', () => {
    expect(canonicalJson('a"b\\c\n\u0001\ud800')).toBe('"a\\"b\\\\c\\n\\u0001\\ud800"');
  });

  it('rejects values that are not plain JSON, naming the path', () => {
    expect(() => canonicalJson({ a: [1, Number.NaN] })).toThrow(/non-finite number at \$\.a\[1\]/);
    expect(() => canonicalJson({ a: undefined } as unknown as JsonValue)).toThrow(
      /undefined is not JSON at \$\.a/,
    );
    expect(() => canonicalJson({ d: new Date() } as unknown as JsonValue)).toThrow(
      /non-plain object at \$\.d/,
    );
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => canonicalJson(cyclic as JsonValue)).toThrow(/cycle at \$\.self/);
  });

  it('is stable under key order and a JSON round trip (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value as JsonValue);
        expect(canonicalJson(JSON.parse(text) as JsonValue)).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
          const reversed = Object.fromEntries(Object.entries(value).reverse()) as JsonValue;
          expect(canonicalJson(reversed)).toBe(text);
        }
      }),
    );
  });
});

describe('canonicalJson and canonicalize (RFC 8785)', () => {
  it('writes the same bytes as canonicalize 2 for any JSON value and for real records', async () => {
    const { default: canonicalizeModule } = await import('canonicalize');
    const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(canonicalJson(v as JsonValue)).toBe(canonicalize(v));
      }),
      { numRuns: 500 },
    );
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = new URL('../consensus/fixtures/hivellm-minutes/0001/votes/', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) {
      const value = JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as JsonValue;
      expect(canonicalJson(value), f).toBe(canonicalize(value));
    }
  });
});
