/**
 * Walks a request's plan for a streaming completion. Candidates are tried until one yields its first
 * content chunk (the core's `readUntilCommit`); that stream is then committed and handed to the caller.
 * @packageDocumentation
 */
import type { CancelSignal } from '../core/cancel-signal.js';
import { fallbackOver } from '../core/fallback.js';
import type { Outcome } from '../core/outcome.js';
import type { ChatRequest, StreamEvent } from '../providers/types.js';
import type { CompiledConfig } from './compiled-config.js';
import type { CompiledModel } from './compiled-model.js';
import { type AttemptDeps, type ModelTurn, type RequestScope, runModelTurn } from './model-turn.js';
import { bodyFor, emitCompleted, notFoundResult, PlanWalk, planRequest } from './plan-walk.js';
import { type Candidate, hasCandidateAfter } from './planner.js';
import { committedEvents, type OpenedStream } from './stream-session.js';
import type { EngineRequest, EngineResult, EngineStream } from './types.js';

/** Opens a model's stream and reads it to its first content chunk. */
export type StreamOpener = (
  rt: CompiledModel,
  body: ChatRequest,
  signal: CancelSignal | undefined,
  remainingMs: number,
) => Promise<Outcome<OpenedStream>>;

/** Serves a streaming request: the core's `fallbackOver` walks the candidates until one commits. */
export async function streamPlan(
  deps: AttemptDeps,
  compiled: CompiledConfig,
  request: EngineRequest,
  scope: RequestScope,
  open: StreamOpener,
): Promise<EngineResult<EngineStream>> {
  const started = deps.clock.now();
  const plan = planRequest(compiled, request, scope);
  if (!plan) return notFoundResult(scope, request.target);
  const walk = new PlanWalk(deps, scope, plan, started);
  const candidates = plan.candidates;
  let last: { rt: CompiledModel; turn: ModelTurn<OpenedStream> } | undefined;
  const { outcome } = await fallbackOver<Candidate, OpenedStream>(
    candidates,
    async (candidate, i) => {
      const rt = compiled.models.get(candidate.model.id)!;
      const body = bodyFor(request.body, rt.spec.providerModel, true);
      const turn = await runModelTurn(
        deps,
        rt,
        scope,
        (model, signal, deadlineAt) => open(model, body, signal, deadlineAt - deps.clock.now()),
        hasCandidateAfter(plan, i),
        true,
      );
      walk.record(rt, turn);
      last = { rt, turn };
      return turn.outcome;
    },
    {
      skip: (candidate) => walk.skips(candidate),
      shouldHandle: (f, _c, i) => walk.moveOn(i, last!.rt, f, last!.turn.note),
    },
  );
  if (!outcome?.ok || !last) return walk.fail(true);
  return committed(deps, scope, walk, last.rt, last.turn, outcome.value, started);
}

/** Hands a committed stream to the caller; its end settles the permit, frees the slot and reports. */
function committed(
  deps: AttemptDeps,
  scope: RequestScope,
  walk: PlanWalk,
  rt: CompiledModel,
  turn: ModelTurn<OpenedStream>,
  opened: OpenedStream,
  started: number,
): EngineResult<EngineStream> {
  const trail = walk.trail;
  const now = deps.clock.now();
  const ttftMs = now - started;
  const fallback = trail.length > 1;
  const attemptStarted = now - turn.latencyMs;
  const id = rt.spec.id;
  const events = committedEvents(
    opened,
    turn.permit,
    attemptStarted,
    () => deps.clock.now(),
    ttftMs,
    (end) => {
      rt.bulkhead.release();
      if (scope.features.health && end !== 'aborted') {
        deps.health.record(id, end, deps.clock.now() - attemptStarted, ttftMs);
      }
      emitCompleted(deps, scope, id, end, trail.length, fallback, true, started, ttftMs);
    },
  );
  const stream = new CommittedEngineStream(id, trail, fallback, scope.requestId, events);
  return { ok: true, value: stream, requestId: scope.requestId, model: id, attempts: trail, fallback };
}

/** The caller's view of a committed stream (a class: one shape for every stream, no closures). */
class CommittedEngineStream implements EngineStream {
  constructor(
    readonly model: string,
    readonly attempts: EngineStream['attempts'],
    readonly fallback: boolean,
    readonly requestId: string,
    private readonly events: AsyncIterator<StreamEvent> & { close(): void },
  ) {}

  close(): void {
    this.events.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    return this.events;
  }
}
