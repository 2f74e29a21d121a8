/**
 * The `shared` and `workers` scenarios of `npm run bench:gateway`.
 *
 * - `shared`: what sharing state on Redis costs and how fast it travels. (1) the same gateway with
 *   `state.store: memory` and `state.store: redis` (a real redis-server on loopback), each in its own
 *   process, and a second `memory` one (the control: what two identical gateways differ by on this
 *   machine), interleaved rounds at 50 connections: CPU µs per request and req/s; (2) paired rounds: the
 *   three loaded at the same time, 50 connections each at the same fixed rate (`BENCH_SHARED_RATE` req/s
 *   each, default 1000, well under what one vCPU serves for three), so the machine's load hits them alike
 *   within each round: CPU µs per request, the per-round ratios and their median; (3) open-state
 *   propagation: three gateways in this process on one Redis; a model whose upstream answers 503 trips
 *   instance A's breaker (threshold 1), and the time until B and C have it open is sampled; the same for
 *   an isolation made through A's admin API. p50 / p99 / max over `BENCH_PROPAGATION_SAMPLES` (default 50).
 * - `workers`: `serve --workers 1` vs `--workers 2` (the CLI, state through the primary), interleaved
 *   rounds: req/s and CPU µs per request summed over the primary and its workers.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunningGateway, startGateway } from '../src/gateway/start-gateway.js';
import { startRedisServer } from '../test/helpers/redis-process.js';
import {
  BODY,
  type ChildServer,
  CONNECTIONS,
  check,
  fmt,
  freePort,
  gatewayConfig,
  load,
  percentile,
  sleep,
  startGatewayChild,
  type Target,
  WARMUP_S,
} from './gateway-harness.js';
import { interleaved, median, pairedRatio, printInterleaved, ROUND_S, ROUNDS } from './gateway-scenarios.js';
import { loadavg } from './loadavg.js';

const SAMPLES = Number(process.env.BENCH_PROPAGATION_SAMPLES ?? 50);
const PAIRED_RATE = Number(process.env.BENCH_SHARED_RATE ?? 1000);
const ADMIN = { authorization: 'Bearer bench-admin-key-0000' };

function redisState(url: string, prefix: string): string {
  return `state:\n  store: redis\n  url: ${url}\n  keyPrefix: "${prefix}"\n`;
}

/** Runs the `shared` scenario against the fast upstream on `upstreamPort`. */
export async function sharedStateScenario(dir: string, upstreamPort: number): Promise<void> {
  const redis = await startRedisServer();
  const children: ChildServer[] = [];
  try {
    const memoryPath = join(dir, 'state-memory.yaml');
    const redisPath = join(dir, 'state-redis.yaml');
    writeFileSync(memoryPath, gatewayConfig(upstreamPort));
    writeFileSync(redisPath, `${gatewayConfig(upstreamPort)}${redisState(redis.url, 'bench-tp:')}`);
    const memory = await startGatewayChild(memoryPath);
    children.push(memory);
    const shared = await startGatewayChild(redisPath);
    children.push(shared);
    const control = await startGatewayChild(memoryPath);
    children.push(control);
    const targets: Target[] = [
      { name: 'state.store: memory', origin: memory.origin, headers: {}, process: memory },
      { name: 'state.store: redis', origin: shared.origin, headers: {}, process: shared },
      { name: 'state.store: memory (control)', origin: control.origin, headers: {}, process: control },
    ];
    for (const t of targets) await check(t, BODY, 'pong');
    const rows = await interleaved(targets, BODY);
    printInterleaved('Shared state on Redis vs in-process (non-streaming)', rows);
    const [m, r, c] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    const vs = (x: typeof m) =>
      `CPU/request ${(x.cpuUs / m.cpuUs).toFixed(3)}×, req/s ${(x.rps / m.rps).toFixed(3)}× ` +
      `(medians of per-round ratios: ${pairedRatio(x.cpuPerRound, m.cpuPerRound).toFixed(3)}×, ${pairedRatio(x.rpsPerRound, m.rpsPerRound).toFixed(3)}×)`;
    console.log(`\n- redis vs memory: ${vs(r)}`);
    console.log(`- memory (control) vs memory, what two identical gateways differ by here: ${vs(c)}`);
    // Every target has now had the same warm-up and rounds: the JIT state is comparable.
    await paired([targets[0]!, targets[2]!, targets[1]!]);
    await propagation(dir, upstreamPort, redis.url);
  } finally {
    for (const c of children) await c.close();
    await redis.stop();
  }
}

