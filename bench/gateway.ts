/**
 * `npm run bench:gateway`: gateway throughput and latency on loopback, in one process run so the compared
 * figures share conditions. Targets:
 *  (a) a fast upstream directly (a minimal node:http server in a worker thread, same small JSON answer),
 *  (b) our gateway (`startGateway`, in this process; Fastify, one openai model at the fast upstream, no
 *      logger, no access log, in-memory audit),
 *  (c) Portkey's open-source gateway (`@portkey-ai/gateway`, a child process, `--headless`).
 * autocannon (in a worker thread, so the load generator does not share our gateway's event loop) runs
 * 50 connections for 10 s per target, non-streaming; then 1 connection (sequential requests on an undici
 * client, interleaved rounds, µs resolution) for the added median latency; then a streaming variant.
 * Everything listens on and talks to 127.0.0.1 (Portkey binds all interfaces; we only call 127.0.0.1).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { Client } from 'undici';
import { type RunningGateway, startGateway } from '../src/gateway/start-gateway.js';
import { loadavg } from './loadavg.js';

const CONNECTIONS = 50;
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP_S = 2;
const STREAM_DURATION_S = Number(process.env.BENCH_STREAM_DURATION ?? 5);
/** 1-connection latency: rounds × ms per target, interleaved so drift in machine load hits all alike. */
const LATENCY_ROUNDS = 5;
const LATENCY_ROUND_MS = 1000;
const PORTKEY_ENTRY = 'node_modules/@portkey-ai/gateway/build/start-server.js';
const MODEL = 'fast';
/**
 * Where the esbuild bundle of bench/fixtures/gateway-child.ts goes: under node_modules (ignored by git and
 * Biome) so its bare imports resolve; removed at the end.
 */
const BUILD_DIR = 'node_modules/.cache/hive-bench-gateway';

/** The fast upstream: answers every chat completion with one precomputed body (SSE when asked to stream). */
const UPSTREAM_SOURCE = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const created = 1700000000;
const body = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created, model: 'fast',
  choices: [{ index: 0, message: { role: 'assistant', content: 'pong' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
});
const chunk = (delta, finish) => 'data: ' + JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion.chunk', created, model: 'fast',
  choices: [{ index: 0, delta, finish_reason: finish }],
}) + '\\n\\n';
const sse = chunk({ role: 'assistant', content: '' }, null) + chunk({ content: 'po' }, null) +
  chunk({ content: 'ng' }, null) + chunk({}, 'stop') + 'data: [DONE]\\n\\n';
