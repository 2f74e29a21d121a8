/**
 * What the non-streaming and streaming runners share while they walk a plan: the attempt trail, the
 * last failure, the context-window floor after a context-length error, and the rules for when to stop.
 * @packageDocumentation
 */
import { BrokenCircuitError } from '../core/errors/policy-errors.js';
import { type Failure, failure, type OutcomeKind } from '../core/outcome.js';
import type { ChatRequest } from '../providers/types.js';
import type { CompiledConfig } from './compiled-config.js';
import type { CompiledModel } from './compiled-model.js';
import type { AttemptRecord } from './events.js';
import type { AttemptDeps, ModelTurn, RequestScope } from './model-turn.js';
import type { Candidate, Plan } from './planner.js';
import { requestNeeds } from './request-shape.js';
import type { EngineFailure, EngineRequest } from './types.js';

/** One walk over a plan's candidates. */
export class PlanWalk {
  readonly trail: AttemptRecord[];
  /** The last failure seen. */
  last: Failure | undefined = undefined;
  private minWindow = -1;

  constructor(
    private readonly deps: AttemptDeps,
    private readonly scope: RequestScope,
    readonly plan: Plan,
    readonly started: number,
  ) {
    this.trail = skippedTrail(plan);
    // The primary was left out at planning (open breaker, restriction, too small a window): serving the
    // request from the next candidate is a fallback decision too, and is reported as one.
    const first = plan.candidates[0];
    const skipped = plan.skipped[0];
    if (first && skipped && first.source !== 'primary')
      emitFallback(deps, scope, skipped.model, first, skipped.note);
  }

  /** True when candidate `i` cannot help (a context-length error asked for a larger window). */
  skips(candidate: Candidate): boolean {
    return this.minWindow >= 0 && !fitsAfterContextError(candidate, this.minWindow);
  }

  /** Records a turn in the trail. */
  record(rt: CompiledModel, turn: ModelTurn<unknown>): void {
    this.trail.push(trailEntry(rt, turn));
  }

  /**
   * After candidate `i` failed with `f`: true to go on to the next candidate (and the fallback event is
   * emitted), false to stop (the caller's mistake, an abort, the deadline, or nothing left).
   */
  moveOn(i: number, rt: CompiledModel, f: Failure, note: string): boolean {
    this.last = f;
    if (f.kind === 'aborted') return false;
    if (f.kind === 'request') {
      if (f.reason !== 'context_length') return false;
      this.minWindow = Math.max(this.minWindow, rt.spec.contextWindow);
    }
    if (this.scope.signal?.aborted || this.deps.clock.now() >= this.scope.deadlineAt) return false;
    let next = this.nextAfter(i);
    if (!next && this.plan.expand) {
      this.plan.expand(); // the substitutes, planned only now that the walk needs them
      next = this.nextAfter(i);
    }
    if (next) emitFallback(this.deps, this.scope, rt.spec.id, next, note);
    return next !== undefined;
  }

  private nextAfter(i: number): Candidate | undefined {
    const candidates = this.plan.candidates;
    for (let j = i + 1; j < candidates.length; j++) if (!this.skips(candidates[j]!)) return candidates[j];
    return undefined;
  }

  /** Ends a walk nothing served: emits `request.completed` and builds the failure result. */
  fail(stream: boolean): EngineFailure {
    const { deps, scope, trail, last } = this;
    emitCompleted(
      deps,
      scope,
      undefined,
      last?.kind ?? 'rejected',
      trail.length,
      false,
      stream,
      this.started,
      undefined,
    );
    if (last && (last.kind === 'request' || last.kind === 'aborted')) {
      return {
        ok: false,
        failure: last,
        requestId: scope.requestId,
        attempts: trail,
        message: messageOf(last),
      };
    }
    return exhausted(deps, scope, trail, last, this.plan);
  }
}

/** Plans a request; undefined when its target names nothing. */
export function planRequest(
  compiled: CompiledConfig,
  request: EngineRequest,
  scope: RequestScope,
): Plan | undefined {
  const target = compiled.resolveTarget(request.target);
  if (!target) return undefined;
  const needs = requestNeeds(request.body, request.capabilities);
  const f = scope.features;
  return compiled.planner.plan(target, {
    capabilities: needs.capabilities,
    estimatedTokens: needs.estimatedTokens,
    restriction: request.restriction,
    fallback: f.fallback,
    consultBreakers: f.breaker,
    useHealth: f.health,
  });
}

/**
 * The body sent to one candidate: the caller's, with the provider's own model name and `stream` set as
 * the call needs (`true`, or absent for a non-streaming call). The caller's object itself when it already
 * says exactly that (no copy); never changed in place. A copy gets a `stream` key only when the call
 * needs one the body lacks.
 *
 * The copy is a spread that only overrides `model` (a key every body has), then a store to `stream` only
 * when it must change: on Node 20's V8 a property a spread's object did not have, added to it
 * (`{ ...body, model, stream }` when `body` has no `stream`), takes a slow path, ~0.65 µs per property,
 * and `JSON.stringify` of the result ~0.25 µs more (docs/benchmarks.md, "eleventh session"); overriding
 * and storing to keys the body has cost ~10–30 ns. Not `Object.assign`: an own `__proto__` key (JSON
 * can carry one) would set the copy's prototype instead of being copied. Most deployments name models by
 * an id other than the provider's, so most requests make this copy.
 */
export function bodyFor(body: ChatRequest, model: string, stream: boolean): ChatRequest {
  const streamField = stream ? true : undefined;
  if (body.model === model && body.stream === streamField) return body;
  const copy: ChatRequest = { ...body, model };
  if (copy.stream !== streamField) copy.stream = streamField;
  return copy;
}