/**
 * Loads every target at once, 50 connections each at `PAIRED_RATE` req/s, in `ROUNDS` rounds of `ROUND_S`
 * seconds; prints CPU µs per answered request per round and each target's per-round ratio to the first.
 */
async function paired(targets: readonly Target[]): Promise<void> {
  const cpu = targets.map(() => [] as number[]);
  let failed = 0;
  for (const t of targets) await check(t, BODY, 'pong');
  await Promise.all(targets.map((t) => load(t, BODY, 2 * WARMUP_S, CONNECTIONS, PAIRED_RATE)));
  for (let round = 0; round < ROUNDS; round++) {
    const before = targets.map((t) => t.process?.cpuMicros() ?? Number.NaN);
    const results = await Promise.all(targets.map((t) => load(t, BODY, ROUND_S, CONNECTIONS, PAIRED_RATE)));
    targets.forEach((t, i) => {
      const r = results[i]!;
      failed += r.errors + r.non2xx + r.timeouts;
      cpu[i]!.push(((t.process?.cpuMicros() ?? Number.NaN) - before[i]!) / Math.max(1, r.ok));
    });
    console.log(`paired round ${round + 1}/${ROUNDS} done (loadavg ${loadavg()})`);
  }
  console.log(
    `\n### Paired: every target loaded at the same time, ${CONNECTIONS} connections and ${fmt(PAIRED_RATE)} req/s each (${ROUNDS} rounds × ${ROUND_S} s)\n`,
  );
  console.log(
    `| target | CPU µs/req (median) | per round | CPU/req vs ${targets[0]!.name}: per round | median |`,
  );
  console.log('|---|---:|---|---|---:|');
  targets.forEach((t, i) => {
    const f2 = (x: number) => x.toFixed(2);
    const ratios = cpu[i]!.map((c, round) => c / cpu[0]![round]!);
    console.log(
      `| ${t.name} | ${fmt(median(cpu[i]!))} | ${cpu[i]!.map((c) => fmt(c)).join(' / ')} | ${ratios.map(f2).join(' / ')} | ${f2(pairedRatio(cpu[i]!, cpu[0]!))}× |`,
    );
  });
  if (failed > 0) console.log(`\n- ${failed} requests failed during the paired rounds`);
}