const models = JSON.stringify({ object: 'list', data: [{ id: 'fast', object: 'model', created, owned_by: 'bench' }] });
const jsonHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(sse) };
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url.endsWith('/models')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(models);
    return;
  }
  if (req.method !== 'POST' || !req.url.endsWith('/chat/completions')) {
    res.writeHead(404).end();
    return;
  }
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (d) => { text += d; });
  req.on('end', () => {
    if (text.includes('"stream":true')) {
      res.writeHead(200, sseHeaders);
      res.end(sse);
    } else {
      res.writeHead(200, jsonHeaders);
      res.end(body);
    }
  });
});
server.keepAliveTimeout = 120000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
parentPort.on('message', (m) => { if (m === 'close') { server.closeAllConnections(); server.close(() => process.exit(0)); } });
`;

interface Upstream {
  readonly port: number;
  close(): Promise<void>;
}

async function startFastUpstream(): Promise<Upstream> {
  const worker = new Worker(UPSTREAM_SOURCE, { eval: true, execArgv: [] });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', (p: number) => resolve(p));
    worker.once('error', reject);
  });
  return {
    port,
    close: async () => {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close');
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface ChildServer {
  readonly origin: string;
  readonly pid: number;
  rssKb(): { rss: number; hwm: number } | undefined;
  /** CPU time the process has used so far (user + system), in µs. */
  cpuMicros(): number | undefined;
  close(): Promise<void>;
}

const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Spawns `node args…` and waits (bounded: 100 × 100 ms) until `ready` finds its origin; kills it on failure.
 */
async function startChild(
  name: string,
  args: readonly string[],
  ready: (output: string) => Promise<string | undefined>,
): Promise<ChildServer> {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  children.add(child);
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve();
    }),
  );
  const close = async () => {
    if (exitCode === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
    children.delete(child);
  };
  for (let i = 0; i < 100; i++) {
    if (exitCode !== undefined) break;
    const origin = await ready(output).catch(() => undefined);
    if (origin) {
      return {
        origin,
        pid: child.pid ?? -1,
        rssKb: () => procRss(child.pid),
        cpuMicros: () => procCpuMicros(child.pid),
        close,
      };
    }
    await sleep(100);
  }
  await close();
  throw new Error(`${name} did not start (exit code ${String(exitCode)}); output:\n${output}`);
}

async function startPortkey(): Promise<ChildServer> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  return startChild('Portkey', [PORTKEY_ENTRY, '--headless', `--port=${port}`], async () => {
    const res = await fetch(`${origin}/`);
    await res.text();
    return res.ok ? origin : undefined;
  });
}

/** Our gateway in a child process: bench/fixtures/gateway-child.ts bundled by esbuild, run by plain node. */
async function startGatewayChild(configPath: string): Promise<ChildServer> {
  const outfile = join(BUILD_DIR, 'gateway-child.mjs');
  const built = spawnSync(
    'node_modules/.bin/esbuild',
    [
      'bench/fixtures/gateway-child.ts',
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--packages=external',
      '--log-level=warning',
      `--outfile=${outfile}`,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );
  if (built.status !== 0) throw new Error(`esbuild failed: ${built.stderr || built.error?.message}`);
  // HIVE_BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the child gateway there (for finding hot spots).
  const profDir = process.env.HIVE_BENCH_CPU_PROF;
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  return startChild('hive-resilience gateway (child)', [...prof, outfile, configPath], async (output) => {
    const line = /\{"url":"([^"]+)"\}/.exec(output);
    return line?.[1];
  });
}

/** The yardstick: a minimal Fastify + undici proxy (bench/fixtures/minimal-proxy.mjs) in a child process. */
async function startMinimalProxy(upstreamOrigin: string): Promise<ChildServer> {
  return startChild('minimal proxy', ['bench/fixtures/minimal-proxy.mjs', upstreamOrigin], async (output) => {
    const line = /\{"url":"([^"]+)"\}/.exec(output);
    return line?.[1];
  });
}

/** Clock ticks per second for /proc/<pid>/stat (CLK_TCK; 100 on Linux unless told otherwise). */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

function procCpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1e6;
  } catch {
    return undefined;
  }
}

function procRss(pid: number | undefined): { rss: number; hwm: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)/.exec(status)?.[1];
    const hwm = /VmHWM:\s+(\d+)/.exec(status)?.[1];
    return rss && hwm ? { rss: Number(rss), hwm: Number(hwm) } : undefined;
  } catch {
    return undefined;
  }
}

function gatewayConfig(upstreamPort: number): string {
  return `models:
  ${MODEL}:
    provider: openai
    baseURL: http://127.0.0.1:${upstreamPort}/v1
    apiKey: sk-test-bench-0000
    model: ${MODEL}
    capabilities: [streaming, json]
    maxRetries: 0
    timeout: 10s
    circuitBreakerThreshold: 5
resilience:
  healthCheckInterval: 1h
server:
  accessLog: false
  logLevel: silent
security:
  adminKeys:
    - { name: bench-admin, key: bench-admin-key-0000, scope: admin }
`;
}

interface Target {
  readonly name: string;
  readonly origin: string;
  readonly headers: Record<string, string>;
  /** The target's own process, when it has one (its CPU time per request is reported). */
  readonly process?: ChildServer;
}

const BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'ping' }] });
const STREAM_BODY = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'ping' }],
  stream: true,
});

async function check(target: Target, body: string, expect: string): Promise<void> {
  const res = await fetch(`${target.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body,
  });
  const text = await res.text();
  if (res.status !== 200 || !text.includes(expect)) {
    throw new Error(`${target.name}: sanity request failed: ${res.status} ${text.slice(0, 300)}`);
  }
}

interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly ok: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly timeouts: number;
}

