/**
 * `npx tsx bench/ab-gateway.ts <git revision> [plain|stream|long|trickle] [rounds]`: CPU per answered request of the
 * gateway built from `<revision>` against the working tree, in interleaved rounds under the same load
 * (50 connections, servers pinned as in `npm run bench:gateway`). For checking that a change to the hot
 * path pays; the figures of record come from `npm run bench:gateway`. `AB_HEAD_FLAGS="--flag …"` runs the
 * working tree's child with those node flags (with `HEAD` as the revision: the flags' own effect).
 * `BENCH_ROUND_S` and `AB_WARM_S` set each round's measured window and the load before it (5 s, 3 s):
 * on a noisy host, many short rounds pair better than a few long ones.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  BUILD_DIR,
  bundleGatewayChild,
  type ChildServer,
  CONNECTIONS,
  gatewayConfig,
  measured,
  requestMode,
  startChild,
  startFastUpstream,
  windowed,
} from './gateway-harness.js';

const [rev = 'HEAD', modeArg, roundsArg = '5'] = process.argv.slice(2);
const rounds = Number(roundsArg);
const { mode, body } = requestMode(modeArg);
const seconds = Number(process.env.BENCH_ROUND_S ?? 5);
/** `AB_WARM_S`: load before each round's measured window (default 3 s). */
const warm = Number(process.env.AB_WARM_S ?? 3);
const base = resolve(BUILD_DIR, 'ab-base');

mkdirSync(BUILD_DIR, { recursive: true });
spawnSync('git', ['worktree', 'remove', '--force', base]);
const added = spawnSync('git', ['worktree', 'add', '--detach', base, rev], { encoding: 'utf8' });
if (added.status !== 0) throw new Error(`git worktree add failed: ${added.stderr}`);
if (!existsSync(join(base, 'node_modules'))) symlinkSync(resolve('node_modules'), join(base, 'node_modules'));
const files = { base: join(base, 'ab-child.mjs'), head: resolve(BUILD_DIR, 'ab-head.mjs') };
bundleGatewayChild(files.base, base);
bundleGatewayChild(files.head);

const upstream = await startFastUpstream();
const config = resolve(BUILD_DIR, 'ab-gateway.yaml');
writeFileSync(config, gatewayConfig(upstream.port));
// AB_HEAD_FLAGS: node flags for the working tree's child only (e.g. a V8 heap setting under test).
const headFlags = (process.env.AB_HEAD_FLAGS ?? '').split(' ').filter(Boolean);
const start = (file: string, flags: string[] = []): Promise<ChildServer> =>
  startChild(file, [...flags, file, config, ':memory:'], async (out) => /\{"url":"([^"]+)"\}/.exec(out)?.[1]);
const children = { base: await start(files.base), head: await start(files.head, headFlags) };
const cpu: Record<'base' | 'head', number[]> = { base: [], head: [] };
try {
  for (const side of ['base', 'head'] as const) {
    await measured(
      { name: side, origin: children[side].origin, headers: {}, process: children[side] },
      body,
      5,
    );
  }
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (['base', 'head'] as const) : (['head', 'base'] as const);
    for (const side of order) {
      // One continuous load per round, measured after 3 s (see `windowed`: no connection churn in the window).
      const row = await windowed(
        { name: side, origin: children[side].origin, headers: {}, process: children[side] },
        body,
        warm,
        seconds,
        CONNECTIONS,
      );
      if (row.load.non2xx + row.load.errors > 0) throw new Error(`${side}: failed requests`);
      cpu[side].push(row.cpuPerRequestUs ?? Number.NaN);
    }
  }
  // Memory after the same load (the process's resident set now and at its peak).
  for (const side of ['base', 'head'] as const) {
    const rss = children[side].rssKb();
    if (rss)
      console.log(`${side}: VmRSS ${Math.round(rss.rss / 1024)} MB, VmHWM ${Math.round(rss.hwm / 1024)} MB`);
  }
} finally {
  await children.base.close();
  await children.head.close();
  await upstream.close();
  spawnSync('git', ['worktree', 'remove', '--force', base]);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const pairs = cpu.head.map((h, i) => h - (cpu.base[i] ?? Number.NaN));
console.log(`${mode}, ${rounds} interleaved rounds × ${seconds} s, CPU µs per answered request`);
console.log(
  `base ${rev}: ${cpu.base.map((x) => x.toFixed(1)).join(' / ')} → median ${median(cpu.base).toFixed(1)}`,
);
console.log(
  `working tree: ${cpu.head.map((x) => x.toFixed(1)).join(' / ')} → median ${median(cpu.head).toFixed(1)}`,
);
console.log(
  `paired difference (head − base): median ${median(pairs).toFixed(1)} µs; ratio ${(median(cpu.head) / median(cpu.base)).toFixed(3)}`,
);