async function propagation(dir: string, upstreamPort: number, url: string): Promise<void> {
  const path = join(dir, 'state-propagation.yaml');
  writeFileSync(
    path,
    `models:
  primary:
    provider: openai
    baseURL: http://127.0.0.1:${upstreamPort}/v1
    apiKey: sk-test-bench-0000
    model: down
    maxRetries: 0
    timeout: 10s
    circuitBreakerThreshold: 1
resilience:
  healthCheckInterval: 1h
  breaker: { openDuration: 1h }
server: { accessLog: false, logLevel: silent }
security:
  adminKeys:
    - { name: bench-admin, key: bench-admin-key-0000, scope: admin }
${redisState(url, 'bench-prop:')}`,
  );
  const gateways: RunningGateway[] = [];
  try {
    for (const id of ['a', 'b', 'c'])
      gateways.push(
        await startGateway({
          configPath: path,
          port: 0,
          dataDir: ':memory:',
          logger: false,
          probes: false,
          instanceId: id,
        }),
      );
    const [a, b, c] = gateways as [RunningGateway, RunningGateway, RunningGateway];
    const stateOf = (g: RunningGateway) => g.engine.current.models.get('primary')!.breaker.state;
    const whenAll = (want: string) =>
      new Promise<number>((resolve) => {
        const seen = new Set<RunningGateway>();
        const subs = [b, c].map((g) =>
          g.engine.events.on((e) => {
            if (e.type !== 'breaker.state_changed' || e.to !== want) return;
            seen.add(g);
            if (seen.size === 2) {
              for (const s of subs) s.dispose();
              resolve(performance.now());
            }
          }),
        );
      });
    const opened: number[] = [];
    const isolated: number[] = [];
    const post = (g: RunningGateway, action: string) =>
      fetch(`${g.url}/admin/v1/breakers/primary/${action}`, { method: 'POST', headers: ADMIN }).then((r) =>
        r.arrayBuffer(),
      );
    for (let i = 0; i < SAMPLES; i++) {
      let started = 0;
      const sub = a.engine.events.on((e) => {
        if (e.type === 'breaker.state_changed' && e.to === 'open') started = performance.now();
      });
      const done = whenAll('open');
      await fetch(`${a.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'x' }] }),
      }).then((r) => r.arrayBuffer());
      opened.push((await done) - started);
      sub.dispose();
      await post(a, 'close');
      while (stateOf(b) !== 'closed' || stateOf(c) !== 'closed') await sleep(2);
      const isoDone = whenAll('isolated');
      const t0 = performance.now();
      await post(a, 'isolate');
      isolated.push((await isoDone) - t0);
      await post(a, 'release');
      while (stateOf(b) !== 'closed' || stateOf(c) !== 'closed') await sleep(2);
    }
    const show = (label: string, list: number[]) => {
      const sorted = [...list].sort((x, y) => x - y);
      const f = (n: number) => n.toFixed(1);
      console.log(
        `- ${label}: p50 ${f(percentile(sorted, 50))} ms, p99 ${f(percentile(sorted, 99))} ms, max ${f(sorted.at(-1)!)} ms (${sorted.length} samples)`,
      );
    };
    console.log('\n### Propagation across three instances on one redis-server (loopback)\n');
    show('breaker opened on A (its own 503) → open on B and C', opened);
    show('isolation through A’s admin API (from the request) → isolated on B and C', isolated);
  } finally {
    for (const g of gateways) await g.close();
  }
}

/** CPU µs used so far by `pid` and its direct children (a cluster primary and its workers). */
function treeCpuMicros(pid: number): number | undefined {
  const ticks = (stat: string) => {
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), cpu: Number(fields[11]) + Number(fields[12]) };
  };
  let total = 0;
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      let stat: string;
      try {
        stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue;
      }
      const t = ticks(stat);
      if (Number(name) === pid || t.ppid === pid) total += t.cpu;
    }
  } catch {
    return undefined;
  }
  return (total * 1_000_000) / 100;
}

async function startServe(configPath: string, workers: number): Promise<ChildServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      'bin/hive-resilience.js',
      'serve',
      '--config',
      configPath,
      '--port',
      String(port),
      '--data-dir',
      ':memory:',
      '--workers',
      String(workers),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, HIVE_ADMIN_KEY: 'bench-admin-key-0000' } },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const origin = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const up = await fetch(`${origin}/health/live`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (i > 600 || child.exitCode !== null)
      throw new Error(`serve --workers ${workers} did not start: ${err.slice(-500)}`);
    await sleep(100);
  }
  await sleep(workers > 1 ? 3000 : 0); // let every worker finish starting
  return {
    origin,
    pid: child.pid!,
    rssKb: () => undefined,
    cpuMicros: () => treeCpuMicros(child.pid!),
    close: async () => {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Runs the `workers` scenario: `serve --workers 1` vs `--workers 2`. */
export async function workersScenario(dir: string, upstreamPort: number): Promise<void> {
  const path = join(dir, 'workers.yaml');
  writeFileSync(path, gatewayConfig(upstreamPort));
  const children: ChildServer[] = [];
  try {
    const one = await startServe(path, 1);
    children.push(one);
    const two = await startServe(path, 2);
    children.push(two);
    const targets: Target[] = [
      { name: 'serve --workers 1', origin: one.origin, headers: {}, process: one },
      { name: 'serve --workers 2', origin: two.origin, headers: {}, process: two },
    ];
    for (const t of targets) await check(t, BODY, 'pong');
    const rows = await interleaved(targets, BODY);
    printInterleaved('serve --workers 1 vs 2 (CPU summed over the primary and its workers)', rows);
    const [w1, w2] = rows as [(typeof rows)[0], (typeof rows)[0]];
    console.log(
      `\n- 2 workers vs 1: req/s ${(w2.rps / w1.rps).toFixed(3)}×, CPU/request ${(w2.cpuUs / w1.cpuUs).toFixed(3)}×`,
    );
  } finally {
    for (const c of children) await c.close();
  }
}
