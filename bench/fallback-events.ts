/**
 * What the gateway's engine-event listeners (metrics, request timeline, alert rules, audit) cost per
 * request: one its primary served (`request.completed`) against one a fallback served during an outage
 * (`request.fallback` past the open breaker, then `request.completed`). The listeners are wired as
 * `startGateway` wires them, the audit aggregating over an in-memory log. Run by bench/run.ts, or alone:
 * `npx tsx bench/fallback-events.ts`.
 */
import { bench, do_not_optimize, run as runMitata } from 'mitata';
import { createAlertManager } from '../src/alerts/alert-manager.js';
import { AggregatingAuditLog } from '../src/audit/aggregating-audit-log.js';
import { MemoryAuditLog } from '../src/audit/memory-audit-log.js';
import type { EngineEvent } from '../src/engine/events.js';
import { EventAuditor } from '../src/gateway/audit-events.js';
import { createMetrics } from '../src/telemetry/metrics.js';
import { RequestTimeline } from '../src/telemetry/request-timeline.js';

const silent = { info() {}, warn() {}, error() {}, debug() {} };

/** Registers and runs the benchmarks. */
export async function run(): Promise<void> {
  const audit = new AggregatingAuditLog(new MemoryAuditLog(), {});
  const auditor = new EventAuditor(audit);
  const metrics = createMetrics();
  const timeline = new RequestTimeline();
  const alerts = createAlertManager({ logger: silent });
  const listener = (event: EngineEvent): void => {
    metrics.observe(event);
    timeline.observe(event);
    alerts.observe(event);
    auditor.observe(event);
  };
  // Model ids as a config gives them (not literals), request ids as the server makes them.
  const [primary, fallback] = JSON.parse('["primary","fast"]') as [string, string];
  const at = Date.now();
  const ids = Array.from({ length: 1024 }, (_, i) => `req-${(at + i).toString(36)}`);
  const served = (i: number, model: string, attempts: number): EngineEvent => ({
    type: 'request.completed',
    requestId: ids[i & 1023]!,
    target: primary,
    model,
    outcome: 'success',
    attempts,
    fallback: attempts > 1,
    stream: false,
    latencyMs: 2,
    ttftMs: undefined,
    at,
  });
  let i = 0;
  bench('listeners, a request its primary served (request.completed)', () => {
    const event = served(i++, primary, 1);
    listener(event);
    do_not_optimize(event);
  });
  bench('listeners, a request a fallback served (request.fallback + request.completed)', () => {
    const n = i++;
    listener({
      type: 'request.fallback',
      requestId: ids[n & 1023]!,
      target: primary,
      from: primary,
      to: fallback,
      reason: 'breaker_open',
      substitution: false,
      at,
    });
    const event = served(n, fallback, 2);
    listener(event);
    do_not_optimize(event);
  });
  await runMitata();
  alerts.stop();
  audit.close();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
