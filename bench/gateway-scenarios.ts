/**
 * The interleaved scenarios of `npm run bench:gateway`: every target in its own process, measured in
 * alternating rounds of the same length so drift in the machine's load hits them alike; each round reads
 * the process's CPU time around it. Reported: medians over the rounds of CPU µs per answered request (the
 * figure that survives a noisy machine), req/s and p99.
 *
 * - `outage`: the same gateway config with a healthy primary and with its primary answering 503 (its
 *   breaker open, the fallback serving), both with the SQLite audit on disk as shipped, plus the same
 *   outage with every decision written at once (`audit.aggregateWindow: 0`, how the audit worked before)
 *   and the bare yardstick; audit rows and bytes each gateway added during the run.
 * - `cpu` (non-streaming) and `stream` (4 SSE chunks + `[DONE]`): the yardstick, our gateway and Portkey.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import {
  BODY,
  type ChildServer,
  CONNECTIONS,
  check,
  fmt,
  load,
  pairConfig,
  startGatewayChild,
  type Target,
  WARMUP_S,
  windowed,
} from './gateway-harness.js';
import { loadavg } from './loadavg.js';

/** Rounds per interleaved scenario (`BENCH_ROUNDS`, default 3) and seconds per round (`BENCH_ROUND_S`, default 5). */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const ROUND_S = Number(process.env.BENCH_ROUND_S ?? 5);

/** Medians over the rounds of one target. */
export interface InterleavedRow {
  readonly target: string;
  readonly cpuUs: number;
  readonly rps: number;
  readonly p99: number;
  readonly answered: number;
  readonly failed: number;
  readonly cpuPerRound: readonly number[];
  readonly rpsPerRound: readonly number[];
}

/** The median of `list` (NaN when empty). */
export const median = (list: readonly number[]): number => {
  const sorted = [...list].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * The median over the rounds of `a`'s figure divided by `b`'s in the same round: two targets measured
 * back to back share the machine's load of the moment, so this ratio drifts less than a ratio of medians.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Number.NaN;
  return median(a.map((x, i) => x / b[i]!));
}

/**
 * Seconds of load on a target before each measured window, in the same continuous run
 * (`BENCH_ROUND_WARMUP_S`, default 3; see {@link windowed}): a target that sat idle while the others were
 * measured comes back with a shrunk young generation (V8's memory reducer, seen: 32 MB → 1 MB) and with
 * fresh connections after the previous run closed its own mid-request, and V8 re-optimises for ~3 s.
 * The window after that is the steady state every target is compared in.
 */
export const ROUND_WARMUP_S = Number(process.env.BENCH_ROUND_WARMUP_S ?? 3);

/**
 * Warms every target up, then runs `ROUNDS` rounds against each in turn: one continuous load per target
 * and round, measured over its last `ROUND_S` seconds after {@link ROUND_WARMUP_S} (see {@link windowed}).
 */
