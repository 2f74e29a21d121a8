/**
 * `npx tsx bench/perf-gateway.ts [plain|stream|long] [seconds] [warm-up seconds]` (`npm run bench:perf`): where
 * the yardstick (the bare Fastify + undici proxy) and our gateway spend CPU per answered request, sampled by
 * Linux `perf record` (no call graphs) over a window of one continuous load after a warm-up (`windowed`),
 * the two one after the other under the same load (50 connections, servers pinned as in `npm run bench:gateway`).
 *
 * Unlike `npm run bench:profile` (V8's own sampler, which inflates the figures it reports, GC most of all),
 * perf samples every thread of the process at a fixed rate with little overhead: the V8 compiler threads,
 * the GC, the kernel's share of the sockets. Samples are grouped into: kernel, V8 compiler, GC, JSON,
 * our bundled code, fastify, undici, Node's JavaScript, V8 builtins (promises, property access) and other
 * native code; then the symbols whose per-request cost differs most (`PERF_GROUP=<group>`: also those
 * of one group, e.g. `PERF_GROUP=kernel`). Needs `perf` (Debian: `linux-perf`)
 * and `perf_event_paranoid` ≤ 2; says so and exits 2 otherwise. A tool for finding where the difference
 * is, not a benchmark of record: the two windows are taken one after the other, not interleaved.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BODY,
  BUILD_DIR,
  bundleGatewayChild,
  CONNECTIONS,
  gatewayConfig,
  LONG_STREAM_BODY,
  load,
  STREAM_BODY,
  startChild,
  startFastUpstream,
  windowed,
} from './gateway-harness.js';

const mode = process.argv[2] === 'stream' || process.argv[2] === 'long' ? process.argv[2] : 'plain';
const seconds = Number(process.argv[3] ?? 5);
const warmup = Number(process.argv[4] ?? 8);
const HZ = 1999;
/** `PERF_PRELOAD=<seconds>`: each target first serves that long of non-streaming load (mixed traffic). */
const preload = Number(process.env.PERF_PRELOAD ?? 0);
const body = mode === 'long' ? LONG_STREAM_BODY : mode === 'stream' ? STREAM_BODY : BODY;

if (spawnSync('perf', ['--version']).status !== 0) {
  console.error('bench:perf needs Linux perf (Debian: apt-get install linux-perf)');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'hive-perf-'));
const upstream = await startFastUpstream();
const config = join(dir, 'gateway.yaml');
writeFileSync(config, gatewayConfig(upstream.port));
const gatewayFile = join(BUILD_DIR, 'gateway-child.mjs');
bundleGatewayChild(gatewayFile);
const ready = async (out: string) => /\{"url":"([^"]+)"\}/.exec(out)?.[1];
// --perf-basic-prof: V8 writes /tmp/perf-<pid>.map, so perf names JIT-compiled functions.
const targets = {
  yardstick: ['--perf-basic-prof', 'bench/fixtures/minimal-proxy.mjs', `http://127.0.0.1:${upstream.port}`],
  ours: ['--perf-basic-prof', gatewayFile, config, ':memory:'],
};

