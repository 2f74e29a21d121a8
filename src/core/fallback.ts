/**
 * Fallback: a substitute value when the call fails.
 * @packageDocumentation
 */
import { type Call, type Chain, type FastStage, invokeFast, type UserFn } from './call.js';
import { classifySafely } from './classifier.js';
import { type Failure, type Outcome, success } from './outcome.js';
import type { AttemptContext } from './policy.js';
import { BasePolicy, type PolicyOptions } from './policy-base.js';

/** Options of {@link FallbackPolicy}. */
export interface FallbackOptions extends PolicyOptions {
  /** Which failures the fallback replaces (default: every failure except `aborted`). */
  readonly shouldHandle?: (failure: Failure) => boolean;
}

const notAborted = (f: Failure): boolean => f.kind !== 'aborted';

/**
 * Replaces a failure with a value, or with the result of a function of the failure. The function also
 * gets the call's context (`ctx.signal`), so an outer timeout or the caller's abort can interrupt it. A
 * fallback function that throws yields that error's classified failure.
 */
export class FallbackPolicy<V> extends BasePolicy<V> implements FastStage {
  private readonly shouldHandle: (failure: Failure) => boolean;

  /**
   * @param substitute - a value, or a function of the failure returning one (sync or async)
   * @param options - see {@link FallbackOptions}
   */
  constructor(
    private readonly substitute: V | ((failure: Failure, ctx: AttemptContext) => V | Promise<V>),
    options: FallbackOptions = {},
  ) {
    super(options);
    this.shouldHandle = options.shouldHandle ?? notAborted;
  }

  invoke<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    return invokeFast<T>(this, call, fn, next);
  }

  /** @inheritDoc FastStage.enter */
  enter(): unknown {
    return undefined;
  }

  /** @inheritDoc FastStage.leave */
  leave<T>(out: Outcome<T>, _token: unknown, call: Call): Outcome<T> | Promise<Outcome<T>> {
    if (out.ok || !this.shouldHandle(out)) return out;
    const s = this.substitute;
    if (typeof s !== 'function') return success(s as unknown as T);
    return this.substituteFor(out, call);
  }

  private async substituteFor<T>(out: Failure, call: Call): Promise<Outcome<T>> {
    try {
      return success(
        (await (this.substitute as (f: Failure, c: AttemptContext) => V | Promise<V>)(
          out,
          call,
        )) as unknown as T,
      );
    } catch (error) {
      return classifySafely(call.classifier, error);
    }
  }

  describeSelf(): { name: string; options: Readonly<Record<string, unknown>> } {
    return {
      name: 'fallback',
      options: { kind: typeof this.substitute === 'function' ? 'function' : 'value' },
    };
  }
}

/** Options of {@link fallbackOver}. */
export interface FallbackOverOptions<C> {
  /** True to pass over a candidate without trying it (asked when its turn comes). */
  readonly skip?: (candidate: C, index: number) => boolean;
  /**
   * After a candidate failed: true to go on to the next one. Default, as for {@link FallbackPolicy}:
   * every failure except `aborted`.
   */
  readonly shouldHandle?: (failure: Failure, candidate: C, index: number) => boolean;
}

/** What {@link fallbackOver} ended with. */
export interface FallbackOverResult<T> {
  /** The last outcome (a success, or the failure that ended the walk); undefined when none was tried. */
  readonly outcome: Outcome<T> | undefined;
  /** The index of the candidate that gave `outcome` (-1 when none was tried). */
  readonly index: number;
}

/**
 * Fallback over an ordered list of candidates: tries each in turn (skipping those `skip` passes over)
 * until one succeeds or a failure is not handled. The engine walks its planned models with it; a
 * {@link FallbackPolicy} is the two-candidate case (the call, then its substitute).
 */
export async function fallbackOver<C, T>(
  candidates: readonly C[],
  attempt: (candidate: C, index: number) => Outcome<T> | Promise<Outcome<T>>,
  options: FallbackOverOptions<C> = {},
): Promise<FallbackOverResult<T>> {
  const handles = options.shouldHandle ?? notAborted;
  let outcome: Outcome<T> | undefined;
  let index = -1;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    if (options.skip?.(candidate, i)) continue;
    outcome = await attempt(candidate, i);
    index = i;
    if (outcome.ok || !handles(outcome, candidate, i)) break;
  }
  return { outcome, index };
}

/** Shorthand: `fallback('n/a')` or `fallback((failure) => cached(failure))`. */
export function fallback<V>(
  substitute: V | ((failure: Failure, ctx: AttemptContext) => V | Promise<V>),
  options?: FallbackOptions,
): FallbackPolicy<V> {
  return new FallbackPolicy<V>(substitute, options);
}
