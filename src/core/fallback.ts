/**
 * Fallback: a substitute value when the call fails.
 * @packageDocumentation
 */
import type { Call, Chain, FastStage, UserFn } from './call.js';
import { classifySafely } from './classifier.js';
import { type Failure, type Outcome, success } from './outcome.js';
import { BasePolicy, type PolicyOptions } from './policy-base.js';

/** Options of {@link FallbackPolicy}. */
export interface FallbackOptions extends PolicyOptions {
  /** Which failures the fallback replaces (default: every failure except `aborted`). */
  readonly shouldHandle?: (failure: Failure) => boolean;
}

const notAborted = (f: Failure): boolean => f.kind !== 'aborted';

/**
 * Replaces a failure with a value, or with the result of a function of the failure. A fallback
 * function that throws yields that error's classified failure.
 */
export class FallbackPolicy<V> extends BasePolicy<V> implements FastStage {
  private readonly shouldHandle: (failure: Failure) => boolean;

  /**
   * @param substitute - a value, or a function of the failure returning one (sync or async)
   * @param options - see {@link FallbackOptions}
   */
  constructor(
    private readonly substitute: V | ((failure: Failure) => V | Promise<V>),
    options: FallbackOptions = {},
  ) {
    super(options);
    this.shouldHandle = options.shouldHandle ?? notAborted;
  }

  async invoke<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
    const out = await next.run<T>(call, fn);
    if (out.ok || !this.shouldHandle(out)) return out;
    const s = this.substitute;
    if (typeof s !== 'function') return success(s as unknown as T);
    return this.substituteFor(out, call);
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
      return success((await (this.substitute as (f: Failure) => V | Promise<V>)(out)) as unknown as T);
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

/** Shorthand: `fallback('n/a')` or `fallback((failure) => cached(failure))`. */
export function fallback<V>(
  substitute: V | ((failure: Failure) => V | Promise<V>),
  options?: FallbackOptions,
): FallbackPolicy<V> {
  return new FallbackPolicy<V>(substitute, options);
}
