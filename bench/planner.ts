/**
 * Cost of planning one request among 36 models (CMMV-Hive's fleet size): a request its primary serves
 * plans its primary and configured fallbacks only; ranking every other model as a substitute happens only
 * when the walk gets there (`Plan.expand`). Run by bench/run.ts.
 */
import { bench, do_not_optimize, run as runMitata } from 'mitata';
import { type PlannableModel, Planner } from '../src/engine/planner.js';

/** Registers and runs the planner benchmarks. */
export async function run(): Promise<void> {
  const models: PlannableModel[] = Array.from({ length: 36 }, (_, i) => ({
    id: `m${i}`,
    provider: 'openai',
    providerName: 'openai',
    capabilities: new Set(['streaming']),
    contextWindow: 128_000,
    fallbacks: i === 0 ? ['m1'] : [],
    cost: i,
  }));
  const planner = new Planner(models, {
    rank: (id) => ({ score: id.length, latencyMs: 10 }),
    isOpen: () => false,
  });
  const target = { kind: 'model', id: 'm0' } as const;
  const options = {
    capabilities: [],
    estimatedTokens: 10,
    fallback: true,
    consultBreakers: true,
    useHealth: true,
  };
  bench('plan, 36 models: served by the primary (substitutes deferred)', () => {
    do_not_optimize(planner.plan(target, options));
  });
  bench('plan, 36 models: walked to the substitutes (ranked and planned)', () => {
    const plan = planner.plan(target, options);
    plan.expand?.();
    do_not_optimize(plan);
  });
  await runMitata();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
