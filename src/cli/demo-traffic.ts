/**
 * Demo traffic for `serve --demo`: a request every 400 ms through the gateway's engine, and a short
 * line on stderr for each resilience decision (fallback, breaker transition, health change, alert).
 * @packageDocumentation
 */
import type { RunningGateway } from '../gateway/start-gateway.js';

/** Starts the demo loop; `stop()` ends it. */
export function startDemoTraffic(gateway: RunningGateway, out: NodeJS.WritableStream): { stop(): void } {
  const targets = ['governance', 'sim-flaky', 'tools', 'sim-flaky'];
  let n = 0;
  const events = gateway.engine.events.on((e) => {
    const t = new Date().toISOString().slice(11, 19);
    if (e.type === 'request.fallback') out.write(`[${t}] fallback   ${e.from} -> ${e.to} (${e.reason})\n`);
    else if (e.type === 'breaker.state_changed')
      out.write(`[${t}] breaker    ${e.model}: ${e.from} -> ${e.to}\n`);
    else if (e.type === 'health.status_changed')
      out.write(`[${t}] health     ${e.model}: ${e.from} -> ${e.to}\n`);
    else if (e.type === 'request.exhausted') out.write(`[${t}] exhausted  ${e.target}\n`);
  });
  const alerts = gateway.alerts.onAlert.on((a) => {
    out.write(`[${new Date().toISOString().slice(11, 19)}] alert      ${a.kind}: ${a.alert.summary}\n`);
  });
  const timer = setInterval(() => {
    const target = targets[n++ % targets.length]!;
    void gateway.engine.complete({
      target,
      body: { model: target, messages: [{ role: 'user', content: `demo request ${n}` }] },
    });
  }, 400);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      events.dispose();
      alerts.dispose();
    },
  };
}
