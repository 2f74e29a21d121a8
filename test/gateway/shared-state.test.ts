/**
 * Three gateway instances in this process share state through one real redis-server: a breaker opened
 * on one stops traffic from the others, an isolation made on one holds on all, one noisy instance cannot
 * open a breaker for the others, Redis going away leaves every instance serving (and alerting), and
 * when it returns the state converges. Every instance's audit chain verifies.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../src/gateway/index.js';
import { closedPortURL, useChaosUpstream } from '../helpers/chaos-upstream.js';
import { useRedisServer } from '../helpers/redis-server.js';
import { TEST_ADMIN_KEY, tempDir, writeGatewayConfig } from './gateway-fixtures.js';

const redis = useRedisServer();
const chaos = useChaosUpstream();
const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
let running: RunningGateway[] = [];
let prefixSeq = 0;

afterEach(async () => {
  await Promise.all(running.map((g) => g.close()));
  running = [];
});
afterAll(async () => {
  await Promise.all(running.map((g) => g.close()));
});

/**
 * Boots instances a, b, c (one data dir each) sharing a fresh key prefix; `urls` overrides a model host,
 * `extra` adds top-level config sections.
 */
async function cluster(
  urls: Partial<Record<'a' | 'b' | 'c', string>> = {},
  extra: Record<string, unknown> = {},
): Promise<RunningGateway[]> {
  const keyPrefix = `t${++prefixSeq}:`;
  for (const id of ['a', 'b', 'c'] as const) {
    const dir = tempDir();
    const configPath = writeGatewayConfig(dir, urls[id] ?? chaos.openaiBaseURL, {
      ...extra,
      state: {
        store: 'redis',
        url: redis.server.url,
        keyPrefix,
        commandTimeout: '200ms',
        flushInterval: '20ms',
        syncInterval: '100ms',
      },
    });
    running.push(
      await startGateway({ configPath, port: 0, dataDir: dir, logger: false, probes: false, instanceId: id }),
    );
  }
  return running;
}

