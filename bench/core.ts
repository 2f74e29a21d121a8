/**
 * Core policy benchmark (mitata): our success-path pipeline and open-circuit rejection against a bare
 * call, cockatiel 3 and opossum 9. Run with `npm run bench` (one process, one run).
 */
import {
  ExponentialBackoff as CkExponentialBackoff,
  ConsecutiveBreaker,
  circuitBreaker as ckBreaker,
  retry as ckRetry,
  timeout as ckTimeout,
  handleAll,
  TimeoutStrategy,
  wrap,
} from 'cockatiel';
import { bench, do_not_optimize, group, run as runMitata, summary } from 'mitata';
import CircuitBreakerOpossum from 'opossum';
import { circuitBreaker, fallback, pipeline, retry, timeout } from '../src/core/index.js';

const work = async (): Promise<number> => 42;

/** Runs the core benchmarks. */
export async function run(): Promise<void> {
  const ours = pipeline(fallback(-1), timeout(10_000), retry({ maxRetries: 3 }), circuitBreaker());
  const oursNoFallback = pipeline(timeout(10_000), retry({ maxRetries: 3 }), circuitBreaker());
  const cockatiel = wrap(
    ckRetry(handleAll, { maxAttempts: 3, backoff: new CkExponentialBackoff() }),
    ckBreaker(handleAll, { halfOpenAfter: 30_000, breaker: new ConsecutiveBreaker(5) }),
    ckTimeout(10_000, TimeoutStrategy.Cooperative),
  );
  const opossum = new CircuitBreakerOpossum(work, { timeout: 10_000, errorThresholdPercentage: 50 });

  const openOurs = circuitBreaker({ openDurationMs: 1e9 });
  const isolation = openOurs.isolate();
  const openOursTripped = circuitBreaker({ consecutiveFailures: 1, openDurationMs: 1e9 });
  await openOursTripped.executeOutcome(() => {
    throw new Error('trip');
  });
  const openCockatiel = ckBreaker(handleAll, { halfOpenAfter: 1e9, breaker: new ConsecutiveBreaker(1) });
  await openCockatiel
    .execute(() => {
      throw new Error('trip');
    })
    .catch(() => {});

  summary(() => {
    group('success path', () => {
      bench('bare await fn()', async () => do_not_optimize(await work()));
      bench('ours: fallback+timeout+retry+breaker (executeOutcome)', async () =>
        do_not_optimize(await ours.executeOutcome(work)),
      );
      bench('ours: fallback+timeout+retry+breaker (execute)', async () =>
        do_not_optimize(await ours.execute(work)),
      );
      bench('ours: timeout+retry+breaker (execute)', async () =>
        do_not_optimize(await oursNoFallback.execute(work)),
      );
      bench('cockatiel 3: wrap(retry, circuitBreaker, timeout)', async () =>
        do_not_optimize(await cockatiel.execute(work)),
      );
      bench('opossum 9: fire', async () => do_not_optimize(await opossum.fire()));
    });
  });

  summary(() => {
    group('open-circuit rejection', () => {
      bench('ours: open breaker (executeOutcome)', async () =>
        do_not_optimize(await openOursTripped.executeOutcome(work)),
      );
      bench('ours: open breaker (execute, throws)', async () => {
        try {
          await openOursTripped.execute(work);
        } catch (e) {
          do_not_optimize(e);
        }
      });
      bench('ours: tryAcquire() on open breaker', () => do_not_optimize(openOursTripped.tryAcquire()));
      bench('cockatiel 3: open breaker (execute, throws)', async () => {
        try {
          await openCockatiel.execute(work);
        } catch (e) {
          do_not_optimize(e);
        }
      });
    });
  });

  await runMitata();
  isolation.dispose();
  opossum.shutdown();
  for (const s of [...ours.stages, ...oursNoFallback.stages]) (s as { dispose?: () => void }).dispose?.();
}
