import * as audit from './audit.js';
import * as consensus from './consensus.js';
import * as core from './core.js';
import * as failover from './failover.js';
import * as fallbackEvents from './fallback-events.js';
import * as health from './health.js';
import { loadavg } from './loadavg.js';
import * as planner from './planner.js';

interface BenchModule {
  readonly run: () => Promise<void>;
}

/** The benchmark modules, in order. */
export const benchModules: ReadonlyArray<readonly [name: string, module: BenchModule]> = [
  ['core', core],
  ['health', health],
  ['planner', planner],
  ['audit', audit],
  ['fallback-events', fallbackEvents],
  ['consensus', consensus],
  ['failover', failover],
];

for (const [name, module] of benchModules) {
  console.log(`\n# bench: ${name} (loadavg ${loadavg()})\n`);
  await module.run();
  console.log(`\n(loadavg after ${name}: ${loadavg()})`);
}
