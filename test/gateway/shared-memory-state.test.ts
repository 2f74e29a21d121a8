/**
 * The state link works over any StateStore: two gateways in this process sharing one in-process store
 * (what `serve --workers` does through the primary) see each other's isolations and flag overrides, and
 * a flag set before the link existed is pushed to a store that has none, and a gateway starting while a
 * throttle window is stored holds the model until it ends (a hostile or far-off window is not taken as is).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../src/gateway/index.js';
import { MemoryStateStore } from '../../src/state/memory-state-store.js';
import { closedPortURL } from '../helpers/chaos-upstream.js';
import { TEST_ADMIN_KEY, tempDir, writeGatewayConfig } from './gateway-fixtures.js';

const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
let running: RunningGateway[] = [];
afterEach(async () => {
  await Promise.all(running.map((g) => g.close()));
  running = [];
});

async function pair(store: MemoryStateStore): Promise<RunningGateway[]> {
  const base = `${await closedPortURL()}/v1`;
  for (const id of ['one', 'two']) {
    running.push(
      await startGateway({
        configPath: writeGatewayConfig(tempDir(), base),
        port: 0,
        dataDir: ':memory:',
        logger: false,
        probes: false,
        instanceId: id,
        stateStore: { store, name: 'in-process' },
      }),
    );
  }
  return running;
}

describe('shared state over an in-process store', () => {
  it('isolations, releases and flag overrides reach the other gateway', async () => {
    const store = new MemoryStateStore();
    const [one, two] = await pair(store);
    const res = await fetch(`${one!.url}/admin/v1/breakers/primary/isolate`, {
      method: 'POST',
      headers: admin,
    });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(two!.engine.current.models.get('primary')!.breaker.state).toBe('isolated');
    expect(await store.get('isolated:primary')).toMatchObject({ by: 'one' });
    await fetch(`${two!.url}/admin/v1/breakers/primary/release`, { method: 'POST', headers: admin });
    await new Promise((r) => setTimeout(r, 20));
    expect(one!.engine.current.models.get('primary')!.breaker.state).toBe('closed');
    expect(await store.get('isolated:primary')).toBeUndefined();
    const put = await fetch(`${two!.url}/admin/v1/flags/retries`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'off' }),
    });
    expect(put.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    const flags = (await (await fetch(`${one!.url}/admin/v1/flags`, { headers: admin })).json()) as {
      overrides: string[];
    };
    expect(flags.overrides).toEqual(['retries']);
    expect(await store.get('flags')).toEqual({ overrides: { retries: 'off' } });
  });

  it('a gateway that starts while a throttle window is stored holds the model until it ends', async () => {
    const store = new MemoryStateStore();
    const now = Date.now();
    await store.set('throttle:primary', { until: now + 5000 });
    await store.set('throttle:backup', { until: 'soon' });
    const [one, two] = await pair(store);
    for (const g of [one!, two!]) {
      const remaining = g.engine.current.models.get('primary')!.throttle.remainingMs();
      expect(remaining).toBeGreaterThan(0);
      expect(remaining).toBeLessThanOrEqual(5000);
      expect(g.engine.current.models.get('backup')!.throttle.remainingMs()).toBe(0);
    }
    // A window ending in a day is held no longer than resilience.retry.maxRetryAfter (60 s by default).
    await store.set('throttle:backup', { until: now + 86_400_000 });
    const three = (await pair(store))[2]!; // pair() returns every running gateway: one, two, then these
    expect(three.engine.current.models.get('backup')!.throttle.remainingMs()).toBeLessThanOrEqual(60_000);
    expect(three.engine.current.models.get('backup')!.throttle.remainingMs()).toBeGreaterThan(50_000);
  });
});
