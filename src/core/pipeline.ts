/**
 * Composition: a typed pipeline of policies, outermost first.
 * @packageDocumentation
 */
import { Chain, type Stage } from './call.js';
import { type Classifier, defaultClassifier } from './classifier.js';
import type { FallbackPolicy } from './fallback.js';
import type { Outcome } from './outcome.js';
import type { AttemptContext, ExecuteOptions, PolicyDescription } from './policy.js';
import { errorOf, runChain } from './policy-base.js';

/** Something a pipeline can hold: a policy (any {@link Stage}) or another pipeline (flattened). */
export type PipelineMember = Stage | Pipeline<unknown>;

/** The substitute type a member may return instead of failing (fallbacks only). */
export type SubstituteOf<P> = P extends FallbackPolicy<infer V> ? V : P extends Pipeline<infer R> ? R : never;

/**
 * Policies composed outermost first: `pipeline(fallback(x), timeout(5000), retry(), circuitBreaker())`
 * runs fallback( timeout( retry( breaker( fn )))). Built once; running it allocates no closures.
 * `R` is the union of fallback value types (`never` without fallback, so it is then a plain `Policy`).
 */
export class Pipeline<R = never> {
  /** The stages, outermost first. */
  readonly stages: readonly Stage[];
  /** The classifier used for what the function throws. */
  readonly classifier: Classifier;
  private readonly chain: Chain;

  /**
   * @param stages - outermost first
   * @param classifier - default: the innermost stage's explicit classifier, else the default one
   */
  constructor(stages: readonly Stage[], classifier?: Classifier) {
    this.stages = stages;
    this.chain = Chain.of(stages);
    let found: Classifier | undefined = classifier;
    for (let i = stages.length - 1; found === undefined && i >= 0; i--) {
      found = (stages[i] as { classifier?: Classifier }).classifier;
    }
    this.classifier = found ?? defaultClassifier;
  }

  /** The same pipeline with another classifier. */
  withClassifier(classifier: Classifier): Pipeline<R> {
    return new Pipeline<R>(this.stages, classifier);
  }

  /** Runs a function that returns an outcome; never throws. */
  run<T>(
    fn: (ctx: AttemptContext) => Outcome<T> | Promise<Outcome<T>>,
    options?: ExecuteOptions,
  ): Promise<Outcome<T | R>> {
    return runChain<T | R>(this.chain, fn, options, true, this.classifier);
  }

  /** Runs a function that returns a value or throws; never throws itself. */
  executeOutcome<T>(
    fn: (ctx: AttemptContext) => T | Promise<T>,
    options?: ExecuteOptions,
  ): Promise<Outcome<T | R>> {
    return runChain<T | R>(this.chain, fn, options, false, this.classifier);
  }

  /**
   * Runs a function; on failure throws the failure's error: the policy's typed `ResilienceError`
   * (`BrokenCircuitError`, `TimeoutError`, …), or the function's own error as is.
   */
  async execute<T>(fn: (ctx: AttemptContext) => T | Promise<T>, options?: ExecuteOptions): Promise<T | R> {
    const out = await runChain<T | R>(this.chain, fn, options, false, this.classifier);
    if (out.ok) return out.value;
    throw errorOf(out);
  }

  /** Describes the pipeline: the outermost policy, with `inner` pointing to the next. */
  describe(): PolicyDescription {
    let inner: PolicyDescription | undefined;
    for (let i = this.stages.length - 1; i >= 0; i--) {
      const self = this.stages[i]!.describeSelf();
      inner = inner ? { ...self, inner } : { ...self };
    }
    return inner ?? { name: 'pipeline', options: { empty: true } };
  }
}

/**
 * Composes policies, outermost first. Nested pipelines are flattened.
 * @example `pipeline(timeout(10_000), retry({ budget }), circuitBreaker(), bulkhead({ maxConcurrent: 8 }))`
 */
export function pipeline<const P extends readonly PipelineMember[]>(
  ...members: P
): Pipeline<SubstituteOf<P[number]>> {
  const stages: Stage[] = [];
  for (const m of members) {
    if (m instanceof Pipeline) stages.push(...m.stages);
    else stages.push(m);
  }
  return new Pipeline<SubstituteOf<P[number]>>(stages);
}
