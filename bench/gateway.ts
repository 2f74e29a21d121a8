/**
 * `npm run bench:gateway`: gateway throughput and latency on loopback, in one process run so the compared
 * figures share conditions. Scenarios (`BENCH_SCENARIOS=proxy,latency,cpu,stream,outage,dashboard,shared,workers`,
 * default all; or `--scenarios=…`):
 *  - `proxy`: 50 connections, non-streaming, one target after the other: the fast upstream directly, the
 *    bare Fastify + undici yardstick, our gateway in this process and in its own, Portkey;
 *  - `latency`: 1 connection, sequential requests (interleaved rounds, µs resolution): added median;
 *  - `cpu` / `stream`: non-streamed / streamed requests (the 4-chunk answer in one write, the 66-chunk one,
 *    and the 4-chunk one frame by frame, a millisecond apart), yardstick vs ours vs Portkey in interleaved rounds,
 *    CPU per answered request (gateway-scenarios.ts), ours and the yardstick as `BENCH_REPLICAS` processes
 *    each (default 2);
 *  - `outage`: primary down (breaker open, fallback serving) vs healthy, SQLite audit on disk, with the
 *    yardstick, interleaved; audit rows and bytes added (gateway-scenarios.ts);
 *  - `dashboard`: nobody watching vs the dashboard page attached vs a raw event-stream subscriber,
 *    interleaved, CPU per request (gateway-dashboard.ts);
 *  - `shared`: state on Redis vs in-process (CPU per request, req/s) and open/isolation propagation
 *    p50/p99 across three instances; `workers`: `serve --workers 1` vs `2` (gateway-shared-state.ts).
 * autocannon runs in a worker thread so the load generator does not share a gateway's event loop.
 * Everything listens on and talks to 127.0.0.1 (Portkey binds all interfaces; we only call 127.0.0.1).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningGateway } from '../src/gateway/start-gateway.js';
import { dashboardScenario } from './gateway-dashboard.js';
import {
  BODY,
  BUILD_DIR,
  type ChildServer,
  CONNECTIONS,
  check,
  childRss,
  DURATION_S,
  fmt,
  gatewayConfig,
  LATENCY_ROUND_MS,
  LATENCY_ROUNDS,
  LONG_STREAM_BODY,
  LONG_STREAM_CHUNKS,
  load,
  measured,
  NAMES,
  PIN,
  percentile,
  type Row,
  STREAM_BODY,
  sequentialLatency,
  startFastUpstream,
  startGatewayChild,
  startMinimalProxy,
  startPortkey,
  type Target,
  TRICKLE_STREAM_BODY,
  type Upstream,
  WARMUP_S,
} from './gateway-harness.js';
import { type CpuTargets, cpuScenario, outageScenario } from './gateway-scenarios.js';
import { sharedStateScenario, workersScenario } from './gateway-shared-state.js';
import { startInProcessGateway } from './in-process.js';
import { loadavg } from './loadavg.js';

/** Processes of ours and of the yardstick in the `cpu` and `stream` scenarios (`BENCH_REPLICAS`, default 2). */
const REPLICAS = Math.max(1, Number(process.env.BENCH_REPLICAS ?? 2));

const ALL_SCENARIOS = [
  'proxy',
  'latency',
  'cpu',
  'stream',
  'outage',
  'dashboard',
  'shared',
  'workers',
] as const;
type Scenario = (typeof ALL_SCENARIOS)[number];

/** The scenarios asked for (`--scenarios=a,b` or `BENCH_SCENARIOS=a,b`); all by default. */
function chosenScenarios(): Set<Scenario> {
  const arg = process.argv.find((a) => a.startsWith('--scenarios='))?.slice('--scenarios='.length);
  const raw = arg ?? process.env.BENCH_SCENARIOS;
  if (!raw) return new Set(ALL_SCENARIOS);
  const chosen = new Set<Scenario>();
  for (const name of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!(ALL_SCENARIOS as readonly string[]).includes(name)) {
      throw new Error(`unknown bench scenario "${name}" (known: ${ALL_SCENARIOS.join(', ')})`);
    }
    chosen.add(name as Scenario);
  }
  return chosen;
}

