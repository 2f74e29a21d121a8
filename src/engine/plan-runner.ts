/**
 * Walks a request's plan for a non-streaming completion: each candidate in turn, until one serves it.
 * A caller's mistake (a plain 400) stops the walk at once; a context-length error moves on only to
 * models with a larger context window.
 * @packageDocumentation
 */
import { BrokenCircuitError } from '../core/errors/policy-errors.js';
import { type Failure, failure, type OutcomeKind } from '../core/outcome.js';
import type { ChatCompletion, ChatRequest } from '../providers/types.js';
import type { CompiledRuntime } from './compiled-runtime.js';
import type { AttemptRecord } from './events.js';
import { runHedgedPair } from './hedged-pair.js';
import {
  type AttemptDeps,
  type ModelCall,
  type ModelTurn,
  type RequestScope,
  runModelTurn,
} from './model-attempt.js';
import type { ModelRuntime } from './model-runtime.js';
import type { Candidate, Plan } from './planner.js';
import { requestNeeds } from './request-shape.js';
import type { EngineFailure, EngineRequest, EngineResult } from './types.js';

/** Plans a request; undefined when its target names nothing. */
export function planRequest(
  runtime: CompiledRuntime,
  request: EngineRequest,
  scope: RequestScope,
): Plan | undefined {
  const target = runtime.resolveTarget(request.target);
  if (!target) return undefined;
  const needs = requestNeeds(request.body, request.capabilities);
  const f = scope.features;
  return runtime.planner.plan(target, {
    capabilities: needs.capabilities,
    estimatedTokens: needs.estimatedTokens,
    restriction: request.restriction,
    fallback: f.fallback,
    consultBreakers: f.breaker,
    useHealth: f.health,
  });
}

/** The body sent to one candidate: the caller's, with the provider's own model name. */
export function bodyFor(request: EngineRequest, candidate: Candidate, runtime: CompiledRuntime): ChatRequest {
  const spec = runtime.models.get(candidate.model.id)!.spec;
  return { ...request.body, model: spec.providerModel, stream: undefined };
}

/** True when a candidate may still be tried after an earlier context-length failure. */
export function fitsAfterContextError(candidate: Candidate, minWindow: number): boolean {
  return candidate.model.contextWindow > minWindow;
}

/** A walk's failure: why nothing served the request. */
export function exhausted(
  deps: AttemptDeps,
  scope: RequestScope,
  trail: AttemptRecord[],
  last: Failure | undefined,
  plan: Plan,
): EngineFailure {
  if (deps.events.hasListeners) {
    deps.events.emit({
      type: 'request.exhausted',
      requestId: scope.requestId,
      target: scope.target,
      trail,
      at: deps.clock.wallNow(),
    });
  }
  if (
    plan.candidates.length === 0 &&
    plan.skipped.length > 0 &&
    plan.skipped.every((s) => s.note === 'restricted')
  ) {
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
  const summary = trail.map((a) => `${a.model}: ${a.note}`).join('; ');
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

const completeCall =
  (body: ChatRequest): ModelCall<ChatCompletion> =>
  (rt, signal) =>
    signal === undefined
      ? rt.timeout.run((ctx) => rt.provider.complete(body, { signal: ctx.signal }))
      : rt.timeout.run((ctx) => rt.provider.complete(body, { signal: ctx.signal }), { signal });

/** Serves a non-streaming request. */
export async function runPlan(
  deps: AttemptDeps,
  runtime: CompiledRuntime,
  request: EngineRequest,
  scope: RequestScope,
): Promise<EngineResult<ChatCompletion>> {
  const started = deps.clock.now();
  const plan = planRequest(runtime, request, scope);
  if (!plan) return notFoundResult(scope, request.target);
  const trail = skippedTrail(plan);
  const candidates = plan.candidates;
  let last: Failure | undefined;
  let minWindow = -1;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    if (minWindow >= 0 && !fitsAfterContextError(candidate, minWindow)) continue;
    const rt = runtime.models.get(candidate.model.id)!;
    const hasNext = i < candidates.length - 1;
    if (i === 0 && hasNext && deps.hedge.enabled && scope.features.hedging) {
      const second = runtime.models.get(candidates[1]!.model.id)!;
      const callFor = (m: ModelRuntime) =>
        completeCall({ ...request.body, model: m.spec.providerModel, stream: undefined });
      const hedged = await runHedgedPair(deps, deps.hedge, scope, rt, second, callFor, candidates.length > 2);
      for (const { rt: m, turn } of hedged.turns) trail.push(trailEntry(m, turn));
      const won = hedged.turns[hedged.winner];
      if (won?.turn.outcome.ok) {
        return served(deps, scope, trail, won.rt.spec.id, won.turn.outcome.value, won.rt !== rt, started);
      }
      const lastTurn = hedged.turns.at(-1)!.turn.outcome;
      if (!lastTurn.ok) last = lastTurn;
      if (hedged.turns.length === 2) i = 1;
      if (scope.signal?.aborted || deps.clock.now() >= scope.deadlineAt) break;
      continue;
    }
    const turn = await runModelTurn(
      deps,
      rt,
      scope,
      completeCall(bodyFor(request, candidate, runtime)),
      hasNext,
      false,
    );
    const kind = turn.outcome.ok ? 'success' : turn.outcome.kind;
    trail.push(trailEntry(rt, turn));
    if (turn.outcome.ok)
      return served(deps, scope, trail, rt.spec.id, turn.outcome.value, trail.length > 1, started);
    last = turn.outcome;
    if (kind === 'aborted') break;
    if (kind === 'request') {
      if (turn.outcome.reason !== 'context_length') break;
      minWindow = Math.max(minWindow, candidate.model.contextWindow);
    }
    if (scope.signal?.aborted || deps.clock.now() >= scope.deadlineAt) break;
    const next = candidates.slice(i + 1).find((c) => minWindow < 0 || fitsAfterContextError(c, minWindow));
    if (next) emitFallback(deps, scope, rt.spec.id, next, turn.note);
  }
  emitCompleted(
    deps,
    scope,
    undefined,
    last?.kind ?? 'rejected',
    trail.length,
    false,
    false,
    started,
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
  return exhausted(deps, scope, trail, last, plan);
}

/** The trail entry for one model turn. */
export function trailEntry(rt: ModelRuntime, turn: ModelTurn<unknown>): AttemptRecord {
  const kind = turn.outcome.ok ? 'success' : turn.outcome.kind;
  return { model: rt.spec.id, kind, latencyMs: turn.latencyMs, retries: turn.retries, note: turn.note };
}

function served(
  deps: AttemptDeps,
  scope: RequestScope,
  trail: AttemptRecord[],
  model: string,
  value: ChatCompletion,
  fallback: boolean,
  started: number,
): EngineResult<ChatCompletion> {
  emitCompleted(deps, scope, model, 'success', trail.length, fallback, false, started, undefined);
  return { ok: true, value, requestId: scope.requestId, model, attempts: trail, fallback };
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
