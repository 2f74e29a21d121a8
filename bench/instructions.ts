/**
 * `npx tsx bench/instructions.ts [plain|stream|long|trickle] [target…]` (`npm run bench:instructions`):
 * machine instructions a server executes per answered request, counted by Valgrind's callgrind, for
 * comparing code on a noisy shared machine where CPU time moves by ±20 % between identical processes
 * (docs/benchmarks.md, "seventh session"). A target is `yardstick` (bench/fixtures/minimal-proxy.mjs),
 * `ours` (the gateway of the working tree, bundled like `bench:gateway`'s child), a git revision (that
 * revision's gateway, from a temporary worktree), `layer:provider` or `layer:engine` (that layer of the
 * working tree alone behind a bare route: bench/fixtures/layer-server.ts) or `script:<file>` (any server
 * script, started as `node <file> <upstream origin> <gateway config path>`, printing `{"url": …}` like the
 * others). Default: `yardstick ours`.
 *
 * Each target runs alone under `valgrind --tool=callgrind` with counting off while `INSTR_WARM` requests
 * (default 20,000) warm it up, then on for `INSTR_REQUESTS` (default 2,000), by default all sequential on
 * one keep-alive connection (one request in flight: no batching that depends on timing). Reported per
 * request: the main thread's instructions (what the event loop runs, the garbage collector's share on it
 * included), and apart from them the optimising compiler's (V8 keeps recompiling under Valgrind, which
 * slows the program 50-fold; natively the compiler settles within seconds) and the other worker threads'.
 * Two runs of one build agree within about 1 %. Instructions are not time: the same count runs slower
 * when it misses caches more, so CPU time per request (`bench:gateway`) stays the figure of record.
 * `INSTR_TOP=N` lists each target's N costliest functions (self instructions per request, V8's compiled
 * JavaScript named through `node --perf-basic-prof`): where a difference between two targets is.
 * `INSTR_CACHE=1` also simulates the caches (`--cache-sim=yes`, about twice as slow) and reports the main
 * thread's misses per request and callgrind's cycle estimate (Ir + 10 × first-level misses + 100 ×
 * last-level misses): a repeatable figure that counts what code size and allocation cost, not only work.
 * `INSTR_CONNECTIONS=N` spreads the requests over N connections, N in flight at a time: the server then
 * serves several requests per event-loop turn, as under load (the counts then depend a little on timing).
 * `INSTR_NODE_FLAGS` adds Node/V8 flags to every target (e.g. `--no-concurrent-recompilation`).
 * Under callgrind V8 keeps deoptimising and recompiling (wrong-map deopts in Node's stream code that a
 * native run does not show), so two builds' counts can differ by ~2 % from compiler state alone: check a
 * small difference natively (`npm run bench:ab`).
 * `INSTR_PAIR=healthy|outage` runs our targets with the outage scenario's config (`bench:gateway`'s
 * `outage`: a model `primary` falling back to `fast`; `outage` points the primary at a model the upstream
 * answers with 503, so its breaker opens in the warm-up and the fallback serves) and sends every request
 * to `primary`: what a request costs in degraded mode against the same config healthy, with the audit in
 * memory (Valgrind runs ~50 times slower, so the breaker's half-open probes come that much more often).
 * `INSTR_KEEP=1` keeps the callgrind dumps (their folder is printed) for `callgrind_annotate`.
 * Needs `valgrind` (Debian: `apt-get install valgrind`); about 1.5 minutes per target.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'undici';
import { costliestFunctions, readPerfMap } from './callgrind-functions.js';
import {
  BUILD_DIR,
  bundleGatewayChild,
  gatewayConfig,
  pairConfig,
  requestMode,
  sendChat,
  startFastUpstream,
} from './gateway-harness.js';

const [modeArg, ...named] = process.argv.slice(2);
const requested = requestMode(modeArg);
const { mode } = requested;
/** `INSTR_PAIR`: the outage scenario's config, healthy or with its primary down (see above). */
const pair = process.env.INSTR_PAIR;
if (pair !== undefined && pair !== 'healthy' && pair !== 'outage') {
  console.error(`INSTR_PAIR must be healthy or outage, not ${JSON.stringify(pair)}`);
  process.exit(2);
}
const body =
  pair === undefined ? requested.body : requested.body.replace('"model":"fast"', '"model":"primary"');