async function main(): Promise<void> {
  let scenarios: Set<Scenario>;
  try {
    scenarios = chosenScenarios();
  } catch (error) {
    console.error((error as Error).message);
    process.exitCode = 2;
    return;
  }
  const version = (pkg: string) =>
    (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
  console.log(
    `machine: nproc=${cpus().length}, ${cpus()[0]?.model ?? '?'}, node ${process.version}; ` +
      `autocannon ${version('autocannon')}, fastify ${version('fastify')}, undici ${version('undici')}, ` +
      `@portkey-ai/gateway ${version('@portkey-ai/gateway')}, @hono/node-server ${version('@hono/node-server')}`,
  );
  console.log(
    `scenarios: ${[...scenarios].join(', ')}; ` +
      (PIN
        ? `servers under test pinned to vCPU ${PIN.server}, load generator and upstream to ${PIN.bench}`
        : 'no pinning') +
      `; loadavg at start: ${loadavg()}`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'hive-bench-gateway-'));
  let upstream: Upstream | undefined;
  let gateway: RunningGateway | undefined;
  let oursChild: ChildServer | undefined;
  let portkey: ChildServer | undefined;
  let minimal: ChildServer | undefined;
  const replicas: ChildServer[] = [];
  let portkeyError: string | undefined;
  try {
    upstream = await startFastUpstream();
    const upstreamOrigin = `http://127.0.0.1:${upstream.port}`;
    const configPath = join(dir, 'gateway.yaml');
    writeFileSync(configPath, gatewayConfig(upstream.port));
    minimal = await startMinimalProxy(upstreamOrigin);
    const yardstick: Target = { name: NAMES.minimal, origin: minimal.origin, headers: {}, process: minimal };
    const needsOurs = ['proxy', 'latency', 'cpu', 'stream'].some((k) => scenarios.has(k as Scenario));
    if (needsOurs) oursChild = await startGatewayChild(configPath);
    const oursChildRssStarted = childRss(oursChild);
    if (scenarios.has('proxy') || scenarios.has('latency')) {
      gateway = await startInProcessGateway(configPath);
    }
    if (needsOurs) {
      try {
        portkey = await startPortkey();
      } catch (error) {
        portkeyError = error instanceof Error ? error.message : String(error);
        console.log(`Portkey unavailable: ${portkeyError}`);
      }
    }
    const portkeyRssStarted = childRss(portkey);
    const portkeyTarget: Target | undefined = portkey && {
      name: NAMES.portkey,
      origin: portkey.origin,
      process: portkey,
      headers: {
        'x-portkey-provider': 'openai',
        'x-portkey-custom-host': `${upstreamOrigin}/v1`,
        authorization: 'Bearer sk-test',
      },
    };
    const oursTarget: Target | undefined = oursChild && {
      name: NAMES.oursChild,
      origin: oursChild.origin,
      headers: {},
      process: oursChild,
    };

    if (scenarios.has('proxy') || scenarios.has('latency')) {
      const targets: Target[] = [
        { name: NAMES.direct, origin: upstreamOrigin, headers: {} },
        yardstick,
        { name: NAMES.ours, origin: gateway!.url, headers: {} },
        oursTarget!,
      ];
      if (portkeyTarget) targets.push(portkeyTarget);
      for (const t of targets) await check(t, BODY, 'pong');
      if (scenarios.has('proxy')) proxyScenario(await proxyRows(targets), portkeyError);
      if (scenarios.has('latency')) await latencyScenario(targets);
      console.log(
        `\nMemory: our gateway in its own process (pid ${oursChild!.pid}): started ${oursChildRssStarted}; now ${childRss(oursChild)}` +
          (portkey ? `; Portkey: started ${portkeyRssStarted}; now ${childRss(portkey)}` : ''),
      );
    }
    let cpuTargets: CpuTargets | undefined;
    if (scenarios.has('cpu') || scenarios.has('stream')) {
      // More processes of ours and of the yardstick (see `cpuScenario`), named #2, #3, …
      const yards = [yardstick];
      const ours = [oursTarget!];
      for (let k = 2; k <= REPLICAS; k++) {
        const y = await startMinimalProxy(upstreamOrigin);
        const g = await startGatewayChild(configPath);
        replicas.push(y, g);
        yards.push({ name: `${NAMES.minimal} #${k}`, origin: y.origin, headers: {}, process: y });
        ours.push({ name: `${NAMES.oursChild} #${k}`, origin: g.origin, headers: {}, process: g });
      }
      cpuTargets = { yardstick: yards, ours, portkey: portkeyTarget };
    }
    if (scenarios.has('cpu') && cpuTargets)
      await cpuScenario('Non-streaming, CPU per request', BODY, cpuTargets, 1.1);
    if (scenarios.has('stream') && cpuTargets) {
      await cpuScenario('Streaming (SSE, 4 chunks + [DONE])', STREAM_BODY, cpuTargets, 1.2);
      await cpuScenario(
        `Streaming a longer answer (SSE, ${LONG_STREAM_CHUNKS + 2} chunks + [DONE])`,
        LONG_STREAM_BODY,
        cpuTargets,
        1.2,
      );
      await cpuScenario(
        'Streaming frame by frame (the 4-chunk answer, one upstream write a millisecond apart per frame)',
        TRICKLE_STREAM_BODY,
        cpuTargets,
        1.2,
      );
    }
    if (oursChild) {
      const kb = oursChild.rssKb();
      console.log(
        `- our gateway at the end: ${childRss(oursChild)} → RSS < 150 MB: ${kb && kb.rss < 150 * 1024 ? 'PASS' : 'FAIL'}`,
      );
    }
    if (scenarios.has('outage')) await outageScenario(dir, upstream.port, yardstick);
    if (scenarios.has('dashboard')) await dashboardScenario(dir, upstream.port);
    if (scenarios.has('shared')) await sharedStateScenario(dir, upstream.port);
    if (scenarios.has('workers')) await workersScenario(dir, upstream.port);
    console.log(`\nloadavg at end: ${loadavg()}`);
  } finally {
    await portkey?.close();
    await minimal?.close();
    for (const r of replicas) await r.close();
    await oursChild?.close();
    await gateway?.close();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(BUILD_DIR, { recursive: true, force: true });
  }
}