/** Samples per symbol over the measured window, and the requests answered in it. */
async function sample(
  name: string,
  args: string[],
  sent = body,
): Promise<{ symbols: Map<string, number>; answered: number }> {
  const child = await startChild(name, args, ready);
  const target = { name, origin: child.origin, headers: {}, process: child };
  let recorder: ChildProcess | undefined;
  try {
    if (preload > 0) await load(target, BODY, preload, CONNECTIONS);
    const data = join(dir, `${name}.data`);
    // One continuous load (see `windowed`); perf samples its window only, the answers are counted there.
    let stopped: Promise<unknown> = Promise.resolve();
    const startAt = setTimeout(() => {
      recorder = spawn('perf', ['record', '-q', '-F', String(HZ), '-o', data, '-p', String(child.pid)], {
        stdio: 'ignore',
      });
    }, warmup * 1000);
    const stopAt = setTimeout(
      () => {
        stopped = new Promise((r) => recorder?.once('exit', r));
        recorder?.kill('SIGINT');
      },
      (warmup + seconds) * 1000,
    );
    const measured = await windowed(target, sent, warmup, seconds, CONNECTIONS);
    clearTimeout(startAt);
    clearTimeout(stopAt);
    await stopped;
    recorder = undefined;
    const report = spawnSync(
      'perf',
      ['report', '-i', data, '-n', '--sort', 'sym', '--stdio', '--no-children'],
      {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const symbols = new Map<string, number>();
    for (const line of report.stdout.split('\n')) {
      const m = /^\s*[\d.]+%\s+(\d+)\s+(.*)$/.exec(line);
      if (!m) continue;
      const key = m[2]!
        .trim()
        .replace(/gateway-child\.mjs:\d+:\d+/, 'gateway-child.mjs')
        .replace(/^\[\.\] JS:[*^~]?/, 'JS:');
      symbols.set(key, (symbols.get(key) ?? 0) + Number(m[1]));
    }
    // The same window read from /proc (user + system time of the process), beside perf's samples.
    console.log(
      `${name}: /proc CPU µs per answered request ${measured.cpuPerRequestUs?.toFixed(1) ?? '?'}, ` +
        `${measured.rps.toFixed(0)} req/s`,
    );
    return { symbols, answered: measured.ok };
  } finally {
    recorder?.kill('SIGINT');
    await child.close();
  }
}

function group(symbol: string): string {
  if (symbol.includes('gateway-child')) return 'ours (bundled gateway)';
  if (symbol.startsWith('[k]')) return 'kernel';
  if (/compiler::|Compile|Turbofan|Maglev|Zone/.test(symbol)) return 'V8 compiler';
  if (/Scaveng|Heap|Mark|Sweep|Evacuat|RecordWrite/.test(symbol)) return 'GC';
  if (/Json/.test(symbol)) return 'JSON';
  if (symbol.includes('fastify') || symbol.includes('find-my-way')) return 'fastify';
  if (symbol.includes('undici') || symbol.includes('wasm-function')) return 'undici';
  if (symbol.startsWith('JS:') && symbol.includes('node:')) return "Node's JavaScript";
  if (symbol.includes('Builtins_')) return 'V8 builtins';
  return 'other native';
}

try {
  // PERF_BASELINE=ours: the baseline is our own gateway answering non-streaming requests (what the
  // streaming path adds to ours), instead of the yardstick.
  const y =
    process.env.PERF_BASELINE === 'ours'
      ? await sample('ours-plain', targets.ours, BODY)
      : await sample('yardstick', targets.yardstick);
  const o = await sample('ours', targets.ours);
  const usPerSample = 1e6 / HZ;
  const per = (s: { symbols: Map<string, number>; answered: number }, key: string) =>
    ((s.symbols.get(key) ?? 0) * usPerSample) / s.answered;
  const total = (s: { symbols: Map<string, number>; answered: number }) =>
    ([...s.symbols.values()].reduce((a, b) => a + b, 0) * usPerSample) / s.answered;
  console.log(
    `${mode}: sampled CPU µs per answered request (${seconds} s after ${warmup} s of load): ` +
      `yardstick ${total(y).toFixed(1)} (${y.answered} requests), ours ${total(o).toFixed(1)} (${o.answered}), ` +
      `ratio ${(total(o) / total(y)).toFixed(2)}`,
  );
  const groups = new Map<string, [number, number]>();
  const keys = new Set([...y.symbols.keys(), ...o.symbols.keys()]);
  for (const key of keys) {
    const g = groups.get(group(key)) ?? [0, 0];
    g[0] += per(y, key);
    g[1] += per(o, key);
    groups.set(group(key), g);
  }
  /** One line of a table: the yardstick's figure, ours, the difference, and what it is. */
  const line = (a: number, b: number, name: string) =>
    console.log(
      `  ${a.toFixed(2).padStart(9)} ${b.toFixed(2).padStart(7)} ${(b - a).toFixed(2).padStart(7)}  ${name}`,
    );
  console.log('  yardstick    ours    diff  group');
  for (const [name, [a, b]] of [...groups].sort((p, q) => q[1][1] - q[1][0] - (p[1][1] - p[1][0]))) {
    line(a, b, name);
  }
  const diff = [...keys].sort((p, q) => per(o, q) - per(y, q) - (per(o, p) - per(y, p)));
  const symbols = (title: string, list: string[]) => {
    console.log(`${title} (µs/request):`);
    for (const key of list) line(per(y, key), per(o, key), key.slice(0, 110));
  };
  symbols('symbols that cost ours the most more than the yardstick', diff.slice(0, 25));
  const only = process.env.PERF_GROUP;
  if (only) {
    const inGroup = diff.filter((k) => group(k) === only).slice(0, 30);
    symbols(`symbols in "${only}" that cost ours the most more than the yardstick`, inGroup);
  }
  console.log('our own functions, most expensive first (µs/request):');
  const ours = [...o.symbols.keys()].filter((k) => k.includes('gateway-child'));
  for (const key of ours.sort((p, q) => per(o, q) - per(o, p)).slice(0, 20)) {
    console.log(`  ${per(o, key).toFixed(2).padStart(7)}  ${key.replace(/ file:.*$/, '').slice(0, 100)}`);
  }
} finally {
  await upstream.close();
}
