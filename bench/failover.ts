import { createServer } from 'node:net';
import { pathToFileURL } from 'node:url';
import { startChaosUpstream } from '../src/chaos/index.js';
import { validateConfig } from '../src/config/index.js';
import type { HiveConfigInput } from '../src/config/schema.js';
import { ResilienceEngine } from '../src/engine/index.js';
import type { EngineRequest } from '../src/engine/types.js';
import { loadavg } from './loadavg.js';

const ITERATIONS = 500;
const WARMUP = 100;

async function closedPortURL(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

function model(baseURL: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provider: 'openai',
    baseURL,
    apiKey: 'sk-test-bench-0000',
    capabilities: ['streaming', 'json'],
    maxRetries: 2,
    timeout: '5s',
    circuitBreakerThreshold: 5,
    ...extra,
  };
}

function stats(samples: readonly number[]): { p50: number; p95: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return { p50: at(0.5), p95: at(0.95), mean };
}

/** Measures the three cases and prints a table with the added latency against the baseline. */
export async function run(): Promise<void> {
  const upstream = await startChaosUpstream({ host: '127.0.0.1', port: 0 });
  const closed = await closedPortURL();
  const base = `${upstream.url}/v1`;
  const input: Record<string, unknown> = {
    models: {
      primary: model(base, { fallbacks: ['backup'] }),
      refused: model(closed, { fallbacks: ['backup'], circuitBreakerThreshold: 1_000_000 }),
      backup: model(base),
    },
    resilience: { healthCheckInterval: '1h' },
  };
  const validated = validateConfig(input as HiveConfigInput);
  if (!validated.ok) throw new Error(JSON.stringify(validated.issues));
  const engine = ResilienceEngine.fromConfig(validated.config, { probes: false });
  const primary = engine.current.models.get('primary');
  if (!primary) throw new Error('no primary model');
  const isolation = primary.breaker.isolate();
  const body = { model: 'ignored', messages: [{ role: 'user' as const, content: 'Say hello' }] };
  const cases = [
    { name: 'baseline: served by backup directly', target: 'backup', samples: [] as number[] },
    { name: 'primary breaker open → backup', target: 'primary', samples: [] as number[] },
    { name: 'primary refuses connections → backup', target: 'refused', samples: [] as number[] },
  ];
  const once = async (target: string): Promise<number> => {
    // As the gateway calls it: an overall deadline and the caller's signal.
    const request: EngineRequest = {
      target,
      body,
      deadlineMs: 120_000,
      signal: new AbortController().signal,
    };
    const started = performance.now();
    const result = await engine.complete(request);
    const elapsed = performance.now() - started;
    if (!result.ok || result.model !== 'backup') {
      throw new Error(`${target}: expected the backup to serve, got ${JSON.stringify(result).slice(0, 300)}`);
    }
    if (target !== 'backup' && !result.fallback) throw new Error(`${target}: expected a fallback`);
    return elapsed;
  };
  try {
    for (let i = 0; i < WARMUP; i++) for (const c of cases) await once(c.target);
    const loadBefore = loadavg();
    for (let i = 0; i < ITERATIONS; i++) {
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(i + k) % cases.length];
        if (c) c.samples.push(await once(c.target));
      }
    }
    const loadAfter = loadavg();
    const baseline = stats(cases[0]?.samples ?? []);
    console.log(
      `failover latency, in-process engine over loopback HTTP, ${ITERATIONS} iterations per case (interleaved), ` +
        `loadavg ${loadBefore} → ${loadAfter}`,
    );
    console.log('| case | p50 | p95 | mean | added p50 | added p95 |');
    console.log('|---|---:|---:|---:|---:|---:|');
    for (const c of cases) {
      const s = stats(c.samples);
      console.log(
        `| ${c.name} | ${s.p50.toFixed(3)} ms | ${s.p95.toFixed(3)} ms | ${s.mean.toFixed(3)} ms | ` +
          `${(s.p50 - baseline.p50).toFixed(3)} ms | ${(s.p95 - baseline.p95).toFixed(3)} ms |`,
      );
    }
    const added = (i: number) => stats(cases[i]?.samples ?? []).p50 - baseline.p50;
    console.log(
      `- breaker open, < 1 ms added (p50): ${added(1).toFixed(3)} ms → ${added(1) < 1 ? 'PASS' : 'FAIL'}`,
    );
    console.log(
      `- refused, < 5 ms added (p50): ${added(2).toFixed(3)} ms → ${added(2) < 5 ? 'PASS' : 'FAIL'}`,
    );
  } finally {
    isolation.dispose();
    await engine.close();
    await upstream.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
