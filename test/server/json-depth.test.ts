import { describe, expect, it } from 'vitest';
import { jsonTooDeep, MAX_JSON_DEPTH } from '../../src/server/request-hygiene.js';

const nested = (depth: number, open = '[', close = ']'): string => open.repeat(depth) + close.repeat(depth);

describe('jsonTooDeep', () => {
  it('accepts nesting up to the limit and refuses one level more', () => {
    expect(jsonTooDeep(nested(MAX_JSON_DEPTH))).toBe(false);
    expect(jsonTooDeep(nested(MAX_JSON_DEPTH + 1))).toBe(true);
  });

  it('counts objects and arrays together', () => {
    const mixed = '[{'.repeat(51) + '}]'.repeat(51); // 102 levels, 51 of each
    expect(jsonTooDeep(mixed)).toBe(true);
  });

  it('takes a body with many brackets side by side as shallow (the precise pass, not the count)', () => {
    const wide = `{"messages":[${Array.from({ length: 500 }, () => '{"role":"user","content":"x"}').join(',')}]}`;
    expect(jsonTooDeep(wide)).toBe(false);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    const inString = `{"content":"${'['.repeat(500)}\\"${'{'.repeat(500)}"}`;
    expect(jsonTooDeep(inString)).toBe(false);
  });

  it('refuses a deep body whatever else it holds', () => {
    const deep = `{"model":"m","messages":[{"role":"user","content":"x"}],"metadata":${nested(5000)}}`;
    expect(jsonTooDeep(deep)).toBe(true);
  });
});
