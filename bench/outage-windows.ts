/**
 * `npx tsx bench/outage-windows.ts [rounds]`: our gateway in the outage scenario's config, healthy and with
 * its primary down (`bench:gateway`'s `outage`), two child processes taking turns under load as in the
 * benchmark's rounds (3 s of load, then a 5 s window, order alternating), each window profiled on its own
 * (`HIVE_BENCH_PROFILE_WINDOWS`, see bench/fixtures/gateway-child.ts). Prints each window's CPU per request
 * and the two sides' busy time by package and by our files, and the outage side's hottest lines; the
 * profiles stay in the printed folder (`.cpuprofile`, for DevTools). A tool for finding what the degraded
 * mode costs, not a benchmark.
 */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  BUILD_DIR,
  bundleGatewayChild,
  type ChildServer,
  CONNECTIONS,
  pairConfig,
  requestMode,
  sleep,
  startChild,
  startFastUpstream,
  windowed,
} from './gateway-harness.js';
import { printComparison, summarise } from './profile-summary.js';

/** Load before each measured window, and the window (as in the benchmark's rounds). */
const WARM_S = 3;
const WINDOW_S = 5;
const body = requestMode('plain').body.replace('"model":"fast"', '"model":"primary"');
const file = resolve(BUILD_DIR, 'outage-windows.mjs');
bundleGatewayChild(file);
const upstream = await startFastUpstream();
const dir = mkdtempSync(join(tmpdir(), 'hive-outage-windows-'));
const kids: Record<string, ChildServer> = {};
for (const name of ['healthy', 'outage']) {
  const cfg = join(dir, `${name}.yaml`);
  writeFileSync(cfg, pairConfig(upstream.port, name === 'outage' ? 'down' : 'fast'));
  const pd = join(dir, `${name}-prof`);
  mkdirSync(pd);
  process.env.HIVE_BENCH_PROFILE_WINDOWS = pd;
  kids[name] = await startChild(
    name,
    [file, cfg, ':memory:'],
    async (o) => /\{"url":"([^"]+)"\}/.exec(o)?.[1],
  );
}
const t = (n: string) => ({ name: n, origin: kids[n]!.origin, headers: {}, process: kids[n] });
for (const n of ['healthy', 'outage']) await windowed(t(n), body, 15, 1, CONNECTIONS);
const answered: Record<string, number> = { healthy: 0, outage: 0 };
const cpu: Record<string, number[]> = { healthy: [], outage: [] };
for (let r = 0; r < Number(process.argv[2] ?? 4); r++) {
  for (const n of r % 2 ? ['outage', 'healthy'] : ['healthy', 'outage']) {
    // profile the measured window only: start after the load's warm-up, stop at its end
    const pid = kids[n]!.pid;
    setTimeout(() => process.kill(pid, 'SIGUSR2'), WARM_S * 1000);
    const w = await windowed(t(n), body, WARM_S, WINDOW_S, CONNECTIONS);
    process.kill(pid, 'SIGUSR2');
    answered[n]! += w.ok;
    cpu[n]!.push(w.cpuPerRequestUs ?? NaN);
    await sleep(500);
  }
}
for (const k of Object.values(kids)) await k.close();
await upstream.close();
console.log('healthy', cpu.healthy!.map((x) => x.toFixed(1)).join(' / '));
console.log('outage ', cpu.outage!.map((x) => x.toFixed(1)).join(' / '));
// merge window profiles per side: summarise each and add
const merged = (n: string) => {
  const pd = join(dir, `${n}-prof`);
  const files = readdirSync(pd).filter((f) => f.endsWith('.cpuprofile'));
  const sums = files.map((f) => summarise(join(pd, f), 1, file));
  const add = (maps: Map<string, number>[]) => {
    const m = new Map<string, number>();
    for (const x of maps) for (const [k, v] of x) m.set(k, (m.get(k) ?? 0) + v / answered[n]!);
    return m;
  };
  return {
    busyUs: sums.reduce((a, s) => a + s.busyUs, 0) / answered[n]!,
    byPackage: add(sums.map((s) => s.byPackage)),
    byOurFile: add(sums.map((s) => s.byOurFile)),
    ourLines: [...add(sums.map((s) => new Map(s.ourLines.map((l) => [`${l.file}\0${l.text}`, l.us]))))]
      .map(([key, us]) => {
        const [lineFile = '', text = ''] = key.split('\0');
        return { file: lineFile, text, us };
      })
      .sort((x, y) => y.us - x.us),
  };
};
printComparison(merged('healthy'), merged('outage'), 25, ['healthy', 'outage']);
console.log(dir);
