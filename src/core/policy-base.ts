/**
 * Shared implementation of the {@link Policy} entry points for single policies and pipelines.
 * @packageDocumentation
 */

import { Call, Chain, type Stage, type UserFn } from './call.js';
import type { CancelSignal } from './cancel-signal.js';
import { type Classifier, defaultClassifier } from './classifier.js';
import { AbortedError } from './errors/policy-errors.js';
import { type Failure, failure, type Outcome } from './outcome.js';
import type { AttemptContext, ExecuteOptions, PolicyDescription } from './policy.js';
import { SignalScope } from './signal-scope.js';

/**
 * Runs `fn` through `chain`. Without a caller signal this adds no async frame and no scope; with one,
 * it links a lazy scope to it and disposes the scope afterwards (so no listener ever stays behind).
 */
export function runChain<T>(
  chain: Chain,
  fn: UserFn,
  options: ExecuteOptions | undefined,
  raw: boolean,
  classifier: Classifier,
): Promise<Outcome<T>> {
  const external = options?.signal;
  if (external === undefined) return chain.run<T>(new Call(undefined, 0, raw, classifier), fn);
  if (external.aborted) return Promise.resolve(failure('aborted', new AbortedError(external.reason)));
  return runScoped<T>(chain, fn, external, raw, classifier);
}

async function runScoped<T>(
  chain: Chain,
  fn: UserFn,
  external: CancelSignal,
  raw: boolean,
  classifier: Classifier,
): Promise<Outcome<T>> {
  const scope = new SignalScope(undefined, external);
  try {
    return await chain.run<T>(new Call(scope, 0, raw, classifier), fn);
  } finally {
    scope.dispose();
  }
}

/** The error `execute` throws for a failure: its own error, or a generic one when it has none. */
export function errorOf(out: Failure): unknown {
  if (out.error !== undefined) return out.error;
  return new Error(`Operation failed (${out.kind}${out.reason ? `: ${out.reason}` : ''})`);
}

/** Options every policy accepts. */
export interface PolicyOptions {
  /** Classifies what the executed function throws (default {@link defaultClassifier}). */
  readonly classifier?: Classifier;
}

/**
 * Base class of every policy: a {@link Stage} that can also run on its own.
 * `R` is the type a policy may substitute for a failure (only fallback uses it).
 */
export abstract class BasePolicy<R = never> implements Stage {
  /** The classifier set explicitly through options, if any (pipelines adopt the innermost one). */
  readonly classifier: Classifier | undefined;
  private chainOfSelf: Chain | undefined;

  /** @param options - common policy options */
  constructor(options: PolicyOptions = {}) {
    this.classifier = options.classifier;
  }

  /** @inheritDoc Stage.invoke */
  abstract invoke<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>>;

  /** @inheritDoc Stage.describeSelf */
  abstract describeSelf(): { name: string; options?: Readonly<Record<string, unknown>> };

  private get chain(): Chain {
    this.chainOfSelf ??= Chain.of([this]);
    return this.chainOfSelf;
  }

  /** Runs a function that returns an outcome; never throws. */
  run<T>(
    fn: (ctx: AttemptContext) => Outcome<T> | Promise<Outcome<T>>,
    options?: ExecuteOptions,
  ): Promise<Outcome<T | R>> {
    return runChain<T | R>(this.chain, fn, options, true, this.classifier ?? defaultClassifier);
  }

  /** Runs a function that returns a value or throws; never throws itself. */
  executeOutcome<T>(
    fn: (ctx: AttemptContext) => T | Promise<T>,
    options?: ExecuteOptions,
  ): Promise<Outcome<T | R>> {
    return runChain<T | R>(this.chain, fn, options, false, this.classifier ?? defaultClassifier);
  }

  /** Runs a function and throws the failure's error (typed `ResilienceError`, or the original). */
  async execute<T>(fn: (ctx: AttemptContext) => T | Promise<T>, options?: ExecuteOptions): Promise<T | R> {
    const out = await runChain<T | R>(this.chain, fn, options, false, this.classifier ?? defaultClassifier);
    if (out.ok) return out.value;
    throw errorOf(out);
  }

  /** Describes this policy. */
  describe(): PolicyDescription {
    return this.describeSelf();
  }
}