const targets = named.length > 0 ? named : ['yardstick', 'ours'];
const warm = Number(process.env.INSTR_WARM ?? 20_000);
const requests = Number(process.env.INSTR_REQUESTS ?? 2_000);
const top = Number(process.env.INSTR_TOP ?? 0);
const connections = Math.max(1, Number(process.env.INSTR_CONNECTIONS ?? 1));
/** `INSTR_NODE_FLAGS`: extra Node/V8 flags for every target (space-separated). */
const nodeFlags = (process.env.INSTR_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('bench:instructions needs valgrind (Debian: apt-get install valgrind)');
  process.exit(2);
}

mkdirSync(BUILD_DIR, { recursive: true });
const dir = mkdtempSync(join(tmpdir(), 'hive-instructions-'));
const upstream = await startFastUpstream();
const origin = `http://127.0.0.1:${upstream.port}`;
const config = join(dir, 'gateway.yaml');
writeFileSync(
  config,
  pair === undefined
    ? gatewayConfig(upstream.port)
    : pairConfig(upstream.port, pair === 'outage' ? 'down' : 'fast'),
);

/** The node arguments that start `target` (bundling our gateway, or a revision's, first). */
function scriptOf(target: string): string[] {
  if (target === 'yardstick') return ['bench/fixtures/minimal-proxy.mjs', origin];
  if (target.startsWith('script:')) return [target.slice('script:'.length), origin, config];
  if (target === 'layer:provider' || target === 'layer:engine') {
    const file = resolve(BUILD_DIR, 'instructions-layer.mjs');
    bundleGatewayChild(file, process.cwd(), 'bench/fixtures/layer-server.ts');
    return [file, origin, config];
  }
  if (target === 'ours') {
    const file = resolve(BUILD_DIR, 'instructions-ours.mjs');
    bundleGatewayChild(file);
    return [file, config, ':memory:'];
  }
  const tree = resolve(BUILD_DIR, 'instructions-rev');
  spawnSync('git', ['worktree', 'remove', '--force', tree]);
  const added = spawnSync('git', ['worktree', 'add', '--detach', tree, target], { encoding: 'utf8' });
  if (added.status !== 0) throw new Error(`git worktree add ${target} failed: ${added.stderr}`);
  if (!existsSync(join(tree, 'node_modules')))
    symlinkSync(resolve('node_modules'), join(tree, 'node_modules'));
  const file = join(tree, 'instructions-rev.mjs');
  bundleGatewayChild(file, tree);
  return [file, config, ':memory:'];
}

/**
 * Sends `count` requests on `INSTR_CONNECTIONS` keep-alive connections (default 1), each one request after
 * the other; throws on an answer other than 200.
 */
async function drive(url: string, count: number): Promise<void> {
  const clients = Array.from({ length: connections }, () => new Client(url));
  try {
    await Promise.all(
      clients.map(async (client, c) => {
        for (let i = c; i < count; i += connections) await sendChat(client, body);
      }),
    );
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}

function control(args: string[]): void {
  const done = spawnSync('callgrind_control', args, { encoding: 'utf8' });
  if (done.status !== 0) throw new Error(`callgrind_control ${args.join(' ')}: ${done.stderr}${done.stdout}`);
}

/** The last `bytes` bytes of `file` as text. */
function tailOf(file: string, bytes: number): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(bytes, size));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Waits (up to 2 minutes) until the callgrind dump `file` ends with its `totals:` line. */
async function dumpWritten(file: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if (existsSync(file) && /\ntotals: \d+\s*$/.test(tailOf(file, 200))) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`the callgrind dump ${file} was not completed within 2 minutes`);
}

