/**
 * The internal plumbing of policies: the per-attempt call object, the stage chain and the leaf runner.
 * Not part of the public surface except through {@link Stage} for custom policies.
 * @packageDocumentation
 */
import { type Classifier, classifySafely } from './classifier.js';
import { AbortedError, TimeoutError } from './errors/policy-errors.js';
import { type Failure, failure, type Outcome, success } from './outcome.js';
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

/**
 * Returned by {@link FastStage.enter}: this call takes the stage's full `invoke` path instead. (The
 * runner tests `typeof token === 'symbol'`, cheaper than loading this constant: tokens are never symbols
 * otherwise.)
 */
export const SLOW_PATH: unique symbol = Symbol('slow-path');

/**
 * A stage whose common case is synchronous work before and after the inner chain. A run of
 * consecutive fast stages is executed with one async frame in total (one `await` on the innermost
 * promise) instead of one per stage; `invoke` must behave exactly like `enter` + inner + `leave`.
 * Async work (a retry's sleep, a fallback function) happens only when `leave` returns a promise.
 */
export interface FastStage extends Stage {
  /**
   * Synchronous entry. Returns the token handed to {@link FastStage.leave}; a `Failure`
   * (`ok === false`) ends the call without running the inner chain (it is still passed to the outer
   * stages' `leave`, not this one's); {@link SLOW_PATH} makes this stage run through `invoke`.
   */
  enter(call: Call): unknown;
  /** The call the inner stages receive after `enter` returned `token` (when absent: the same call). */
  inner?(token: unknown, call: Call): Call;
  /** Synchronous exit with the inner outcome; returns a promise only when it must do async work. */
  leave<T>(
    out: Outcome<T>,
    token: unknown,
    call: Call,
    fn: UserFn,
    next: Chain,
  ): Outcome<T> | Promise<Outcome<T>>;
  /** The path for calls whose `enter` returned {@link SLOW_PATH} (required when it ever does). */
  invokeSlow?<T>(call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>>;
}

/**
 * The `invoke` of every {@link FastStage}, written once in terms of its `enter`, `inner` and `leave`, so
 * that a stage run alone (or behind a stage that is not fast) and a stage fused into a fast run cannot
 * behave differently: there is one formulation of each policy.
 */
export function invokeFast<T>(stage: FastStage, call: Call, fn: UserFn, next: Chain): Promise<Outcome<T>> {
  const token = stage.enter(call);
  if (typeof token === 'symbol') return stage.invokeSlow!<T>(call, fn, next);
  if (typeof token === 'object' && token !== null && (token as { ok?: unknown }).ok === false) {
    return Promise.resolve(token as Outcome<T>);
  }
  const inner = stage.inner === undefined ? call : stage.inner(token, call);
  return next.run<T>(inner, fn).then((out) => stage.leave<T>(out, token, call, fn, next));
}

function isFast(stage: Stage): stage is FastStage {
  return typeof (stage as FastStage).enter === 'function' && typeof (stage as FastStage).leave === 'function';
}

/** A linked list of stages ending in the user function. Built once per pipeline, never per call. */
export class Chain {
  /** This link and the fast links right after it (empty when this stage is not a {@link FastStage}). */
  private readonly fast: readonly Chain[];

  /** @param stage - this link's stage (undefined: the end, run the user function) @param next - the rest */
  constructor(
    readonly stage: Stage | undefined,
    readonly next: Chain | undefined,
  ) {
    this.fast = stage !== undefined && next !== undefined && isFast(stage) ? [this, ...next.fast] : [];
  }

  /** Runs `fn` through this link and every one after it. */
  run<T>(call: Call, fn: UserFn): Promise<Outcome<T>> {
    if (this.fast.length > 0) return runFast<T>(this.fast, call, fn);
    const stage = this.stage;
    // The end of the chain: the user function alone (settled by the same code as the fast path's leaf).
    if (stage === undefined) return settleFast<T>(NO_LINKS, 0, undefined, undefined, call, fn);
    return stage.invoke<T>(call, fn, this.next!);
  }

