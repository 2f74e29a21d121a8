/**
 * `POST /v1/embeddings` with the same resilience as chat: the plan's candidates, each model's turn with
 * its breaker, retries and health, fallback on the same rules. One rule more: vectors of different
 * lengths are not interchangeable, so only embeddings models of the primary's `embedding.dimensions`
 * are candidates; when none of them can serve, the request fails (never a vector of another size).
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';
import { fallbackOver } from '../core/fallback.js';
import { failure } from '../core/outcome.js';
import type { EmbeddingRequest, EmbeddingResponse } from '../providers/embeddings.js';
import type { CompiledConfig } from './compiled-config.js';
import type { CompiledModel } from './compiled-model.js';
import { type AttemptDeps, type ModelCall, type RequestScope, runModelTurn } from './model-turn.js';
import { emitCompleted, notFoundResult, PlanWalk } from './plan-walk.js';
import type { Candidate, Plan, ResolvedTarget } from './planner.js';
import type {
  DataRestriction,
  EngineFailure,
  EngineRequest,
  EngineResult,
  FeatureSwitches,
} from './types.js';

/** An embeddings request to the engine. */
export interface EngineEmbeddingRequest {
  /** Model id, alias, chain or route name. */
  readonly target: string;
  readonly body: EmbeddingRequest;
  readonly restriction?: DataRestriction;
  readonly requestId?: string;
  readonly signal?: EngineRequest['signal'];
  readonly deadlineMs?: number;
  readonly features?: FeatureSwitches;
}

function primaryId(target: ResolvedTarget): string | undefined {
  if (target.kind === 'model') return target.id;
  if (target.kind === 'chain') return target.members[0];
  return target.prefer[0];
}

function requestFailure(scope: RequestScope, message: string): EngineFailure {
  return {
    ok: false,
    failure: failure('request', new Error(message)),
    requestId: scope.requestId,
    attempts: [],
    message,
    code: 'invalid',
  };
}

const embedCall =
  (body: EmbeddingRequest, clock: Clock): ModelCall<EmbeddingResponse> =>
  (rt, signal, deadlineAt) => {
    const embed = rt.provider.embed;
    if (!embed) {
      return Promise.resolve(
        failure('request', new Error(`${rt.spec.id}: the provider does not serve embeddings`)),
      );
    }
    const timeoutMs = Math.max(1, Math.min(rt.spec.timeoutMs, deadlineAt - clock.now()));
    const dimensions = rt.spec.embeddingDimensions;
    const call = { ...body, model: rt.spec.providerModel };
    // HTTP providers take the time as a number and the request's signal as it is; others an AbortSignal.
    return rt.provider.leanCalls
      ? embed.call(rt.provider, call, { cancel: signal, timeoutMs, dimensions })
      : embed.call(rt.provider, call, { signal: signal as AbortSignal | undefined, timeoutMs, dimensions });
  };

/** Serves an embeddings request: the core's `fallbackOver` walks the same-dimension candidates. */
export async function runEmbeddingPlan(
  deps: AttemptDeps,
  compiled: CompiledConfig,
  request: EngineEmbeddingRequest,
  scope: RequestScope,
): Promise<EngineResult<EmbeddingResponse>> {
  const target = compiled.resolveTarget(request.target);
  if (!target) return notFoundResult(scope, request.target);
  const first = primaryId(target);
  const dimensions = first === undefined ? undefined : compiled.models.get(first)?.spec.embeddingDimensions;
  if (dimensions === undefined) {
    return requestFailure(
      scope,
      `"${request.target}" is not an embeddings model (give it embedding.dimensions in the config)`,
    );
  }
  const asked = request.body.dimensions;
  if (asked !== undefined && asked !== dimensions) {
    return requestFailure(
      scope,
      `dimensions: "${request.target}" returns vectors of ${dimensions} dimensions, not ${asked}`,
    );
  }
  const f = scope.features;
  const planned = compiled.planner.plan(target, {
    capabilities: [],
    estimatedTokens: 0,
    restriction: request.restriction,
    fallback: f.fallback,
    consultBreakers: f.breaker,
    useHealth: f.health,
  });
  const sameSize = (c: Candidate) => compiled.models.get(c.model.id)?.spec.embeddingDimensions === dimensions;
  planned.expand?.(); // every same-size model is a candidate up front (the list is filtered below)
  const plan: Plan = { candidates: planned.candidates.filter(sameSize), skipped: planned.skipped };
  const walk = new PlanWalk(deps, scope, plan, deps.clock.now());
  const call = embedCall(request.body, deps.clock);
  let last: { rt: CompiledModel; note: string } | undefined;
  let winner: CompiledModel | undefined;
  const { outcome } = await fallbackOver<Candidate, EmbeddingResponse>(
    plan.candidates,
    async (candidate, i) => {
      const rt = compiled.models.get(candidate.model.id)!;
      const turn = await runModelTurn(deps, rt, scope, call, i < plan.candidates.length - 1, false);
      walk.record(rt, turn);
      last = { rt, note: turn.note };
      if (turn.outcome.ok) winner = rt;
      return turn.outcome;
    },
    { shouldHandle: (fail, _c, i) => walk.moveOn(i, last!.rt, fail, last!.note) },
  );
  if (outcome?.ok && winner) {
    const model = winner.spec.id;
    const fallback = model !== first || walk.trail.length > 1;
    emitCompleted(deps, scope, model, 'success', walk.trail.length, fallback, false, walk.started, undefined);
    return {
      ok: true,
      value: outcome.value,
      requestId: scope.requestId,
      model,
      attempts: walk.trail,
      fallback,
    };
  }
  if (plan.candidates.length === 0 && plan.skipped.length === 0) {
    return requestFailure(
      scope,
      `no embeddings model of ${dimensions} dimensions can serve "${request.target}"`,
    );
  }
  return walk.fail(false);
}
