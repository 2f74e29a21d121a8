/**
 * `npx tsx bench/request-anatomy.ts [plain|stream|long|trickle] [requests]` (`long`: the 66-chunk stream; `trickle`: the 4-chunk stream one frame per upstream write): what one gateway request costs in things
 * that do not depend on a quiet machine. Our gateway runs in this process against the fast upstream (a
 * worker thread); sequential requests on one keep-alive connection, after a warm-up. Reports per request:
 *  - async resources created (promises, timers, ticks, immediates) by type, from `async_hooks` (with the
 *    hook on, V8 also counts the promises it otherwise elides for `await`: compare runs, not with zero);
 *  - bytes allocated, by function, from V8's sampling heap profiler with collected objects kept
 *    (`ANATOMY_ALLOC=1`; sampled every 256 bytes, so a rough figure).
 * The load generator shares the process: its own allocations (undici's client) are listed as such.
 * `ANATOMY_TARGET=yardstick` measures the bare Fastify + undici proxy (bench/fixtures/minimal-proxy.mjs) instead.
 */
import { createHook } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'undici';
import { gatewayConfig, requestMode, sendChat, startFastUpstream } from './gateway-harness.js';
import { startInProcessGateway, startInProcessYardstick } from './in-process.js';

const { mode, body } = requestMode(process.argv[2]);
const requests = Number(process.argv[3] ?? 2000);
const upstream = await startFastUpstream();
const config = join(tmpdir(), `hive-anatomy-${process.pid}.yaml`);
writeFileSync(config, gatewayConfig(upstream.port));
const yardstick = process.env.ANATOMY_TARGET === 'yardstick';
const gateway = yardstick
  ? await startInProcessYardstick(`http://127.0.0.1:${upstream.port}`)
  : await startInProcessGateway(config);
const client = new Client(gateway.url);
const send = (): Promise<void> => sendChat(client, body);

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

try {
  for (let i = 0; i < 500; i++) await send();
  const counts = new Map<string, number>();
  // ANATOMY_STACKS=1: where each promise, timer and tick is created (the innermost frame outside the hook).
  const stacks = process.env.ANATOMY_STACKS === '1';
  const origins = new Map<string, number>();
  let counting = false;
  const hook = createHook({
    init(_id, type) {
      if (!counting) return;
      counts.set(type, (counts.get(type) ?? 0) + 1);
      if (stacks && (type === 'PROMISE' || type === 'Timeout' || type === 'TickObject')) {
        const frames = (new Error().stack ?? '').split('\n').slice(2);
        const where = frames.find(
          (f) => !f.includes('node:internal/async_hooks') && !f.includes('request-anatomy'),
        );
        const key = `${type} ${(where ?? '?').trim().replace(/\(.*\/(src|node_modules)\//, '($1/')}`;
        origins.set(key, (origins.get(key) ?? 0) + 1);
      }
    },
  });
  hook.enable();
  counting = true;
  for (let i = 0; i < requests; i++) await send();
  counting = false;
  hook.disable();
  const per = (n: number) => (n / requests).toFixed(1);
  console.log(`${yardstick ? 'yardstick ' : ''}${mode}: async resources per request (client side included):`);
  console.log(`  ${[...counts].map(([type, n]) => `${type} ${per(n)}`).join(', ')}`);
  for (const [key, n] of [...origins].sort((a, b) => b[1] - a[1]).slice(0, 60)) {
    console.log(`  ${per(n).padStart(5)}  ${key}`);
  }

  if (process.env.ANATOMY_ALLOC === '1') {
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    for (let i = 0; i < requests; i++) await send();
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
      profile: { head: SamplingNode };
    };
    session.disconnect();
    const byFunction = new Map<string, number>();
    let total = 0;
    const walk = (node: SamplingNode, owner: string | undefined): void => {
      const { url, functionName, lineNumber } = node.callFrame;
      const ours = /\/src\//.test(url)
        ? `${url.replace(/^.*\/src\//, 'src/')}:${lineNumber + 1} ${functionName || '(anonymous)'}`
        : undefined;
      const here =
        ours ??
        (owner === undefined && /undici\/lib\/api|bench\//.test(url)
          ? 'load generator (undici client)'
          : owner);
      if (node.selfSize > 0) {
        total += node.selfSize;
        const key =
          here ?? `${url.replace(/^.*node_modules\//, '').replace(/^node:/, 'node:')} ${functionName}`;
        byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
      }
      for (const child of node.children) walk(child, here);
    };
    walk(profile.head, undefined);
    console.log(
      `bytes allocated per request: ~${Math.round(total / requests)} (sampled), by innermost of our functions:`,
    );
    for (const [key, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
      console.log(`  ${String(Math.round(bytes / requests)).padStart(6)}  ${key}`);
    }
  }
} finally {
  await client.close();
  await gateway.close();
  await upstream.close();
}
