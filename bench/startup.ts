/**
 * Start-up cost, from the built packages (run `npm run build` first): `hive-resilience --help`, `import` of
 * the core (both packages), of the main entry, and `require` of the core, each the median wall time of
 * several fresh `node` processes, interleaved, beside a bare `node -e 0` measured the same way (the part
 * no package can save). Targets (issue 15): `--help` < 300 ms, core import < 60 ms over bare node.
 *   npm run bench:startup [-- --runs=15]
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from './loadavg.js';

const ROOT = join(import.meta.dirname, '..');
const runsArg = process.argv.find((a) => a.startsWith('--runs='));
const RUNS = runsArg ? Number(runsArg.slice(7)) : 11;

const url = (rel: string): string => JSON.stringify(new URL(rel, `file://${ROOT}/`).href);
const path = (rel: string): string => JSON.stringify(join(ROOT, rel));

/** What each scenario runs in a fresh process. */
export const STARTUP_SCENARIOS: ReadonlyArray<readonly [name: string, args: readonly string[]]> = [
  ['node -e 0 (baseline)', ['-e', '0']],
  ['hive-resilience --help', [join(ROOT, 'bin/hive-resilience.js'), '--help']],
  [
    'import hive-resilience/core',
    ['--input-type=module', '-e', `await import(${url('dist/core/index.js')})`],
  ],
  [
    'import @hive-resilience/core',
    ['--input-type=module', '-e', `await import(${url('packages/core/dist/index.js')})`],
  ],
  ['require @hive-resilience/core', ['-e', `require(${path('packages/core/dist/cjs/index.js')})`]],
  ['import hive-resilience', ['--input-type=module', '-e', `await import(${url('dist/index.js')})`]],
];

function once(args: readonly string[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed: ${r.stderr.toString().slice(0, 300)}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

if (!existsSync(join(ROOT, 'dist/index.js')) || !existsSync(join(ROOT, 'packages/core/dist/index.js'))) {
  console.error('bench:startup measures the built packages: run `npm run build` first');
  process.exit(1);
}
console.log(
  `# bench: startup (${RUNS} runs each, interleaved; node ${process.version}; loadavg ${loadavg()})\n`,
);
const times = new Map(STARTUP_SCENARIOS.map(([name]) => [name, [] as number[]]));
for (const [, args] of STARTUP_SCENARIOS) once(args); // warm the file cache
for (let i = 0; i < RUNS; i++) {
  for (const [name, args] of STARTUP_SCENARIOS) times.get(name)!.push(once(args));
}
const base = median(times.get(STARTUP_SCENARIOS[0]![0])!);
console.log('| what | median ms | over bare node |');
console.log('|---|---|---|');
for (const [name] of STARTUP_SCENARIOS) {
  const m = median(times.get(name)!);
  console.log(
    `| ${name} | ${m.toFixed(0)} | ${name.includes('baseline') ? '' : `+${(m - base).toFixed(0)}`} |`,
  );
}
console.log(`\n(loadavg after: ${loadavg()})`);
