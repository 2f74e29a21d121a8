/**
 * The `dashboard` scenario of `npm run bench:gateway`: does a connected dashboard slow the gateway? Three
 * gateway processes with the same config, measured in interleaved rounds (CPU µs per answered request):
 * one with nobody watching, one with what the dashboard page does attached for the whole run (the event
 * stream filtered to the types the page reads, plus its polling: models and breakers every second, the
 * timeline every 10 s), and one with a raw event-stream subscriber that takes every event (each finished
 * request included), to show what the filter saves.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import {
  BODY,
  type ChildServer,
  CONNECTIONS,
  check,
  gatewayConfig,
  load,
  startGatewayChild,
  type Target,
} from './gateway-harness.js';

/** Extra warm-up per gateway before the rounds: the first rounds otherwise still measure the JIT. */
const WARMUP_EXTRA_S = 6;

import { interleaved, printInterleaved } from './gateway-scenarios.js';

const ADMIN = { authorization: 'Bearer bench-admin-key-0000' };

/** The event types the dashboard page subscribes to (dashboard/app.js). */
const PAGE_TYPES = [
  'breaker.state_changed',
  'health.status_changed',
  'request.fallback',
  'request.exhausted',
  'flag.changed',
  'admin.action',
  'alert.notified',
  'round.updated',
].join(',');

interface Watcher {
  /** Events received and bytes read from the stream. */
  readonly stats: { events: number; bytes: number; polls: number };
  close(): void;
}

/** Reads the admin event stream of `origin` until closed. */
function subscribe(origin: string, query: string, stats: Watcher['stats'], signal: AbortSignal): void {
  void (async () => {
    const res = await fetch(`${origin}/admin/v1/events${query}`, { headers: ADMIN, signal });
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      stats.bytes += value.byteLength;
      stats.events += decoder.decode(value, { stream: true }).split('\ndata: ').length - 1;
    }
  })().catch(() => {});
}

/** What the dashboard page does: the filtered stream plus its polling. */
function dashboard(origin: string): Watcher {
  const controller = new AbortController();
  const stats = { events: 0, bytes: 0, polls: 0 };
  subscribe(origin, `?types=${PAGE_TYPES}`, stats, controller.signal);
  const get = (path: string) =>
    fetch(`${origin}${path}`, { headers: ADMIN, signal: controller.signal })
      .then((r) => r.arrayBuffer())
      .then(() => {
        stats.polls++;
      })
      .catch(() => {});
  const second = setInterval(() => {
    void get('/admin/v1/health');
    void get('/admin/v1/breakers');
  }, 1000);
  const tenSeconds = setInterval(() => void get('/admin/v1/timeline'), 10_000);
  void get('/admin/v1/timeline');
  return {
    stats,
    close: () => {
      clearInterval(second);
      clearInterval(tenSeconds);
      controller.abort();
    },
  };
}

/** A subscriber that takes every event. */
function rawFeed(origin: string): Watcher {
  const controller = new AbortController();
  const stats = { events: 0, bytes: 0, polls: 0 };
  subscribe(origin, '', stats, controller.signal);
  return { stats, close: () => controller.abort() };
}

const NAME = {
  none: 'hive-resilience, nobody watching',
  page: 'hive-resilience, dashboard page attached (filtered feed + polling)',
  raw: 'hive-resilience, raw event stream attached (every event)',
} as const;

/** Runs the scenario against gateways whose model lives at the fast upstream on `upstreamPort`. */
export async function dashboardScenario(dir: string, upstreamPort: number): Promise<void> {
  const configPath = join(dir, 'dashboard.yaml');
  writeFileSync(configPath, gatewayConfig(upstreamPort));
  const children: ChildServer[] = [];
  const watchers: Watcher[] = [];
  try {
    for (let i = 0; i < 3; i++) children.push(await startGatewayChild(configPath));
    const [none, page, raw] = children as [ChildServer, ChildServer, ChildServer];
    const targets: Target[] = [
      { name: NAME.none, origin: none.origin, headers: {}, process: none },
      { name: NAME.page, origin: page.origin, headers: {}, process: page },
      { name: NAME.raw, origin: raw.origin, headers: {}, process: raw },
    ];
    for (const t of targets) await check(t, BODY, 'pong');
    for (const t of targets) await load(t, BODY, WARMUP_EXTRA_S, CONNECTIONS);
    const pageWatcher = dashboard(page.origin);
    const rawWatcher = rawFeed(raw.origin);
    watchers.push(pageWatcher, rawWatcher);
    const rows = await interleaved(targets, BODY);
    printInterleaved('A connected dashboard (non-streaming requests)', rows);
    const cpu = (name: string) => rows.find((r) => r.target === name)!.cpuUs;
    // The robust figure on a shared machine: what the page's polling costs, from many polls of each route
    // (its event stream, filtered, receives nothing per finished request).
    const perPoll = new Map<string, number>();
    for (const path of ['/admin/v1/health', '/admin/v1/breakers', '/admin/v1/timeline']) {
      const before = none.cpuMicros();
      const r = await autocannon({
        url: `${none.origin}${path}`,
        headers: ADMIN,
        connections: 4,
        duration: 3,
        workers: 1,
      });
      const after = none.cpuMicros();
      perPoll.set(
        path,
        before !== undefined && after !== undefined ? (after - before) / Math.max(1, r['2xx']) : Number.NaN,
      );
    }
    const pagePerSecond =
      perPoll.get('/admin/v1/health')! +
      perPoll.get('/admin/v1/breakers')! +
      perPoll.get('/admin/v1/timeline')! / 10;
    const noneRow = rows.find((r) => r.target === NAME.none)!;
    console.log(
      `\n- CPU per poll: ${[...perPoll].map(([p, us]) => `${p} ${us.toFixed(0)} µs`).join(', ')}; ` +
        `the page's polling costs ${pagePerSecond.toFixed(0)} µs of CPU per second = ` +
        `${((100 * pagePerSecond) / (1000 * cpu(NAME.none))).toFixed(2)} % of a gateway serving 1,000 req/s ` +
        `(${cpu(NAME.none).toFixed(0)} µs each; measured here at ${noneRow.rps.toFixed(0)} req/s)`,
    );
    console.log(
      `\n- dashboard attached vs nobody watching: CPU/request ${(cpu(NAME.page) / cpu(NAME.none)).toFixed(3)}× ` +
        `(page: ${pageWatcher.stats.events} events, ${pageWatcher.stats.polls} polls); ` +
        `raw event stream: ${(cpu(NAME.raw) / cpu(NAME.none)).toFixed(3)}× ` +
        `(${rawWatcher.stats.events} events, ${(rawWatcher.stats.bytes / 1048576).toFixed(1)} MB)`,
    );
  } finally {
    for (const w of watchers) w.close();
    for (const c of children) await c.close();
  }
}