/** True when a candidate may still be tried after an earlier context-length failure. */
export function fitsAfterContextError(candidate: Candidate, minWindow: number): boolean {
  return candidate.model.contextWindow > minWindow;
}

/**
 * A walk's failure: why nothing served the request. When no permitted model could ever serve it (every
 * model was planned out for its context window, its capabilities or the key's restriction, none for an
 * open breaker) it is the caller's error: an `invalid` failure (reason `context_length` or
 * `capabilities`) or `restricted`, never an exhausted chain (no `request.exhausted` event). Messages name
 * no model outside the key's set.
 */
export function exhausted(
  deps: AttemptDeps,
  scope: RequestScope,
  trail: AttemptRecord[],
  last: Failure | undefined,
  plan: Plan,
): EngineFailure {
  const callersError =
    plan.candidates.length === 0 &&
    plan.skipped.length > 0 &&
    plan.skipped.every((s) => s.note !== 'breaker_open');
  const permitted = plan.skipped.filter((s) => s.note !== 'restricted');
  if (callersError && permitted.length > 0) {
    const tooLarge = permitted.some((s) => s.note === 'context_window');
    return {
      ok: false,
      failure: failure(
        'request',
        new Error(tooLarge ? 'context window' : 'capabilities'),
        undefined,
        tooLarge ? 'context_length' : 'capabilities',
      ),
      requestId: scope.requestId,
      attempts: trail,
      message: tooLarge
        ? `The request is larger than the context window of every model that may serve "${scope.target}"`
        : `No model that may serve "${scope.target}" has the capabilities this request needs`,
      code: 'invalid',
    };
  }
  if (deps.events.hasListeners && !callersError) {
    deps.events.emit({
      type: 'request.exhausted',
      requestId: scope.requestId,
      target: scope.target,
      trail,
      at: deps.clock.wallNow(),
    });
  }
  if (callersError) {
    return {
      ok: false,
      failure: failure('request', new Error('restricted')),
      requestId: scope.requestId,
      attempts: trail,
      message: `No model that this key may use can serve "${scope.target}".`,
      code: 'restricted',
    };
  }
  if (plan.candidates.length === 0 && plan.skipped.length === 0) {
    return {
      ok: false,
      failure: failure('request', new Error('no candidate')),
      requestId: scope.requestId,
      attempts: trail,
      message: `No configured model has what this request needs (capabilities or context window) for "${scope.target}".`,
      code: 'invalid',
    };
  }
  const f = last ?? failure('rejected', BrokenCircuitError.fast(undefined, 'every candidate is unavailable'));
  // Models outside the key's set are never named to the caller.
  const summary = trail
    .filter((a) => a.note !== 'restricted')
    .map((a) => `${a.model}: ${a.note}`)
    .join('; ');
  return {
    ok: false,
    failure: f,
    requestId: scope.requestId,
    attempts: trail,
    message: `Every candidate for "${scope.target}" failed (${summary || 'none available'}).`,
    code: 'exhausted',
  };
}

/** Records the skipped models of a plan as zero-latency trail entries. */
export function skippedTrail(plan: Plan): AttemptRecord[] {
  return plan.skipped.map((s) => ({
    model: s.model,
    kind: (s.note === 'breaker_open' ? 'rejected' : 'request') as OutcomeKind,
    latencyMs: 0,
    retries: 0,
    note: s.note,
  }));
}

/** Emits the fallback event when the walk moves from one candidate to the next. */
export function emitFallback(
  deps: AttemptDeps,
  scope: RequestScope,
  from: string,
  to: Candidate,
  reason: string,
): void {
  if (!deps.events.hasListeners) return;
  deps.events.emit({
    type: 'request.fallback',
    requestId: scope.requestId,
    target: scope.target,
    from,
    to: to.model.id,
    reason,
    substitution: to.source === 'substitute',
    at: deps.clock.wallNow(),
  });
}

/** The trail entry for one model turn. */
export function trailEntry(rt: CompiledModel, turn: ModelTurn<unknown>): AttemptRecord {
  const kind = turn.outcome.ok ? 'success' : turn.outcome.kind;
  return { model: rt.spec.id, kind, latencyMs: turn.latencyMs, retries: turn.retries, note: turn.note };
}

/** Emits `request.completed`. */
export function emitCompleted(
  deps: AttemptDeps,
  scope: RequestScope,
  model: string | undefined,
  outcome: OutcomeKind,
  attempts: number,
  fallback: boolean,
  stream: boolean,
  started: number,
  ttftMs: number | undefined,
): void {
  if (!deps.events.hasListeners) return;
  deps.events.emit({
    type: 'request.completed',
    requestId: scope.requestId,
    target: scope.target,
    model,
    outcome,
    attempts,
    fallback,
    stream,
    latencyMs: deps.clock.now() - started,
    ttftMs,
    at: deps.clock.wallNow(),
  });
}

/** The not-found result. */
export function notFoundResult(scope: RequestScope, target: string): EngineFailure {
  return {
    ok: false,
    failure: failure('request', new Error(`unknown model "${target}"`)),
    requestId: scope.requestId,
    attempts: [],
    message: `The model "${target}" does not exist: it is not a configured model id, alias, chain or route.`,
    code: 'not_found',
  };
}

/** A caller-facing message for a failure, without secrets (provider errors are already redacted). */
export function messageOf(f: Failure): string {
  const e = f.error;
  if (e instanceof Error) return e.message;
  return `request failed (${f.kind})`;
}