/** Non-streaming throughput at 50 connections, one target after the other. */
async function proxyRows(targets: readonly Target[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const t of targets) {
    await load(t, BODY, WARMUP_S, CONNECTIONS);
    const row = await measured(t, BODY, DURATION_S);
    rows.push(row);
    console.log(`${t.name}: ${JSON.stringify(row)}`);
  }
  return rows;
}

function proxyScenario(rows: readonly Row[], portkeyError: string | undefined): void {
  console.log(`\n### Non-streaming (${CONNECTIONS} connections, ${DURATION_S} s each)\n`);
  console.log(
    '| target | req/s | p50 | p99 | max | CPU µs/req | 2xx | errors | non-2xx | timeouts | loadavg after (1/5/15 min) |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const l = r.load;
    const cpu = r.cpuPerRequestUs === undefined ? 'n/a' : fmt(r.cpuPerRequestUs);
    console.log(
      `| ${r.target} | ${fmt(l.rps)} | ${l.p50} ms | ${l.p99} ms | ${l.max} ms | ${cpu} | ${fmt(l.ok)} | ${l.errors} | ${l.non2xx} | ${l.timeouts} | ${r.loadavg} |`,
    );
  }
  const cpuOf = (name: string) => rows.find((r) => r.target === name)?.cpuPerRequestUs;
  const ours = cpuOf(NAMES.oursChild);
  const bare = cpuOf(NAMES.minimal);
  const pk = cpuOf(NAMES.portkey);
  if (ours !== undefined && bare !== undefined) {
    const ratio = ours / bare;
    console.log(
      `\n- non-streaming CPU/request vs yardstick: ${ratio.toFixed(2)}× (target ≤ 1.1: ${ratio <= 1.1 ? 'PASS' : 'FAIL'})`,
    );
  }
  if (ours !== undefined && pk !== undefined) {
    const ratio = pk / ours;
    console.log(
      `- Portkey / ours, CPU/request: ${ratio.toFixed(1)}× (target ≥ 10: ${ratio >= 10 ? 'PASS' : 'FAIL'})`,
    );
  } else console.log(`- Portkey not measured (${portkeyError ?? 'unavailable'})`);
  const byName = new Map(rows.map((r) => [r.target, r.load]));
  const theirs = byName.get(NAMES.portkey);
  const child = byName.get(NAMES.oursChild);
  if (theirs && child)
    console.log(`- own process vs Portkey, req/s: ${(child.rps / theirs.rps).toFixed(1)}×`);
}

async function latencyScenario(targets: readonly Target[]): Promise<void> {
  const latencyLoad = loadavg();
  const samples = await sequentialLatency(targets);
  const latencyLoadEnd = loadavg();
  const medians = new Map<string, { p50: number; p99: number; n: number }>();
  for (const [name, list] of samples) {
    const sorted = [...list].sort((a, b) => a - b);
    medians.set(name, { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length });
  }
  console.log(
    `\n### 1 connection, sequential (${LATENCY_ROUNDS} interleaved rounds × ${LATENCY_ROUND_MS} ms; loadavg ${latencyLoad} → ${latencyLoadEnd})\n`,
  );
  console.log('| target | requests | p50 | p99 | added p50 vs direct |');
  console.log('|---|---:|---:|---:|---:|');
  const direct = medians.get(NAMES.direct);
  for (const t of targets) {
    const m = medians.get(t.name);
    if (!m || !direct) continue;
    const added = m.p50 - direct.p50;
    const verdict =
      t.name === NAMES.oursChild || t.name === NAMES.ours
        ? added < 0.5
          ? ' (< 0.5 ms: PASS)'
          : ' (< 0.5 ms: FAIL)'
        : '';
    console.log(
      `| ${t.name} | ${m.n} | ${m.p50.toFixed(3)} ms | ${m.p99.toFixed(3)} ms | ${added.toFixed(3)} ms${verdict} |`,
    );
  }
}

await main();
