/**
 * What the gateway benchmarks share: the fast upstream (a worker thread), child processes (our gateway
 * bundled by esbuild, the bare Fastify + undici yardstick, Portkey), their CPU time and RSS from /proc, and
 * autocannon loads.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import autocannon from 'autocannon';
import { Client } from 'undici';
import { freePort } from '../test/helpers/free-port.js';
import { loadavg } from './loadavg.js';

export { freePort };

export const CONNECTIONS = 50;
export const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
export const WARMUP_S = 2;
export const STREAM_DURATION_S = Number(process.env.BENCH_STREAM_DURATION ?? 5);
/** 1-connection latency: rounds × ms per target, interleaved so drift in machine load hits all alike. */
export const LATENCY_ROUNDS = 5;
export const LATENCY_ROUND_MS = 1000;
const PORTKEY_ENTRY = 'node_modules/@portkey-ai/gateway/build/start-server.js';
export const MODEL = 'fast';
/**
 * Where the esbuild bundle of bench/fixtures/gateway-child.ts goes: under node_modules (ignored by git and
 * Biome) so its bare imports resolve; removed at the end.
 */
export const BUILD_DIR = 'node_modules/.cache/hive-bench-gateway';

/** Content chunks in the long stream (`LONG_STREAM_BODY`): a short answer of that many tokens. */
export const LONG_STREAM_CHUNKS = 64;