/**
 * The inclusive counts of the first function matching `pattern` in callgrind_annotate's output, one per
 * event column (instructions first; with `--cache-sim=yes` also reads, writes and the simulated misses).
 */
function inclusiveEvents(annotated: string, pattern: string | RegExp): number[] {
  const counts = (line: string) =>
    [...line.matchAll(/([\d,]+) \(\s*[\d.]+%\)/g)].map((m) => Number(m[1]!.replace(/,/g, '')));
  if (typeof pattern === 'string')
    return counts(annotated.split('\n').find((l) => l.includes(pattern)) ?? '');
  // A regular expression may match several lines: the one with the largest count is the outermost.
  let best: number[] = [];
  for (const line of annotated.split('\n')) {
    if (!pattern.test(line)) continue;
    const c = counts(line);
    if ((c[0] ?? 0) > (best[0] ?? 0)) best = c;
  }
  return best;
}

/**
 * The event loop's line in callgrind_annotate's output: the largest from libuv's `core.c`, normally
 * `…core.c:uv_run [/usr/bin/node]`. Callgrind sometimes names that code after another symbol of the same file
 * (`core.c:node::MakeLibuvRequestCallback<uv_shutdown_s, …>::Wrapper` was seen), or lists it again as `uv_run'2`.
 */
const EVENT_LOOP = /deps\/uv\/src\/unix\/core\.c:/;

/** Inclusive instructions of the first function matching `pattern` (see {@link inclusiveEvents}). */
function inclusive(annotated: string, pattern: string | RegExp): number {
  return inclusiveEvents(annotated, pattern)[0] ?? 0;
}

/**
 * With `INSTR_CACHE=1`: the main thread's simulated cache misses (callgrind's default caches) and the
 * cycle estimate callgrind_annotate's documentation gives, Ir + 10 × L1 misses + 100 × last-level misses.
 */
function cacheFigures(annotated: string): CacheFigures | undefined {
  const names = /^Events shown:\s+(.*)$/m.exec(annotated)?.[1]?.trim().split(/\s+/) ?? [];
  if (!names.includes('I1mr')) return undefined;
  const values = inclusiveEvents(annotated, EVENT_LOOP);
  const of = (name: string) => values[names.indexOf(name)] ?? 0;
  const l1 = of('I1mr') + of('D1mr') + of('D1mw');
  const ll = of('ILmr') + of('DLmr') + of('DLmw');
  return { i1: of('I1mr'), d1: of('D1mr') + of('D1mw'), ll, cycles: of('Ir') + 10 * l1 + 100 * ll };
}

interface CacheFigures {
  /** Instruction-cache misses (first level). */
  readonly i1: number;
  /** Data-cache misses (first level), reads and writes. */
  readonly d1: number;
  /** Last-level misses, instructions and data. */
  readonly ll: number;
  /** Ir + 10 × first-level misses + 100 × last-level misses. */
  readonly cycles: number;
}

interface Counted {
  readonly main: number;
  readonly compiler: number;
  readonly workers: number;
  /** With `INSTR_CACHE=1`: the main thread's simulated cache misses and estimated cycles. */
  readonly cache: CacheFigures | undefined;
  /** With `INSTR_TOP`: the costliest functions (self instructions, whole process). */
  readonly functions: Array<{ name: string; instructions: number }>;
}