export async function interleaved(targets: readonly Target[], body: string): Promise<InterleavedRow[]> {
  for (const t of targets) await load(t, body, WARMUP_S, CONNECTIONS);
  const per = new Map<string, { cpu: number[]; rps: number[]; p99: number[]; ok: number; bad: number }>(
    targets.map((t) => [t.name, { cpu: [], rps: [], p99: [], ok: 0, bad: 0 }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    // Rotate the order each round so no target always runs first.
    for (let k = 0; k < targets.length; k++) {
      const t = targets[(k + round) % targets.length]!;
      const w = await windowed(t, body, ROUND_WARMUP_S, ROUND_S, CONNECTIONS);
      const m = per.get(t.name)!;
      if (w.cpuPerRequestUs !== undefined) m.cpu.push(w.cpuPerRequestUs);
      m.rps.push(w.rps);
      m.p99.push(w.load.p99);
      m.ok += w.ok;
      m.bad += w.load.errors + w.load.non2xx + w.load.timeouts;
    }
    console.log(`round ${round + 1}/${ROUNDS} done (loadavg ${loadavg()})`);
  }
  return targets.map((t) => {
    const m = per.get(t.name)!;
    return {
      target: t.name,
      cpuUs: median(m.cpu),
      rps: median(m.rps),
      p99: median(m.p99),
      answered: m.ok,
      failed: m.bad,
      cpuPerRound: m.cpu,
      rpsPerRound: m.rps,
    };
  });
}

/** Prints the rows of an interleaved scenario as a markdown table. */
export function printInterleaved(title: string, rows: readonly InterleavedRow[]): void {
  console.log(
    `\n### ${title} (${CONNECTIONS} connections, ${ROUNDS} interleaved rounds × ${ROUND_S} s, medians)\n`,
  );
  // Busy: the share of one vCPU the target used in each window (CPU per request × requests per second).
  // Below ~0.9 the target was not saturated, and its CPU per request includes the cost of waking up more
  // often per request (fewer requests per event-loop turn): that round's figure reads high.
  console.log(
    '| target | CPU µs/req | CPU µs/req per round | busy per round (vCPU) | req/s | p99 | answered | failed |',
  );
  console.log('|---|---:|---|---|---:|---:|---:|---:|');
  for (const r of rows) {
    const busy = r.cpuPerRound.map((c, i) => ((c * (r.rpsPerRound[i] ?? 0)) / 1e6).toFixed(2)).join(' / ');
    console.log(
      `| ${r.target} | ${fmt(r.cpuUs)} | ${r.cpuPerRound.map((c) => fmt(c)).join(' / ')} | ${busy} | ${fmt(r.rps)} | ${r.p99} ms | ${fmt(r.answered)} | ${r.failed} |`,
    );
  }
}

/** Rows and content bytes of an audit database, and its logical size (pages × page size, WAL included). */
interface AuditSize {
  readonly rows: number;
  readonly contentBytes: number;
  readonly databaseBytes: number;
}

function auditSize(dataDir: string): AuditSize {
  const db = new Database(join(dataDir, 'audit.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare(
        'SELECT COUNT(*) AS n, COALESCE(SUM(LENGTH(ts)+LENGTH(type)+LENGTH(actor)+LENGTH(reason)+LENGTH(data)+LENGTH(prev_hash)+LENGTH(hash)+8),0) AS b FROM audit_records',
      )
      .get() as { n: number; b: number };
    const pages = db.pragma('page_count', { simple: true }) as number;
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    return { rows: row.n, contentBytes: row.b, databaseBytes: pages * pageSize };
  } finally {
    db.close();
  }
}

const OUTAGE = {
  healthy: 'hive-resilience, primary healthy (SQLite audit)',
  outage: 'hive-resilience, primary down: breaker open, fallback serving (SQLite audit as shipped)',
  perDecision: 'hive-resilience, primary down, every decision written (aggregateWindow: 0, the old audit)',
} as const;

/**
 * The outage scenario: healthy vs primary-down gateways (SQLite audit on disk), side by side with the
 * yardstick. Stops its gateways (their audit logs flushed at shutdown) before counting audit rows.
 */
export async function outageScenario(dir: string, upstreamPort: number, yardstick: Target): Promise<void> {
  const started: { name: string; child: ChildServer; dataDir: string }[] = [];
  try {
    for (const [key, primary, window] of [
      ['healthy', 'fast', undefined],
      ['outage', 'down', undefined],
      ['perDecision', 'down', '0'],
    ] as const) {
      const configPath = join(dir, `outage-${key}.yaml`);
      const dataDir = join(dir, `audit-${key}`);
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(configPath, pairConfig(upstreamPort, primary, window));
      started.push({ name: OUTAGE[key], child: await startGatewayChild(configPath, dataDir), dataDir });
    }
    const targets: Target[] = [
      yardstick,
      ...started.map((s) => ({ name: s.name, origin: s.child.origin, headers: {}, process: s.child })),
    ];
    const body = BODY.replace('"model":"fast"', '"model":"primary"');
    // Open the down primaries' breakers (5 failures each), then check every target answers.
    for (const t of targets) for (let i = 0; i < 6; i++) await check(t, body, 'pong');
    const sizesBefore = started.map((s) => auditSize(s.dataDir));
    const t0 = performance.now();
    const rows = await interleaved(targets, body);
    const seconds = (performance.now() - t0) / 1000;
    for (const s of started) await s.child.close(); // flushes the open aggregation window
    const sizesAfter = started.map((s) => auditSize(s.dataDir));
    printInterleaved('Outage: primary down, breaker open, fallback serving', rows);
    console.log(
      `\nAudit growth over the whole measured phase (${fmt(seconds)} s incl. warm-up, then shutdown):\n`,
    );
    console.log(
      '| gateway | answered in the measured windows | audit rows added | content bytes added | database bytes added (pages) |',
    );
    console.log('|---|---:|---:|---:|---:|');
    started.forEach((s, i) => {
      const b = sizesBefore[i]!;
      const a = sizesAfter[i]!;
      const answered = rows.find((r) => r.target === s.name)?.answered ?? 0;
      console.log(
        `| ${s.name} | ${fmt(answered)} | ${fmt(a.rows - b.rows)} | ${fmt(a.contentBytes - b.contentBytes)} | ${fmt(a.databaseBytes - b.databaseBytes)} |`,
      );
    });
    const healthy = rows.find((r) => r.target === OUTAGE.healthy)!;
    const outage = rows.find((r) => r.target === OUTAGE.outage)!;
    const perDecision = rows.find((r) => r.target === OUTAGE.perDecision)!;
    const cpuRatio = outage.cpuUs / healthy.cpuUs;
    const rpsRatio = outage.rps / healthy.rps;
    console.log(
      `\n- outage vs healthy: CPU/request ${cpuRatio.toFixed(2)}× (target ≤ 1.10: ${cpuRatio <= 1.1 ? 'PASS' : 'FAIL'}), ` +
        `req/s ${rpsRatio.toFixed(2)}× (target ≥ 0.90: ${rpsRatio >= 0.9 ? 'PASS' : 'FAIL'}); ` +
        `per-decision audit: CPU/request ${(perDecision.cpuUs / healthy.cpuUs).toFixed(2)}×, req/s ${(perDecision.rps / healthy.rps).toFixed(2)}×`,
    );
    console.log(
      `- outage vs healthy, per round (the median of each round's ratio; the two run back to back in most rounds): ` +
        `CPU/request ${pairedRatio(outage.cpuPerRound, healthy.cpuPerRound).toFixed(2)}× ` +
        `(rounds: ${outage.cpuPerRound.map((c, i) => (c / healthy.cpuPerRound[i]!).toFixed(2)).join(' / ')}), ` +
        `req/s ${pairedRatio(outage.rpsPerRound, healthy.rpsPerRound).toFixed(2)}×`,
    );
    console.log(
      `- healthy vs yardstick: CPU/request ${(healthy.cpuUs / rows[0]!.cpuUs).toFixed(2)}×; outage vs yardstick ${(outage.cpuUs / rows[0]!.cpuUs).toFixed(2)}×`,
    );
  } finally {
    for (const s of started) await s.child.close();
  }
}

/** The processes of one kind in a CPU scenario: several of ours and of the yardstick, one Portkey. */
export interface CpuTargets {
  readonly yardstick: readonly Target[];
  readonly ours: readonly Target[];
  readonly portkey: Target | undefined;
}

/** Per round, the median over `names`' figures in that round (replicas of one kind measured alike). */
function perRoundMedian(rows: readonly InterleavedRow[], names: readonly string[]): number[] {
  const mine = rows.filter((r) => names.includes(r.target));
  return (mine[0]?.cpuPerRound ?? []).map((_, i) => median(mine.map((r) => r.cpuPerRound[i] ?? Number.NaN)));
}

/**
 * Our gateway against the yardstick and Portkey (when it started), interleaved: CPU per request and the
 * two ratios the targets name (`maxRatio` × the yardstick, ≥ 10× less than Portkey). Identical processes
 * of one build differ by up to 60 % on this host (docs/benchmarks.md, "sixth session"), so ours and the
 * yardstick run as several processes each (`BENCH_REPLICAS`): a kind's figure is the median over all its
 * processes' rounds, and the per-round ratio compares the medians of each kind's processes in that round.
 */
export async function cpuScenario(
  title: string,
  body: string,
  targets: CpuTargets,
  maxRatio: number,
): Promise<void> {
  const all = [...targets.yardstick, ...targets.ours, ...(targets.portkey ? [targets.portkey] : [])];
  for (const t of all) await check(t, body, body.includes('"stream":true') ? '[DONE]' : 'pong');
  const rows = await interleaved(all, body);
  printInterleaved(title, rows);
  const names = (list: readonly Target[]) => list.map((t) => t.name);
  const pooled = (list: readonly Target[]) =>
    median(rows.filter((r) => names(list).includes(r.target)).flatMap((r) => r.cpuPerRound));
  const o = pooled(targets.ours);
  const y = pooled(targets.yardstick);
  const ratio = o / y;
  const oursRounds = perRoundMedian(rows, names(targets.ours));
  const yardRounds = perRoundMedian(rows, names(targets.yardstick));
  // Also per round (measured back to back, they share the host's load of the moment) and the best round
  // of each (the least disturbed): on a shared host these move less than the ratio of medians.
  const paired = pairedRatio(oursRounds, yardRounds);
  const best = Math.min(...oursRounds) / Math.min(...yardRounds);
  console.log(
    `\n- CPU/request, median over ${targets.ours.length} processes of ours (${fmt(o)} µs) and ${targets.yardstick.length} of the yardstick (${fmt(y)} µs): ` +
      `${ratio.toFixed(2)}× (target ≤ ${maxRatio}: ${ratio <= maxRatio ? 'PASS' : 'FAIL'}); ` +
      `median of per-round ratios ${paired.toFixed(2)}×, best round vs best round ${best.toFixed(2)}×`,
  );
  const p = targets.portkey && rows.find((r) => r.target === targets.portkey!.name)?.cpuUs;
  if (p !== undefined) {
    const vs = p / o;
    console.log(
      `- Portkey / ours, CPU/request: ${vs.toFixed(1)}× (target ≥ 10: ${vs >= 10 ? 'PASS' : 'FAIL'})`,
    );
  }
}
