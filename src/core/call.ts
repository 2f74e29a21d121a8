/**
 * The internal plumbing of policies: the per-attempt call object, the stage chain and the leaf runner.
 * Not part of the public surface except through {@link Stage} for custom policies.
 * @packageDocumentation
 */
import { type Classifier, classifySafely } from './classifier.js';
import type { Outcome } from './outcome.js';
import { success } from './outcome.js';
import type { AttemptContext } from './policy.js';
import { neverAbortedSignal, type SignalScope } from './signal-scope.js';

/** What the user function looks like inside the chain (value-returning or outcome-returning). */
export type UserFn = (ctx: AttemptContext) => unknown;

/**
 * One attempt travelling down the chain. It is also the {@link AttemptContext} the user function
 * receives, so no extra object is made per attempt.
 */
export class Call implements AttemptContext {
  /**
   * @param scope - the cancellation scope of this attempt (undefined: nothing can cancel it)
   * @param attempt - attempt number (0 first)
   * @param raw - true when the user function returns outcomes (`run`), false for values
   * @param classifier - classifies what the user function throws
   */
  constructor(
    readonly scope: SignalScope | undefined,
    readonly attempt: number,
    readonly raw: boolean,
    readonly classifier: Classifier,
  ) {}

  /** The attempt's signal, created lazily. */
  get signal(): AbortSignal {
    return this.scope ? this.scope.signal : neverAbortedSignal();
  }

  /** A copy for another attempt or another scope. */
  with(scope: SignalScope | undefined, attempt: number): Call {
    return new Call(scope, attempt, this.raw, this.classifier);
  }
}

/** A composable stage: does its work around `next.run(call, fn)`. Must never throw or reject. */
export interface Stage {
  /** Runs the call through this stage and the rest of the chain. */
  invoke<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>>;
  /** Describes this stage alone (without what it wraps). */
  describeSelf(): { name: string; options?: Readonly<Record<string, unknown>> };
}

/** A linked list of stages ending in the user function. Built once per pipeline, never per call. */
export class Chain {
  /** @param stage - this link's stage (undefined: the end, run the user function) @param next - the rest */
  constructor(
    readonly stage: Stage | undefined,
    readonly next: Chain | undefined,
  ) {}

  /** Runs `fn` through this link and every one after it. */
  run<T>(call: Call, fn: UserFn): Promise<Outcome<T>> {
    const stage = this.stage;
    if (stage === undefined) return runLeaf<T>(call, fn);
    return stage.invoke<T>(call, fn, this.next!);
  }

  /** Builds a chain from stages, outermost first. */
  static of(stages: readonly Stage[]): Chain {
    let chain = new Chain(undefined, undefined);
    for (let i = stages.length - 1; i >= 0; i--) chain = new Chain(stages[i], chain);
    return chain;
  }
}

/** Runs the user function once, turning its value or throw into an outcome. */
export async function runLeaf<T>(call: Call, fn: UserFn): Promise<Outcome<T>> {
  try {
    const value = await fn(call);
    return call.raw ? (value as Outcome<T>) : success(value as T);
  } catch (error) {
    return classifySafely(call.classifier, error);
  }
}
