/**
 * `npx tsx bench/profile-gateway.ts [plain|stream] [seconds]`: V8 CPU profiles of the yardstick (the bare
 * Fastify + undici proxy) and of our gateway under the same load (50 connections), one after the other,
 * kept in `HIVE_PROFILE_DIR` (default: a new temp dir), then where each spends its CPU per answered
 * request: by package, our files, our hottest lines. A tool for finding hot spots, not a benchmark (the
 * profiler's own cost inflates every figure; compare within one run).
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BODY,
  BUILD_DIR,
  CONNECTIONS,
  gatewayConfig,
  load,
  STREAM_BODY,
  startChild,
  startFastUpstream,
  startGatewayChild,
} from './gateway-harness.js';
import { printComparison, summarise } from './profile-summary.js';

const mode = process.argv[2] ?? 'plain';
const seconds = Number(process.argv[3] ?? 8);
const body = mode === 'stream' ? STREAM_BODY : BODY;
const dir = process.env.HIVE_PROFILE_DIR ?? mkdtempSync(join(tmpdir(), 'hive-profile-'));
mkdirSync(dir, { recursive: true });
const upstream = await startFastUpstream();

/** Loads a profiled child (2 s warm-up, then `seconds`); returns its profile and requests answered. */
async function profiled(
  name: string,
  start: (profileDir: string) => Promise<{ origin: string; close(): Promise<void> }>,
): Promise<{ profile: string; answered: number }> {
  const profileDir = join(dir, name);
  const child = await start(profileDir);
  const target = { name, origin: child.origin, headers: {} };
  const warm = await load(target, body, 2, CONNECTIONS);
  const measured = await load(target, body, seconds, CONNECTIONS);
  await child.close();
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`${name}: no profile written in ${profileDir}`);
  return { profile: join(profileDir, file), answered: warm.ok + measured.ok };
}

const config = join(dir, 'gateway.yaml');
writeFileSync(config, gatewayConfig(upstream.port));
try {
  const yardstick = await profiled('yardstick', (profileDir) =>
    startChild(
      'yardstick',
      [
        '--cpu-prof',
        `--cpu-prof-dir=${profileDir}`,
        'bench/fixtures/minimal-proxy.mjs',
        `http://127.0.0.1:${upstream.port}`,
      ],
      async (out) => /\{"url":"([^"]+)"\}/.exec(out)?.[1],
    ),
  );
  const ours = await profiled('ours', (profileDir) => {
    process.env.HIVE_BENCH_CPU_PROF = profileDir;
    return startGatewayChild(config);
  });
  // The bundle as profiled (a later bench run rebuilds it), for mapping lines to source files.
  const bundle = join(dir, 'gateway-child.mjs');
  copyFileSync(join(BUILD_DIR, 'gateway-child.mjs'), bundle);
  console.log(`${mode}: profiles in ${dir}`);
  printComparison(
    summarise(yardstick.profile, yardstick.answered),
    summarise(ours.profile, ours.answered, bundle),
  );
} finally {
  await upstream.close();
}
