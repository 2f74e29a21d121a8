import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { RequestLimiter } from '../../src/server/request-limiter.js';
import { chatBody, type Harness, harness, KEYS } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.app.close();
  h = undefined;
});

describe('RequestLimiter', () => {
  it('allows a burst, then refills at the sustained rate', async () => {
    const clock = new FakeClock();
    const limiter = new RequestLimiter({ requestsPerMinute: 60, burst: 3, trackedClients: 10 }, clock);
    expect([limiter.take('a'), limiter.take('a'), limiter.take('a')]).toEqual([0, 0, 0]);
    expect(limiter.take('a')).toBe(1000);
    expect(limiter.take('b')).toBe(0);
    await clock.advance(1000);
    expect(limiter.take('a')).toBe(0);
  });

  it('remembers at most trackedClients callers', () => {
    const limiter = new RequestLimiter({ requestsPerMinute: 1, trackedClients: 100 }, new FakeClock());
    for (let i = 0; i < 10_000; i++) limiter.take(`c${i}`);
    expect(limiter.size).toBe(100);
  });
});

describe('inference rate limit', () => {
  it('is off by default', async () => {
    h = await harness();
    for (let i = 0; i < 50; i++) {
      expect(
        (await h.app.inject({ method: 'POST', url: '/v1/chat/completions', payload: chatBody() })).statusCode,
      ).toBe(200);
    }
  });

  it('answers 429 with retry-after per client key when configured', async () => {
    h = await harness({
      server: { rateLimit: { requestsPerMinute: 2 } },
      security: {
        clientKeys: [
          { name: 'a', key: KEYS.client },
          { name: 'b', key: KEYS.restricted },
        ],
      },
    });
    const send = (key: string) =>
      h!.app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: chatBody(),
        headers: { authorization: `Bearer ${key}` },
      });
    expect((await send(KEYS.client)).statusCode).toBe(200);
    expect((await send(KEYS.client)).statusCode).toBe(200);
    const limited = await send(KEYS.client);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('30');
    expect(limited.json().error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect((await send(KEYS.restricted)).statusCode).toBe(200);
    await h.clock.advance(30_000);
    expect((await send(KEYS.client)).statusCode).toBe(200);
  });
});
