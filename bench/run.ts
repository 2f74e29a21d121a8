/**
 * `npm run bench`: runs every benchmark module in one process, one after another. Each module exports
 * `async function run(): Promise<void>`; add new ones to {@link benchModules}.
 */
import * as core from './core.js';

interface BenchModule {
  readonly run: () => Promise<void>;
}

/** The benchmark modules, in order. */
export const benchModules: ReadonlyArray<readonly [name: string, module: BenchModule]> = [['core', core]];

for (const [name, module] of benchModules) {
  console.log(`\n# bench: ${name}\n`);
  await module.run();
}
