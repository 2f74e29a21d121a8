/**
 * Request coalescing ("singleflight"): identical concurrent calls share one execution.
 * @packageDocumentation
 */
import { Call, Chain, type UserFn } from './call.js';
import type { CancelSignal } from './cancel-signal.js';
import { type Classifier, defaultClassifier } from './classifier.js';
import { AbortedError } from './errors/policy-errors.js';
import { failure, type Outcome } from './outcome.js';
import type { AttemptContext } from './policy.js';
import { errorOf } from './policy-base.js';
import { SignalScope } from './signal-scope.js';

/** Options of {@link Singleflight}. */
export interface SingleflightOptions {
  /** Classifies what the shared function throws (default `defaultClassifier`). */
  readonly classifier?: Classifier;
}

/** Per-call options of {@link Singleflight}. */
export interface SingleflightCallOptions {
  /** This caller's cancellation: it stops waiting at once (see {@link Singleflight}). */
  readonly signal?: CancelSignal;
}

interface Flight {
  promise: Promise<Outcome<unknown>>;
  readonly scope: SignalScope;
  /** Callers waiting for this execution. */
  waiters: number;
}

const LEAF = Chain.of([]);

/**
 * Coalesces concurrent calls by key: while an execution for a key runs, further calls with that key wait
 * for it and receive the same outcome (the same object: do not mutate a shared value).
 *
 * - **Key**: chosen by the caller, who alone knows when two calls are identical (e.g. a canonical hash of
 *   a request plus whatever distinguishes callers who must not share, such as a tenant or credential).
 * - **Reset rules**: an entry lives only while its execution runs. Once it settles, success or failure,
 *   the key is free and the next call runs anew: nothing is cached. {@link Singleflight.forget} frees a
 *   key early (callers already waiting keep the running execution; the next call starts a new one).
 * - **Cancellation**: a caller whose signal aborts stops waiting at once with an `aborted` outcome;
 *   the shared execution's signal (`ctx.signal`) aborts only when every caller waiting for it aborted.
 * - The shared function never sees a caller's signal, so one caller cannot cancel the others' work.
 */
export class Singleflight {
  private readonly flights = new Map<string, Flight>();
  private readonly classifier: Classifier;

  /** @param options - see {@link SingleflightOptions} */
  constructor(options: SingleflightOptions = {}) {
    this.classifier = options.classifier ?? defaultClassifier;
  }

  /** Executions running now. */
  get inFlight(): number {
    return this.flights.size;
  }

  /** True while an execution for `key` runs. */
  has(key: string): boolean {
    return this.flights.has(key);
  }

  /** Frees `key` now (see the reset rules). Returns whether an execution was running. */
  forget(key: string): boolean {
    return this.flights.delete(key);
  }

  /** Runs (or joins) the execution for `key` of a function returning an outcome. Never throws. */
  run<T>(
    key: string,
    fn: (ctx: AttemptContext) => Outcome<T> | Promise<Outcome<T>>,
    options?: SingleflightCallOptions,
  ): Promise<Outcome<T>> {
    return this.join<T>(key, fn, true, options?.signal);
  }

  /** Runs (or joins) the execution for `key` of a function returning a value or throwing. Never throws. */
  executeOutcome<T>(
    key: string,
    fn: (ctx: AttemptContext) => T | Promise<T>,
    options?: SingleflightCallOptions,
  ): Promise<Outcome<T>> {
    return this.join<T>(key, fn, false, options?.signal);
  }

  /** Like {@link Singleflight.executeOutcome}, but throws the failure's error. */
  async execute<T>(
    key: string,
    fn: (ctx: AttemptContext) => T | Promise<T>,
    options?: SingleflightCallOptions,
  ): Promise<T> {
    const out = await this.join<T>(key, fn, false, options?.signal);
    if (out.ok) return out.value;
    throw errorOf(out);
  }

  private join<T>(
    key: string,
    fn: UserFn,
    raw: boolean,
    signal: CancelSignal | undefined,
  ): Promise<Outcome<T>> {
    if (signal?.aborted) return Promise.resolve(failure('aborted', new AbortedError(signal.reason)));
    let flight = this.flights.get(key);
    if (flight === undefined) flight = this.start(key, fn, raw);
    flight.waiters++;
    const shared = flight.promise as Promise<Outcome<T>>;
    if (signal === undefined) return shared;
    const f = flight;
    return new Promise<Outcome<T>>((resolve) => {
      const onAbort = (): void => {
        if (--f.waiters === 0) f.scope.abort(new AbortedError(signal.reason));
        resolve(failure('aborted', new AbortedError(signal.reason)));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      shared.then((out) => {
        signal.removeEventListener('abort', onAbort);
        resolve(out);
      });
    });
  }

  private start(key: string, fn: UserFn, raw: boolean): Flight {
    const scope = new SignalScope(undefined);
    const flight: Flight = { promise: undefined as unknown as Promise<Outcome<unknown>>, scope, waiters: 0 };
    this.flights.set(key, flight);
    flight.promise = LEAF.run<unknown>(new Call(scope, 0, raw, this.classifier), fn).then((out) => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
      scope.dispose();
      return out;
    });
    return flight;
  }
}

/** Shorthand for `new Singleflight(options)`. */
export function singleflight(options?: SingleflightOptions): Singleflight {
  return new Singleflight(options);
}
