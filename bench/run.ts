/**
 * `npm run bench`: runs every benchmark module in one process, one after another. Each module exports
 * `async function run(): Promise<void>`; add new ones to {@link benchModules}.
 */
import { readFileSync } from 'node:fs';
import * as audit from './audit.js';
import * as consensus from './consensus.js';
import * as core from './core.js';
import * as failover from './failover.js';
import * as health from './health.js';

interface BenchModule {
  readonly run: () => Promise<void>;
}

/** The benchmark modules, in order. */
export const benchModules: ReadonlyArray<readonly [name: string, module: BenchModule]> = [
  ['core', core],
  ['health', health],
  ['audit', audit],
  ['consensus', consensus],
  ['failover', failover],
];

const loadavg = (): string => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'n/a';
  }
};

for (const [name, module] of benchModules) {
  console.log(`\n# bench: ${name} (loadavg ${loadavg()})\n`);
  await module.run();
  console.log(`\n(loadavg after ${name}: ${loadavg()})`);
}
