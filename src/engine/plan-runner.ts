/**
 * Walks a request's plan for a non-streaming completion: each candidate in turn (the first two hedged
 * when hedging is on), until one serves it. A caller's mistake (a plain 400) stops the walk at once; a
 * context-length error moves on only to models with a larger context window.
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';
import { fallbackOver } from '../core/fallback.js';
import type { HedgePolicy } from '../core/hedge.js';
import type { Outcome } from '../core/outcome.js';
import type { AttemptContext } from '../core/policy.js';
import { TimeoutPolicy } from '../core/timeout.js';
import type { ChatCompletion, ChatRequest } from '../providers/types.js';
import type { CompiledConfig } from './compiled-config.js';
import type { CompiledModel } from './compiled-model.js';
import {
  type AttemptDeps,
  type ModelCall,
  type ModelTurn,
  type RequestScope,
  runModelTurn,
} from './model-turn.js';
import { bodyFor, emitCompleted, notFoundResult, PlanWalk, planRequest } from './plan-walk.js';
import { type Candidate, candidateAt, hasCandidateAfter } from './planner.js';
import type { EngineRequest, EngineResult } from './types.js';

/**
 * A non-streaming call bounded by the model's timeout, shortened so as not to cross the request's
 * deadline. A provider that takes lean call options gets the time as a number and the request's
 * signal as it is (one timer, no controller); any other provider runs under the model's timeout
 * policy, or, when the request's deadline ends first, under a core timeout policy of that length (the
 * only case that needs a policy of its own).
 */
const completeCall =
  (body: ChatRequest, clock: Clock): ModelCall<ChatCompletion> =>
  (rt, signal, deadlineAt) => {
    const remaining = deadlineAt - clock.now();
    if (rt.provider.leanCalls) {
      const timeoutMs = Math.max(1, Math.min(rt.spec.timeoutMs, remaining));
      return rt.provider.complete(body, signal ? { cancel: signal, timeoutMs } : { timeoutMs });
    }
    const options = signal ? { signal } : undefined;
    const fn = (ctx: AttemptContext) => rt.provider.complete(body, { signal: ctx.signal });
    if (remaining >= rt.spec.timeoutMs) return rt.timeout.run(fn, options);
    const shorter = new TimeoutPolicy({ timeoutMs: Math.max(1, remaining), clock });
    return shorter.run(fn, options).finally(() => shorter.dispose());
  };

/** Serves a non-streaming request: the core's `fallbackOver` walks the plan's candidates. */
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
  const callFor = (m: CompiledModel) =>
    completeCall(bodyFor(request.body, m.spec.providerModel, false), deps.clock);
  /** Candidates up to this index were already tried (by a hedge). */
  let through = -1;
  let last: { rt: CompiledModel; note: string } | undefined;
  let won: { rt: CompiledModel; fallback: boolean } | undefined;
  const { outcome } = await fallbackOver<Candidate, ChatCompletion>(
    candidates,
    async (candidate, i) => {
      const rt = compiled.models.get(candidate.model.id)!;
      const hedging = i === 0 && rt.hedge !== undefined && scope.features.hedging && !scope.degraded;
      const partner = hedging ? candidateAt(plan, 1) : undefined; // a substitute can be the hedge
      if (rt.hedge && partner) {
        const pair = [rt, compiled.models.get(partner.model.id)!] as const;
        const hedged = await runHedged(deps, scope, rt.hedge, pair, callFor, hasCandidateAfter(plan, 1));
        for (let n = 0; n < hedged.turns.length; n++) walk.record(pair[n]!, hedged.turns[n]!);
        through = hedged.turns.length - 1;
        last = { rt: pair[through]!, note: hedged.turns[through]!.note };
        if (hedged.winner) won = { rt: hedged.winner, fallback: hedged.winner !== rt };
        return hedged.outcome;
      }
      const turn = await runModelTurn(deps, rt, scope, callFor(rt), hasCandidateAfter(plan, i), false);
      walk.record(rt, turn);
      last = { rt, note: turn.note };
      if (turn.outcome.ok) won = { rt, fallback: walk.trail.length > 1 };
      return turn.outcome;
    },
    {
      skip: (candidate, i) => i <= through || walk.skips(candidate),
      shouldHandle: (f, _c, i) => walk.moveOn(Math.max(i, through), last!.rt, f, last!.note),
    },
  );
  if (outcome?.ok && won) return served(deps, scope, walk, won.rt.spec.id, outcome.value, won.fallback);
  return walk.fail(false);
}

/**
 * The first two candidates through the first one's core `HedgePolicy`: attempt n runs candidate n (a
 * whole model turn, retries included); the first success wins and the other is aborted and awaited.
 */
async function runHedged(
  deps: AttemptDeps,
  scope: RequestScope,
  hedge: HedgePolicy,
  pair: readonly [CompiledModel, CompiledModel],
  callFor: (m: CompiledModel) => ModelCall<ChatCompletion>,
  hasMore: boolean,
): Promise<{ outcome: Outcome<ChatCompletion>; turns: ModelTurn<ChatCompletion>[]; winner?: CompiledModel }> {
  const turns: ModelTurn<ChatCompletion>[] = [];
  let winner: CompiledModel | undefined;
  const outcome = await hedge.run<ChatCompletion>(
    async (ctx) => {
      const m = pair[ctx.attempt === 0 ? 0 : 1];
      const s: RequestScope = { ...scope, signal: ctx.signal };
      const turn = await runModelTurn(deps, m, s, callFor(m), ctx.attempt === 0 || hasMore, false);
      turns[ctx.attempt] = turn;
      if (turn.outcome.ok) winner ??= m; // the first success is the one the hedge returns
      return turn.outcome;
    },
    scope.signal ? { signal: scope.signal } : undefined,
  );
  return winner ? { outcome, turns, winner } : { outcome, turns };
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