function chat(g: RunningGateway, model = 'primary'): Promise<Response> {
  return fetch(`${g.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

function breakerOf(g: RunningGateway, model: string): string | undefined {
  return g.engine.current.models.get(model)?.breaker.state;
}

async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The instance's own chain verifies, and every record in it carries its instance id. */
async function verifyAudit(g: RunningGateway): Promise<void> {
  await g.audit.flush();
  const res = await fetch(`${g.url}/admin/v1/audit/verify`, { headers: admin });
  const body = (await res.json()) as {
    ok: boolean;
    chains: Array<{ instance: string; ok: boolean; records: number }>;
  };
  expect(body.ok).toBe(true);
  const own = body.chains.find((c) => c.instance === g.instanceId);
  expect(own?.ok).toBe(true);
  expect(own?.records).toBeGreaterThan(0);
  const q = await fetch(`${g.url}/admin/v1/audit?instance=${g.instanceId}&limit=1000`, { headers: admin });
  const records = ((await q.json()) as { records: Array<{ data: { instance?: string } }> }).records;
  expect(records.length).toBe(own?.records);
  for (const r of records) expect(r.data.instance).toBe(g.instanceId);
}

describe('shared state on Redis (three instances)', () => {
  it('a model failing behind A stops receiving traffic from B and C within 1 s', async () => {
    const [a, b, c] = await cluster();
    chaos.upstream.setFaults({ primary: 'server_error' });
    while (breakerOf(a!, 'primary') !== 'open') {
      const res = await chat(a!);
      expect(res.status).toBe(200); // served by the fallback
      await res.arrayBuffer();
    }
    const elapsed = await until(
      () => breakerOf(b!, 'primary') === 'open' && breakerOf(c!, 'primary') === 'open',
      1000,
      'B and C see the open breaker',
    );
    expect(elapsed).toBeLessThan(1000);
    chaos.upstream.resetStats();
    for (const g of [b!, c!]) {
      const res = await chat(g);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-hive-model')).toBe('backup');
      await res.arrayBuffer();
    }
    expect(chaos.upstream.stats().models['primary']?.requests ?? 0).toBe(0);
    for (const g of [a!, b!, c!]) await verifyAudit(g);
  });

  it('a 429 with Retry-After: 2 behind A holds the model on B and C until the window ends', async () => {
    const resilience = {
      healthCheckInterval: '1h',
      retry: {
        baseDelay: '5ms',
        maxDelay: '20ms',
        throttledBaseDelay: '5ms',
        fallbackInsteadOfWait: '500ms',
      },
    };
    const [a, b, c] = await cluster({}, { resilience });
    // Only the first call to primary is throttled: B and C can only learn of it from A.
    chaos.upstream.setFaults({ primary: { sequence: [{ status: 429, retryAfter: 2 }] } });
    const first = await chat(a!);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-hive-model')).toBe('backup'); // a 2 s wait is longer than fallbackInsteadOfWait
    await first.arrayBuffer();
    const held = (g: RunningGateway) =>
      (g.engine.current.models.get('primary')?.throttle.remainingMs() ?? 0) > 0;
    const elapsed = await until(() => held(b!) && held(c!), 1000, 'B and C hold primary');
    expect(elapsed).toBeLessThan(1000);
    for (const g of [a!, b!, c!]) {
      const res = await chat(g);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-hive-model')).toBe('backup');
      await res.arrayBuffer();
    }
    expect(chaos.upstream.stats().models['primary']?.requests).toBe(1);
    await until(() => !held(a!) && !held(b!) && !held(c!), 3000, 'the window ends everywhere');
    for (const g of [b!, c!]) {
      const res = await chat(g);
      expect(res.headers.get('x-hive-model')).toBe('primary');
      await res.arrayBuffer();
    }
    expect(chaos.upstream.stats().models['primary']?.requests).toBe(3);
  });

  it('one noisy instance does not open a breaker for the others when the aggregate disagrees', async () => {
    const [a, b, c] = await cluster({ a: `${await closedPortURL()}/v1` });
    for (let i = 0; i < 10; i++) for (const g of [b!, c!]) await (await chat(g)).arrayBuffer();
    // The successes of B and C are in the shared counts A reads back.
    await until(() => (a!.sharedState?.aggregate('primary').calls ?? 0) >= 20, 2000, 'A reads the aggregate');
    while (breakerOf(a!, 'primary') !== 'open') await (await chat(a!)).arrayBuffer();
    await new Promise((r) => setTimeout(r, 300));
    expect(breakerOf(b!, 'primary')).toBe('closed');
    expect(breakerOf(c!, 'primary')).toBe('closed');
  });

  it('an isolation made through B holds on A and C, and a release through C ends it everywhere', async () => {
    const [a, b, c] = await cluster();
    const post = (g: RunningGateway, action: string) =>
      fetch(`${g.url}/admin/v1/breakers/backup/${action}`, { method: 'POST', headers: admin });
    expect((await post(b!, 'isolate')).status).toBe(200);
    await until(
      () => breakerOf(a!, 'backup') === 'isolated' && breakerOf(c!, 'backup') === 'isolated',
      1000,
      'A and C isolate backup',
    );
    const res = await fetch(`${a!.url}/admin/v1/breakers`, { headers: admin });
    const list = ((await res.json()) as { breakers: Array<{ model: string; state: string }> }).breakers;
    expect(list.find((x) => x.model === 'backup')?.state).toBe('isolated');
    expect((await post(c!, 'release')).status).toBe(200);
    await until(
      () => [a!, b!, c!].every((g) => breakerOf(g, 'backup') === 'closed'),
      1000,
      'every instance releases backup',
    );
  });

  it('one instance probes a model per interval: the probe lease goes to one of them', async () => {
    const gateways = await cluster();
    const spec = gateways[0]!.engine.current.models.get('primary')!.spec;
    const claims = await Promise.all(gateways.map((g) => g.sharedState!.probeClaim(spec, 400)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    const again = await Promise.all(gateways.map((g) => g.sharedState!.probeClaim(spec, 400)));
    expect(again.filter(Boolean)).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 400)); // the lease lasts 90 % of the interval
    const next = await Promise.all(gateways.map((g) => g.sharedState!.probeClaim(spec, 400)));
    expect(next.filter(Boolean)).toHaveLength(1);
  });

  it('a flag override set on A reaches B and C', async () => {
    const [a, b, c] = await cluster();
    const put = await fetch(`${a!.url}/admin/v1/flags/hedging`, {
      method: 'PUT',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'percent', percent: 25 }),
    });
    expect(put.status).toBe(200);
    const flagOf = async (g: RunningGateway) => {
      const r = await fetch(`${g.url}/admin/v1/flags`, { headers: admin });
      return ((await r.json()) as { flags: Record<string, unknown> }).flags['hedging'];
    };
    await until(
      async () =>
        JSON.stringify(await flagOf(b!)) === '{"mode":"percent","percent":25}' &&
        JSON.stringify(await flagOf(c!)) === '{"mode":"percent","percent":25}',
      1000,
      'B and C apply the override',
    );
  });

  it('an instance whose Redis is unreachable at start starts anyway, serves and alerts', async () => {
    const port = new URL(await closedPortURL()).port;
    const dir = tempDir();
    const configPath = writeGatewayConfig(dir, chaos.openaiBaseURL, {
      state: { store: 'redis', url: `redis://:secret-pw@127.0.0.1:${port}`, commandTimeout: '100ms' },
    });
    const g = await startGateway({
      configPath,
      port: 0,
      dataDir: dir,
      logger: false,
      probes: false,
      instanceId: 'lonely',
    });
    running.push(g);
    const res = await chat(g);
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const alert = g.alerts.active().find((a) => a.rule === 'sharedState');
    expect(alert?.subject).toBe('lonely');
    expect(JSON.stringify(alert)).not.toContain('secret-pw');
  });

  it('Redis killed: every instance keeps answering and alerts; Redis back: state converges', async () => {
    const [a, b, c] = await cluster();
    await redis.server.kill();
    await until(
      () => [a!, b!, c!].every((g) => g.alerts.active().some((x) => x.rule === 'sharedState')),
      3000,
      'every instance alerts',
    );
    for (const g of [a!, b!, c!]) {
      const started = performance.now();
      const res = await chat(g);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      expect(performance.now() - started).toBeLessThan(1000);
    }
    // Decided while Redis is away: an isolation on A (local only for now).
    const iso = await fetch(`${a!.url}/admin/v1/breakers/backup/isolate`, { method: 'POST', headers: admin });
    expect(iso.status).toBe(200);
    expect(breakerOf(b!, 'backup')).toBe('closed');
    await redis.server.start();
    await until(
      () => breakerOf(b!, 'backup') === 'isolated' && breakerOf(c!, 'backup') === 'isolated',
      5000,
      'B and C learn the isolation made during the outage',
    );
    await until(
      () => [a!, b!, c!].every((g) => !g.alerts.active().some((x) => x.rule === 'sharedState')),
      3000,
      'the alerts resolve',
    );
    for (const g of [a!, b!, c!]) await verifyAudit(g);
  });
});