async function load(target: Target, body: string, seconds: number, connections: number): Promise<LoadResult> {
  const result = await autocannon({
    url: `${target.origin}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body,
    connections,
    duration: seconds,
    workers: 1,
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    max: result.latency.max,
    ok: result['2xx'],
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  };
}

/** Sequential requests on one keep-alive connection, interleaved across targets; per-request ms samples. */
async function sequentialLatency(targets: readonly Target[]): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const clients = new Map(targets.map((t) => [t.name, new Client(t.origin, { pipelining: 1 })]));
  try {
    const once = async (t: Target): Promise<number> => {
      const client = clients.get(t.name);
      if (!client) throw new Error('no client');
      const started = performance.now();
      const res = await client.request({
        path: '/v1/chat/completions',
        method: 'POST',
        headers: { 'content-type': 'application/json', ...t.headers },
        body: BODY,
      });
      await res.body.text();
      const elapsed = performance.now() - started;
      if (res.statusCode !== 200) throw new Error(`${t.name}: status ${res.statusCode}`);
      return elapsed;
    };
    for (const t of targets) for (let i = 0; i < 200; i++) await once(t); // warm-up
    for (let round = 0; round < LATENCY_ROUNDS; round++) {
      for (const t of targets) {
        const list = samples.get(t.name) ?? [];
        const until = performance.now() + LATENCY_ROUND_MS;
        while (performance.now() < until) list.push(await once(t));
      }
    }
  } finally {
    await Promise.all([...clients.values()].map((c) => c.close()));
  }
  return samples;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';

interface Row {
  readonly target: string;
  readonly load: LoadResult;
  readonly loadavg: string;
  /** The target process's CPU time per answered request (µs), when it runs in a process of its own. */
  readonly cpuPerRequestUs: number | undefined;
}

/** Runs one measured load and reads the target process's CPU time around it. */
async function measured(t: Target, body: string, seconds: number): Promise<Row> {
  const before = t.process?.cpuMicros();
  const result = await load(t, body, seconds, CONNECTIONS);
  const after = t.process?.cpuMicros();
  const cpu =
    before !== undefined && after !== undefined && result.ok > 0 ? (after - before) / result.ok : undefined;
  return { target: t.name, load: result, loadavg: loadavg(), cpuPerRequestUs: cpu };
}

const NAMES = {
  direct: 'direct (fast upstream)',
  minimal: 'minimal Fastify+undici proxy (yardstick)',
  ours: 'hive-resilience, in-process',
  oursChild: 'hive-resilience, own process',
  portkey: 'Portkey 1.15.2, own process',
} as const;

function childRss(child: ChildServer | undefined): string {
  const kb = child?.rssKb();
  return kb ? `VmRSS ${fmt(kb.rss / 1024)} MB (VmHWM ${fmt(kb.hwm / 1024)} MB)` : 'n/a';
}

async function main(): Promise<void> {
  const version = (pkg: string) =>
    (JSON.parse(readFileSync(`node_modules/${pkg}/package.json`, 'utf8')) as { version: string }).version;
  console.log(
    `machine: nproc=${cpus().length}, ${cpus()[0]?.model ?? '?'}, node ${process.version}; ` +
      `autocannon ${version('autocannon')}, fastify ${version('fastify')}, undici ${version('undici')}, ` +
      `@portkey-ai/gateway ${version('@portkey-ai/gateway')}, @hono/node-server ${version('@hono/node-server')}`,
  );
  console.log(`loadavg at start: ${loadavg()}`);
  const rssBefore = process.memoryUsage().rss;
  const dir = mkdtempSync(join(tmpdir(), 'hive-bench-gateway-'));
  let upstream: Upstream | undefined;
  let gateway: RunningGateway | undefined;
  let oursChild: ChildServer | undefined;
  let portkey: ChildServer | undefined;
  let minimal: ChildServer | undefined;
  let portkeyError: string | undefined;
  try {
    upstream = await startFastUpstream();
    const rssUpstream = process.memoryUsage().rss;
    const configPath = join(dir, 'gateway.yaml');
    writeFileSync(configPath, gatewayConfig(upstream.port));
    gateway = await startGateway({
      configPath,
      host: '127.0.0.1',
      port: 0,
      dataDir: ':memory:',
      logger: false,
      probes: false,
    });
    const rssGatewayStarted = process.memoryUsage().rss;
    oursChild = await startGatewayChild(configPath);
    const oursChildRssStarted = childRss(oursChild);
    try {
      portkey = await startPortkey();
    } catch (error) {
      portkeyError = error instanceof Error ? error.message : String(error);
      console.log(`Portkey unavailable: ${portkeyError}`);
    }
    const portkeyRssStarted = childRss(portkey);
    const upstreamOrigin = `http://127.0.0.1:${upstream.port}`;
    minimal = await startMinimalProxy(upstreamOrigin);
    const targets: Target[] = [
      { name: NAMES.direct, origin: upstreamOrigin, headers: {} },
      { name: NAMES.minimal, origin: minimal.origin, headers: {}, process: minimal },
      { name: NAMES.ours, origin: gateway.url, headers: {} },
      { name: NAMES.oursChild, origin: oursChild.origin, headers: {}, process: oursChild },
    ];
    if (portkey) {
      targets.push({
        name: NAMES.portkey,
        origin: portkey.origin,
        process: portkey,
        headers: {
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': `${upstreamOrigin}/v1`,
          authorization: 'Bearer sk-test',
        },
      });
    }
    for (const t of targets) {
      await check(t, BODY, 'pong');
      await check(t, STREAM_BODY, '[DONE]');
    }

    // 1. Throughput, 50 connections, non-streaming.
    const rows: Row[] = [];
    for (const t of targets) {
      await load(t, BODY, WARMUP_S, CONNECTIONS);
      const row = await measured(t, BODY, DURATION_S);
      rows.push(row);
      console.log(`${t.name}: ${JSON.stringify(row)}`);
    }
    const rssAfterLoad = process.memoryUsage().rss;
    const oursChildRssAfterLoad = oursChild.rssKb();
    const portkeyRssAfterLoad = portkey?.rssKb();

    // 2. Added latency at 1 connection.
    const latencyLoad = loadavg();
    const samples = await sequentialLatency(targets);
    const medians = new Map<string, { p50: number; p99: number; n: number }>();
    for (const [name, list] of samples) {
      const sorted = [...list].sort((a, b) => a - b);
      medians.set(name, { p50: percentile(sorted, 50), p99: percentile(sorted, 99), n: sorted.length });
    }
    const latencyLoadEnd = loadavg();
    console.log(
      `1-connection latency (loadavg ${latencyLoad} → ${latencyLoadEnd}):`,
      Object.fromEntries(medians),
    );

    // 3. Streaming variant, 50 connections.
    const streamRows: Row[] = [];
    for (const t of targets) {
      await load(t, STREAM_BODY, WARMUP_S, CONNECTIONS);
      const row = await measured(t, STREAM_BODY, STREAM_DURATION_S);
      streamRows.push(row);
      console.log(`${t.name} (stream): ${JSON.stringify(row)}`);
    }
    const rssEnd = process.memoryUsage().rss;
    const maxRssKb = process.resourceUsage().maxRSS;

    // Report.
    const table = (title: string, list: readonly Row[], seconds: number) => {
      console.log(`\n### ${title} (${CONNECTIONS} connections, ${seconds} s each)\n`);
      console.log(
        '| target | req/s | p50 | p99 | max | CPU µs/req | 2xx | errors | non-2xx | timeouts | loadavg after (1/5/15 min) |',
      );
      console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
      for (const r of list) {
        const l = r.load;
        const cpu = r.cpuPerRequestUs === undefined ? 'n/a' : fmt(r.cpuPerRequestUs);
        console.log(
          `| ${r.target} | ${fmt(l.rps)} | ${l.p50} ms | ${l.p99} ms | ${l.max} ms | ${cpu} | ${fmt(l.ok)} | ${l.errors} | ${l.non2xx} | ${l.timeouts} | ${r.loadavg} |`,
        );
      }
    };
    table('Non-streaming', rows, DURATION_S);
    table('Streaming (SSE, 4 chunks + [DONE])', streamRows, STREAM_DURATION_S);

    console.log(
      `\n### 1 connection, sequential (${LATENCY_ROUNDS} interleaved rounds × ${LATENCY_ROUND_MS} ms; loadavg ${latencyLoad} → ${latencyLoadEnd})\n`,
    );
    console.log('| target | requests | p50 | p99 | added p50 vs direct |');
    console.log('|---|---:|---:|---:|---:|');
    const direct = medians.get(NAMES.direct);
    for (const t of targets) {
      const m = medians.get(t.name);
      if (!m || !direct) continue;
      console.log(
        `| ${t.name} | ${m.n} | ${m.p50.toFixed(3)} ms | ${m.p99.toFixed(3)} ms | ${(m.p50 - direct.p50).toFixed(3)} ms |`,
      );
    }

    console.log('\n### Memory\n');
    console.log(
      `- bench process (our gateway in-process, plus tsx, the upstream worker and the autocannon worker threads): ` +
        `rss at start ${mb(rssBefore)}, with upstream worker ${mb(rssUpstream)}, gateway started ${mb(rssGatewayStarted)}, ` +
        `after non-streaming load ${mb(rssAfterLoad)}, at end ${mb(rssEnd)}, peak (maxRSS) ${fmt(maxRssKb / 1024)} MB`,
    );
    console.log(
      `- our gateway in its own process (pid ${oursChild.pid}): started ${oursChildRssStarted}; after non-streaming load ` +
        `VmRSS ${fmt((oursChildRssAfterLoad?.rss ?? Number.NaN) / 1024)} MB; at end ${childRss(oursChild)}`,
    );
    if (portkey) {
      console.log(
        `- Portkey (pid ${portkey.pid}): started ${portkeyRssStarted}; after non-streaming load ` +
          `VmRSS ${fmt((portkeyRssAfterLoad?.rss ?? Number.NaN) / 1024)} MB; at end ${childRss(portkey)}`,
      );
    }

    console.log(
      '\nCPU µs/req: CPU time (user + system) the target process spent per answered request during the ' +
        'measured run (n/a: the target shares the bench process).',
    );
    const cpuOf = (list: readonly Row[], name: string) =>
      list.find((r) => r.target === name)?.cpuPerRequestUs;
    for (const [label, list] of [
      ['non-streaming', rows],
      ['streaming', streamRows],
    ] as const) {
      const ours = cpuOf(list, NAMES.oursChild);
      const bare = cpuOf(list, NAMES.minimal);
      const pk = cpuOf(list, NAMES.portkey);
      if (ours === undefined) continue;
      const parts = [`ours ${fmt(ours)} µs`];
      if (bare !== undefined) parts.push(`yardstick ${fmt(bare)} µs (ours = ${(ours / bare).toFixed(2)}×)`);
      if (pk !== undefined) parts.push(`Portkey ${fmt(pk)} µs (Portkey / ours = ${(pk / ours).toFixed(1)}×)`);
      console.log(`- CPU per request, ${label}: ${parts.join('; ')}`);
    }

    console.log('\n### Targets\n');
    const byName = new Map(rows.map((r) => [r.target, r.load]));
    const theirs = byName.get(NAMES.portkey);
    for (const name of [NAMES.ours, NAMES.oursChild]) {
      const ours = byName.get(name);
      if (!ours) continue;
      if (theirs) {
        const ratio = ours.rps / theirs.rps;
        console.log(
          `- ${name}: ≥ 10× Portkey's throughput: ${ratio.toFixed(1)}× → ${ratio >= 10 ? 'PASS' : 'FAIL'}`,
        );
      } else {
        console.log(
          `- ${name}: ≥ 10× Portkey's throughput: not measured (${portkeyError ?? 'Portkey unavailable'})`,
        );
      }
      console.log(
        `- ${name}: p99 < 10 ms at 50 connections: ${ours.p99} ms → ${ours.p99 < 10 ? 'PASS' : 'FAIL'}`,
      );
      const gw = medians.get(name);
      if (gw && direct) {
        const added = gw.p50 - direct.p50;
        console.log(
          `- ${name}: < 0.5 ms added median at 1 connection: ${added.toFixed(3)} ms → ${added < 0.5 ? 'PASS' : 'FAIL'}`,
        );
      }
    }
    const childKb = oursChildRssAfterLoad?.rss ?? Number.NaN;
    console.log(
      `- RSS < 150 MB after the run: own process ${fmt(childKb / 1024)} MB → ${childKb < 150 * 1024 ? 'PASS' : 'FAIL'}; ` +
        `bench process ${mb(rssAfterLoad)} (in-process gateway + tsx + worker threads) → ${rssAfterLoad < 150 * 1048576 ? 'PASS' : 'FAIL'}`,
    );
    console.log(`loadavg at end: ${loadavg()}`);
  } finally {
    await portkey?.close();
    await minimal?.close();
    await oursChild?.close();
    await gateway?.close();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(BUILD_DIR, { recursive: true, force: true });
  }
}

await main();