/**
 * The fast upstream: answers every chat completion with one precomputed body (SSE when asked to stream;
 * {@link LONG_STREAM_CHUNKS} content chunks when the body says `"user":"long-stream"`).
 */
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
// A longer answer ("user":"long-stream" in the request): ${LONG_STREAM_CHUNKS} content chunks of one token each.
let longSse = chunk({ role: 'assistant', content: '' }, null);
for (let i = 0; i < ${LONG_STREAM_CHUNKS}; i++) longSse += chunk({ content: ' tok' + (i % 10) }, null);
longSse += chunk({}, 'stop') + 'data: [DONE]\\n\\n';
const models = JSON.stringify({ object: 'list', data: [{ id: 'fast', object: 'model', created, owned_by: 'bench' }] });
const jsonHeaders = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
const sseHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'content-length': Buffer.byteLength(sse) };
const frames = sse.split(/(?<=\\n\\n)/);
const trickleHeaders = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const longSseHeaders = { ...sseHeaders, 'content-length': Buffer.byteLength(longSse) };
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
    // The model "down" is a primary in an outage: every call answers 503.
    if (text.includes('"model":"down"')) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":{"message":"overloaded","type":"server_error"}}');
      return;
    }
    if (text.includes('"trickle"')) {
      // One frame per write, a millisecond apart: the gateway reads the answer frame by frame, as it reads a
      // real model that emits tokens over time.
      res.writeHead(200, trickleHeaders);
      let i = 0;
      const next = () => {
        if (res.destroyed) return; // the load generator closed the connection mid-answer
        if (i < frames.length) {
          res.write(frames[i++]);
          setTimeout(next, 1);
        } else res.end();
      };
      next();
    } else if (text.includes('"long-stream"')) {
      res.writeHead(200, longSseHeaders);
      res.end(longSse);
    } else if (text.includes('"stream":true')) {
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

export interface Upstream {
  readonly port: number;
  close(): Promise<void>;
}

export async function startFastUpstream(): Promise<Upstream> {
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

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface ChildServer {
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
 * Pinning (`BENCH_PIN=0` turns it off): with `taskset` and 2+ vCPUs, every server under test runs on the
 * last vCPU and this process (the load generator and the fast upstream, worker threads) on the others, as
 * docs/contributing.md asks for CPU-per-request comparisons. Servers under test then share one vCPU
 * with each other only when they are measured at the same time, which never happens.
 */
export const PIN = pinning();

function pinning(): { server: string; bench: string } | undefined {
  const n = cpus().length;
  if (process.env.BENCH_PIN === '0' || n < 2) return undefined;
  const bench = n === 2 ? '0' : `0-${n - 2}`;
  const pinned = spawnSync('taskset', ['-a', '-p', '-c', bench, String(process.pid)], { encoding: 'utf8' });
  if (pinned.status !== 0) return undefined;
  return { server: String(n - 1), bench };
}

/**
 * Spawns `node args…` and waits (bounded: 100 × 100 ms) until `ready` finds its origin; kills it on failure.
 */
export async function startChild(
  name: string,
  args: readonly string[],
  ready: (output: string) => Promise<string | undefined>,
): Promise<ChildServer> {
  const [command, argv] = PIN
    ? ['taskset', ['-c', PIN.server, process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(command, argv, {
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

export async function startPortkey(): Promise<ChildServer> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  return startChild('Portkey', [PORTKEY_ENTRY, '--headless', `--port=${port}`], async () => {
    const res = await fetch(`${origin}/`);
    await res.text();
    return res.ok ? origin : undefined;
  });
}

/** Our gateway in a child process: bench/fixtures/gateway-child.ts bundled by esbuild, run by plain node. */
let bundled = false;

/**
 * Our gateway in a child process: bench/fixtures/gateway-child.ts bundled by esbuild (once per run), run by
 * plain node, its audit log in `dataDir` (SQLite as shipped) or in memory (`':memory:'`).
 */
export async function startGatewayChild(configPath: string, dataDir = ':memory:'): Promise<ChildServer> {
  const outfile = join(BUILD_DIR, 'gateway-child.mjs');
  if (!bundled) bundleGatewayChild(outfile);
  bundled = true;
  // HIVE_BENCH_CPU_PROF=<dir>: write a V8 CPU profile of the child gateway there (for finding hot spots).
  const profDir = process.env.HIVE_BENCH_CPU_PROF;
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
  // HIVE_BENCH_NODE_FLAGS: extra Node/V8 flags for the child gateway (experiments).
  const flags = process.env.HIVE_BENCH_NODE_FLAGS?.split(' ').filter((f) => f !== '') ?? [];
  return startChild(
    'hive-resilience gateway (child)',
    [...flags, ...prof, outfile, configPath, dataDir],
    async (output) => {
      const line = /\{"url":"([^"]+)"\}/.exec(output);
      return line?.[1];
    },
  );
}

/**
 * Bundles the child gateway (`bench/fixtures/gateway-child.ts` of the checkout at `cwd`, default this one;
 * or another `entry` of it) with esbuild, dependencies external, into `outfile`.
 */
export function bundleGatewayChild(
  outfile: string,
  cwd = process.cwd(),
  entry = 'bench/fixtures/gateway-child.ts',
): void {
  const stem = basename(outfile).replace(/\.mjs$/, '');
  const built = spawnSync(
    resolve('node_modules/.bin/esbuild'),
    [
      entry,
      '--bundle',
      '--platform=node',
      '--format=esm',
      '--packages=external',
      '--log-level=warning',
      // Split at dynamic imports, as the compiled package loads them: what the gateway loads only when
      // configured (the Redis client) stays out of the process, as in production.
      '--splitting',
      `--outdir=${dirname(outfile)}`,
      `--entry-names=${stem}`,
      `--chunk-names=${stem}-chunks/[name]-[hash]`,
      '--out-extension:.js=.mjs',
    ],
    { cwd, encoding: 'utf8', timeout: 60_000 },
  );
  if (built.status !== 0) throw new Error(`esbuild failed: ${built.stderr || built.error?.message}`);
}

/** The yardstick: a minimal Fastify + undici proxy (bench/fixtures/minimal-proxy.mjs) in a child process. */
export async function startMinimalProxy(upstreamOrigin: string): Promise<ChildServer> {
  return startChild('minimal proxy', ['bench/fixtures/minimal-proxy.mjs', upstreamOrigin], async (output) => {
    const line = /\{"url":"([^"]+)"\}/.exec(output);
    return line?.[1];
  });
}

/** Clock ticks per second for /proc/<pid>/stat (CLK_TCK; 100 on Linux unless told otherwise). */
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;

export function procCpuMicros(pid: number | undefined): number | undefined {
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

export function procRss(pid: number | undefined): { rss: number; hwm: number } | undefined {
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

export function gatewayConfig(upstreamPort: number): string {
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
  # 50 connections to one model: above the default per-model limit (10), which would shed the excess.
  maxConcurrentRequests: 256
server:
  accessLog: false
  logLevel: silent
security:
  adminKeys:
    - { name: bench-admin, key: bench-admin-key-0000, scope: admin }
`;
}

/**
 * A gateway with a model `primary` falling back to `fast`. `primaryModel: 'down'` points the primary at a
 * model the fast upstream answers with 503 (an outage: its breaker opens, the fallback serves);
 * `'fast'` is the same gateway with a healthy primary. `aggregateWindow` overrides the audit's (as shipped
 * when omitted).
 */
export function pairConfig(
  upstreamPort: number,
  primaryModel: 'fast' | 'down',
  aggregateWindow?: string,
): string {
  const model = (name: string, providerModel: string, extra: string) => `  ${name}:
    provider: openai
    baseURL: http://127.0.0.1:${upstreamPort}/v1
    apiKey: sk-test-bench-0000
    model: ${providerModel}
    capabilities: [streaming, json]
    maxRetries: 0
    timeout: 10s
    circuitBreakerThreshold: 5${extra}
`;
  return `models:
${model('primary', primaryModel, '\n    fallbacks: [fast]')}${model(MODEL, MODEL, '')}resilience:
  healthCheckInterval: 1h
  # 50 connections to one model: above the default per-model limit (10), which would shed the excess.
  maxConcurrentRequests: 256
server:
  accessLog: false
  logLevel: silent
security:
  adminKeys:
    - { name: bench-admin, key: bench-admin-key-0000, scope: admin }
${aggregateWindow === undefined ? '' : `audit:\n  aggregateWindow: ${aggregateWindow}\n`}`;
}

export interface Target {
  readonly name: string;
  readonly origin: string;
  readonly headers: Record<string, string>;
  /** The target's own process, when it has one (its CPU time per request is reported). */
  readonly process?: ChildServer;
}

export const BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'ping' }] });
export const STREAM_BODY = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'ping' }],
  stream: true,
});
/** A streamed request the fast upstream answers frame by frame, one write each (`"user":"trickle"`). */
export const TRICKLE_STREAM_BODY = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'ping' }],
  stream: true,
  user: 'trickle',
});
/** A streamed request the fast upstream answers with {@link LONG_STREAM_CHUNKS} content chunks. */
export const LONG_STREAM_BODY = JSON.stringify({
  model: MODEL,
  messages: [{ role: 'user', content: 'ping' }],
  stream: true,
  user: 'long-stream',
});

/** The request mode names the benchmark tools take (`plain` is the default). */
export type RequestMode = 'plain' | 'stream' | 'long' | 'trickle';

/**
 * The mode `name` names (anything else: `plain`) and its request body: non-streaming, the 4-chunk stream,
 * the 66-chunk one, or the 4-chunk one frame by frame.
 */
export function requestMode(name: string | undefined): { mode: RequestMode; body: string } {
  switch (name) {
    case 'stream':
      return { mode: name, body: STREAM_BODY };
    case 'long':
      return { mode: name, body: LONG_STREAM_BODY };
    case 'trickle':
      return { mode: name, body: TRICKLE_STREAM_BODY };
    default:
      return { mode: 'plain', body: BODY };
  }
}

/** One chat completion on `client` (keep-alive), its answer read to the end; throws on a status other than 200. */
export async function sendChat(client: Client, body: string): Promise<void> {
  const res = await client.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${text.slice(0, 200)}`);
}

export async function check(target: Target, body: string, expect: string): Promise<void> {
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

export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly ok: number;
  readonly errors: number;
  readonly non2xx: number;
  readonly timeouts: number;
}

/** What {@link windowed} measured over its window. */
export interface WindowResult {
  /** The whole run (warm-up included): latency percentiles, errors. */
  readonly load: LoadResult;
  /** 2xx answers that arrived inside the window, per second. */
  readonly rps: number;
  /** 2xx answers inside the window. */
  readonly ok: number;
  /** The target's CPU µs per 2xx answer inside the window (when its process is known). */
  readonly cpuPerRequestUs: number | undefined;
}

/**
 * One continuous load of `warmS + seconds` on `connections`, measured over the last `seconds` only: CPU
 * from the target's process, answers counted as they arrive. Back-to-back `load()` calls are not the same:
 * each ends by closing its connections with requests in flight, which our gateway (not the yardstick)
 * turns into cancelled upstream calls, and each starts with fresh connections; V8 then re-optimises for
 * ~3 s (traced: ~125 compilations, 0.5 s of compiler time) and those seconds cost 15–40 % more CPU per
 * request than the ones after them (docs/benchmarks.md, "third session"). Runs autocannon in this thread
 * (its `response` events are not forwarded from worker threads).
 */
export async function windowed(
  target: Target,
  body: string,
  warmS: number,
  seconds: number,
  connections: number,
): Promise<WindowResult> {
  let instance: autocannon.Instance | undefined;
  const finished = new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: `${target.origin}/v1/chat/completions`,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...target.headers },
        body,
        connections,
        duration: warmS + seconds,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
  if (!instance) throw new Error('autocannon did not start');
  let counting = false;
  let ok = 0;
  instance.on('response', (_client: unknown, status: number) => {
    if (counting && status >= 200 && status < 300) ok++;
  });
  let cpuStart: number | undefined;
  let cpuEnd: number | undefined;
  const open = setTimeout(() => {
    cpuStart = target.process?.cpuMicros();
    counting = true;
  }, warmS * 1000);
  const close = setTimeout(
    () => {
      counting = false;
      cpuEnd = target.process?.cpuMicros();
    },
    (warmS + seconds) * 1000,
  );
  const result = await finished;
  clearTimeout(open);
  clearTimeout(close);
  // The run may end a moment before the closing timer: take the CPU now then.
  if (counting) {
    counting = false;
    cpuEnd = target.process?.cpuMicros();
  }
  return {
    load: loadResultOf(result),
    rps: ok / seconds,
    ok,
    cpuPerRequestUs:
      cpuStart !== undefined && cpuEnd !== undefined && ok > 0 ? (cpuEnd - cpuStart) / ok : undefined,
  };
}

/** Loads `target` for `seconds` on `connections`; `rate` caps the requests per second (default: as fast as it answers). */
export async function load(
  target: Target,
  body: string,
  seconds: number,
  connections: number,
  rate?: number,
): Promise<LoadResult> {
  const result = await autocannon({
    url: `${target.origin}/v1/chat/completions`,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...target.headers },
    body,
    connections,
    duration: seconds,
    workers: 1,
    ...(rate !== undefined && rate > 0 ? { overallRate: rate } : {}),
  });
  return loadResultOf(result);
}

/** The figures the scenarios read from an autocannon result. */
function loadResultOf(result: autocannon.Result): LoadResult {
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
export async function sequentialLatency(targets: readonly Target[]): Promise<Map<string, number[]>> {
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

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits }) : 'n/a';

export interface Row {
  readonly target: string;
  readonly load: LoadResult;
  readonly loadavg: string;
  /** The target process's CPU time per answered request (µs), when it runs in a process of its own. */
  readonly cpuPerRequestUs: number | undefined;
}

/** Runs one measured load and reads the target process's CPU time around it. */
export async function measured(t: Target, body: string, seconds: number): Promise<Row> {
  const before = t.process?.cpuMicros();
  const result = await load(t, body, seconds, CONNECTIONS);
  const after = t.process?.cpuMicros();
  const cpu =
    before !== undefined && after !== undefined && result.ok > 0 ? (after - before) / result.ok : undefined;
  return { target: t.name, load: result, loadavg: loadavg(), cpuPerRequestUs: cpu };
}

export const NAMES = {
  direct: 'direct (fast upstream)',
  minimal: 'minimal Fastify+undici proxy (yardstick)',
  ours: 'hive-resilience, in-process',
  oursChild: 'hive-resilience, own process',
  portkey: 'Portkey 1.15.2, own process',
} as const;

export function childRss(child: ChildServer | undefined): string {
  const kb = child?.rssKb();
  return kb ? `VmRSS ${fmt(kb.rss / 1024)} MB (VmHWM ${fmt(kb.hwm / 1024)} MB)` : 'n/a';
}