async function count(target: string): Promise<Counted> {
  const out = join(dir, `callgrind.${target.replace(/[^A-Za-z0-9]/g, '_')}`);
  const child: ChildProcess = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      ...(process.env.INSTR_CACHE === '1' ? ['--cache-sim=yes'] : []),
      `--callgrind-out-file=${out}.%p`,
      process.execPath,
      ...(top > 0 ? ['--perf-basic-prof'] : []),
      ...nodeFlags,
      ...scriptOf(target),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      // A layer target's layer (`layer:engine` → LAYER=engine), read by bench/fixtures/layer-server.ts.
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LAYER: target.startsWith('layer:') ? target.slice(6) : '',
      },
    },
  );
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise((done) => child.once('exit', done));
  try {
    let url: string | undefined;
    for (let i = 0; i < 1200 && url === undefined; i++) {
      await new Promise((done) => setTimeout(done, 100));
      url = /\{"url":"([^"]+)"\}/.exec(output)?.[1];
    }
    if (url === undefined) throw new Error(`${target} did not start: ${output.slice(-2000)}`);
    await drive(url, warm);
    const pid = String(child.pid);
    control(['--instr=on', pid]);
    control(['--zero', pid]);
    await drive(url, requests);
    control(['--dump', pid]);
    // callgrind_control can return before a large dump is written out: killing the target then would cut
    // the dump short (a total of 0 was printed for a second target before this wait).
    await dumpWritten(`${out}.${child.pid}.1`);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
  const dump = `${out}.${child.pid}.1`;
  const annotated = spawnSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', dump], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  }).stdout;
  readFileSync(dump); // the dump must exist (throws otherwise)
  const functions =
    top > 0
      ? costliestFunctions(
          spawnSync('callgrind_annotate', ['--threshold=99', dump], { encoding: 'utf8', maxBuffer: 1 << 28 })
            .stdout,
          readPerfMap(child.pid ?? -1),
          top,
        )
      : [];
  if (process.env.INSTR_KEEP !== '1') rmSync(`/tmp/perf-${child.pid}.map`, { force: true });
  const main = inclusive(annotated, EVENT_LOOP);
  if (main === 0) {
    const lines = annotated
      .split('\n')
      .filter((l) => l.includes('uv_run'))
      .slice(0, 3);
    throw new Error(
      `${target}: no event-loop total in the callgrind dump ${dump}: ${lines.join(' | ') || 'no uv_run'}`,
    );
  }
  return {
    main,
    compiler: inclusive(annotated, 'OptimizingCompileDispatcher::CompileTask::RunInternal'),
    workers: inclusive(annotated, 'PlatformWorkerThread'),
    cache: cacheFigures(annotated),
    functions,
  };
}

console.log(
  `${mode}${pair === undefined ? '' : ` (${pair})`}: instructions per answered request (k), ${warm} requests of warm-up then ${requests} counted, ${connections === 1 ? 'one connection' : `${connections} connections`}`,
);
const rows: Array<[string, Counted]> = [];
try {
  for (const target of targets) {
    const counted = await count(target);
    rows.push([target, counted]);
    const per = (n: number) => (n / requests / 1000).toFixed(1);
    const ratio = rows[0] ? (counted.main / rows[0][1].main).toFixed(3) : '';
    console.log(
      `${target.padEnd(12)} main thread ${per(counted.main).padStart(7)}  (${ratio}× ${rows[0]![0]})   compiler ${per(counted.compiler)}, other workers ${per(counted.workers - counted.compiler)}`,
    );
    const cache = counted.cache;
    if (cache) {
      const base = rows[0]![1].cache;
      const vs = base ? ` (${(cache.cycles / base.cycles).toFixed(3)}× ${rows[0]![0]})` : '';
      console.log(
        `${''.padEnd(12)} simulated: I1 misses ${per(cache.i1)}, D1 misses ${per(cache.d1)}, last-level misses ${(cache.ll / requests).toFixed(0)}; estimated cycles ${per(cache.cycles)}${vs}`,
      );
    }
    for (const f of counted.functions) console.log(`  ${per(f.instructions).padStart(7)}  ${f.name}`);
  }
} finally {
  await upstream.close();
  spawnSync('git', ['worktree', 'remove', '--force', resolve(BUILD_DIR, 'instructions-rev')]);
  if (process.env.INSTR_KEEP === '1')
    console.log(`callgrind dumps kept in ${dir} (callgrind_annotate <file>)`);
  else rmSync(dir, { recursive: true, force: true });
}
