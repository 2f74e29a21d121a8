import { describe, expect, it } from 'vitest';
import { requestIdFor } from '../../src/server/request-id.js';

describe('requestIdFor', () => {
  it('generates distinct req_ ids of 32 hex digits', () => {
    const ids = Array.from({ length: 1000 }, () => requestIdFor(undefined));
    for (const id of ids) expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps a sane client id and replaces others', () => {
    expect(requestIdFor('client-123')).toBe('client-123');
    expect(requestIdFor('has spaces')).toMatch(/^req_[0-9a-f]{32}$/);
    expect(requestIdFor(['a', 'b'])).toMatch(/^req_[0-9a-f]{32}$/);
    expect(requestIdFor('x'.repeat(129))).toMatch(/^req_[0-9a-f]{32}$/);
  });
});
