/**
 * Walks a request's plan for a non-streaming completion: each candidate in turn (the first two hedged
 * when hedging is on), until one serves it. A caller's mistake (a plain 400) stops the walk at once; a
 * context-length error moves on only to models with a larger context window.
 * @packageDocumentation
 */
import type { CancelSignal } from '../core/cancel-signal.js';
import type { Clock } from '../core/clock.js';
import type { ChatCompletion, ChatRequest } from '../providers/types.js';
import type { CompiledConfig } from './compiled-config.js';
import type { CompiledModel } from './compiled-model.js';
import { runHedgedPair } from './hedged-pair.js';
import { type AttemptDeps, type ModelCall, type RequestScope, runModelTurn } from './model-turn.js';
import { bodyFor, emitCompleted, notFoundResult, PlanWalk, planRequest } from './plan-walk.js';
import { withDeadline } from './request-deadline.js';
import type { EngineRequest, EngineResult } from './types.js';

/**
 * A non-streaming call bounded by the model's timeout, shortened so as not to cross the request's
 * deadline. A provider that takes lean call options gets the time as a number and the request's
 * signal as it is (one timer, no controller); any other provider runs under the model's timeout
 * policy, and under a deadline of its own when the request's deadline ends first (the only case that
 * needs a controller of its own).
 */
const completeCall =
  (body: ChatRequest, clock: Clock): ModelCall<ChatCompletion> =>
  (rt, signal, deadlineAt) => {
    const remaining = deadlineAt - clock.now();
    if (rt.provider.leanCalls) {
      const timeoutMs = Math.max(1, Math.min(rt.spec.timeoutMs, remaining));
      return rt.provider.complete(body, signal ? { cancel: signal, timeoutMs } : { timeoutMs });
    }
    const run = (s: CancelSignal | undefined) =>
      rt.timeout.run(
        (ctx) => rt.provider.complete(body, { signal: ctx.signal }),
        s ? { signal: s } : undefined,
      );
    if (remaining >= rt.spec.timeoutMs) return run(signal);
    return withDeadline(clock, signal, remaining, run);
  };

/** Serves a non-streaming request. */
export async function runPlan(
  deps: AttemptDeps,
  compiled: CompiledConfig,
  request: EngineRequest,
  scope: RequestScope,
): Promise<EngineResult<ChatCompletion>> {
  const plan = planRequest(compiled, request, scope);
  if (!plan) return notFoundResult(scope, request.target);
  const walk = new PlanWalk(deps, scope, plan, deps.clock.now());
  const candidates = plan.candidates;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    if (walk.skips(candidate)) continue;
    const rt = compiled.models.get(candidate.model.id)!;
    const hasNext = i < candidates.length - 1;
    if (i === 0 && hasNext && deps.hedge.enabled && scope.features.hedging) {
      const second = compiled.models.get(candidates[1]!.model.id)!;
      const callFor = (m: CompiledModel) =>
        completeCall(bodyFor(request.body, m.spec.providerModel, false), deps.clock);
      const hedged = await runHedgedPair(deps, deps.hedge, scope, rt, second, callFor, candidates.length > 2);
      for (const { rt: m, turn } of hedged.turns) walk.record(m, turn);
      const won = hedged.turns[hedged.winner];
      if (won?.turn.outcome.ok)
        return served(deps, scope, walk, won.rt.spec.id, won.turn.outcome.value, won.rt !== rt);
      const lastTurn = hedged.turns.at(-1)!;
      if (hedged.turns.length === 2) i = 1;
      if (lastTurn.turn.outcome.ok || !walk.moveOn(i, lastTurn.rt, lastTurn.turn.outcome, lastTurn.turn.note))
        break;
      continue;
    }
    const call = completeCall(bodyFor(request.body, rt.spec.providerModel, false), deps.clock);
    const turn = await runModelTurn(deps, rt, scope, call, hasNext, false);
    walk.record(rt, turn);
    if (turn.outcome.ok)
      return served(deps, scope, walk, rt.spec.id, turn.outcome.value, walk.trail.length > 1);
    if (!walk.moveOn(i, rt, turn.outcome, turn.note)) break;
  }
  return walk.fail(false);
}

function served(
  deps: AttemptDeps,
  scope: RequestScope,
  walk: PlanWalk,
  model: string,
  value: ChatCompletion,
  fallback: boolean,
): EngineResult<ChatCompletion> {
  emitCompleted(deps, scope, model, 'success', walk.trail.length, fallback, false, walk.started, undefined);
  return { ok: true, value, requestId: scope.requestId, model, attempts: walk.trail, fallback };
}