  /** Builds a chain from stages, outermost first. */
  static of(stages: readonly Stage[]): Chain {
    let chain = new Chain(undefined, undefined);
    for (let i = stages.length - 1; i >= 0; i--) chain = new Chain(stages[i], chain);
    return chain;
  }
}

/**
 * Runs a run of fast links: every `enter` synchronously (outermost first), then the rest of the chain,
 * then every `leave` (innermost first) after a single await. A short-circuit (`Failure` from `enter`)
 * whose outer `leave`s are all synchronous returns a resolved promise without any async frame.
 * `frames` holds, per entered link, the call it received and its token.
 */
function runFast<T>(links: readonly Chain[], call: Call, fn: UserFn): Promise<Outcome<T>> {
  const n = links.length;
  let frames: unknown[] | undefined;
  let c = call;
  for (let i = 0; i < n; i++) {
    const stage = links[i]!.stage as FastStage;
    const token = stage.enter(c);
    if (typeof token === 'object' && token !== null && (token as { ok?: unknown }).ok === false) {
      return unwindSync(links, i, frames, token as Outcome<T>, fn);
    }
    if (typeof token === 'symbol') return runSlow(links, i, frames, c, fn);
    frames ??= new Array<unknown>(2 * n);
    frames[2 * i] = c;
    frames[2 * i + 1] = token;
    if (stage.inner !== undefined) c = stage.inner(token, c);
  }
  const tail = links[n - 1]!.next!;
  return settleFast(links, n, frames, tail.stage === undefined ? undefined : tail.run<T>(c, fn), c, fn);
}

/** Link `depth` asked for its `invoke` path: run it, then leave the links outside it. */
function runSlow<T>(
  links: readonly Chain[],
  depth: number,
  frames: unknown[] | undefined,
  call: Call,
  fn: UserFn,
): Promise<Outcome<T>> {
  const link = links[depth]!;
  const inner = (link.stage as FastStage).invokeSlow!<T>(call, fn, link.next!);
  return settleFast(links, depth, frames, inner, call, fn);
}

/** No links (for running the user function alone). */
const NO_LINKS: readonly Chain[] = [];

/** Awaits the inner part once (`inner`, or the user function when undefined), then leaves `depth` links. */
async function settleFast<T>(
  links: readonly Chain[],
  depth: number,
  frames: unknown[] | undefined,
  inner: Promise<Outcome<T>> | undefined,
  call: Call,
  fn: UserFn,
): Promise<Outcome<T>> {
  let out: Outcome<T>;
  if (inner !== undefined) {
    out = await inner;
  } else {
    try {
      const value = await fn(call);
      out = call.raw ? (value as Outcome<T>) : success(value as T);
    } catch (error) {
      out = classifySafely(call.classifier, error);
    }
    if (!out.ok && call.scope !== undefined && call.scope.aborted) out = cancelled(out, call.scope);
  }
  for (let i = depth - 1; i >= 0; i--) {
    const link = links[i]!;
    const r = (link.stage as FastStage).leave<T>(
      out,
      frames![2 * i + 1],
      frames![2 * i] as Call,
      fn,
      link.next!,
    );
    out = r instanceof Promise ? await r : (r as Outcome<T>);
  }
  return out;
}

/**
 * A failure of a function whose scope was cancelled: whatever it threw or returned (`fetch` rejects with
 * the signal's reason, which may be anything), it is `aborted`, or `timeout` when a timeout policy
 * cancelled it. An `aborted` failure is neutral for breakers and health and is never retried.
 */
function cancelled(out: Failure, scope: SignalScope): Failure {
  if (out.kind === 'aborted' || out.kind === 'timeout') return out;
  const reason = scope.reason;
  if (reason instanceof TimeoutError) return failure('timeout', reason);
  return failure('aborted', reason instanceof AbortedError ? reason : new AbortedError(reason));
}

/** Leaves `depth` links with a short-circuit outcome, synchronously while every `leave` is. */
function unwindSync<T>(
  links: readonly Chain[],
  depth: number,
  frames: unknown[] | undefined,
  out: Outcome<T>,
  fn: UserFn,
): Promise<Outcome<T>> {
  try {
    for (let i = depth - 1; i >= 0; i--) {
      const link = links[i]!;
      const call = frames![2 * i] as Call;
      const r = (link.stage as FastStage).leave<T>(out, frames![2 * i + 1], call, fn, link.next!);
      if (r instanceof Promise) return settleFast(links, i, frames, r, call, fn);
      out = r;
    }
    return Promise.resolve(out);
  } catch (error) {
    return Promise.reject(error);
  }
}
