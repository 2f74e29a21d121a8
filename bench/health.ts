/**
 * Cost of recording one call in the health monitor (target < 0.2 µs). Run by bench/run.ts.
 */
import { bench, run as runMitata } from 'mitata';
import { systemClock } from '../src/core/clock.js';
import { HealthMonitor } from '../src/health/index.js';

/** Registers and runs the health-monitor benchmarks. */
export async function run(): Promise<void> {
  const monitor = new HealthMonitor({}, ['m1', 'm2', 'm3', 'm4']);
  const kinds = ['success', 'success', 'success', 'transient'] as const;
  let i = 0;
  bench('health.record (success, latency)', () => {
    monitor.record('m1', 'success', 120 + (i++ & 255));
  });
  const clock = systemClock;
  bench('health.record (caller passes now)', () => {
    monitor.record('m3', 'success', 120 + (i++ & 255), undefined, clock.now());
  });
  bench('health.record (mixed kinds, latency + ttft)', () => {
    const n = i++;
    monitor.record('m2', kinds[n & 3]!, 80 + (n & 1023), 20 + (n & 63));
  });
  bench('health.health (snapshot)', () => {
    monitor.health('m1');
  });
  await runMitata();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
