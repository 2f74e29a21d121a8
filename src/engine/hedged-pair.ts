/**
 * Hedging: when the first candidate has not answered after a delay taken from its latency percentile,
 * the second candidate starts too; the first success wins and the loser is aborted and awaited. The
 * hedge spends the shared retry budget, so hedges stop when retries would.
 * @packageDocumentation
 */
import type { ChatCompletion } from '../providers/types.js';
import type { CompiledModel } from './compiled-model.js';
import type { AttemptDeps, ModelCall, ModelTurn, RequestScope } from './model-turn.js';
import { runModelTurn } from './model-turn.js';
import { linkedController } from './request-deadline.js';

/** Hedging settings. */
export interface HedgeSettings {
  /** Hedging is configured on (the per-request `hedging` feature must be on too). */
  readonly enabled: boolean;
  /** Latency percentile of the first candidate after which the hedge starts (50, 95 or 99). */
  readonly percentile: number;
  /** Never hedge sooner than this (ms). */
  readonly minDelayMs: number;
}

/** Result of a hedged pair: the winning turn and which model served it, plus both trails. */
export interface HedgedResult {
  readonly turns: ReadonlyArray<{ readonly rt: CompiledModel; readonly turn: ModelTurn<ChatCompletion> }>;
  /** Index into `turns` of the success, or -1 when neither succeeded. */
  readonly winner: number;
}

/** The hedge delay for a model: its latency percentile, at least the configured minimum. */
export function hedgeDelay(deps: AttemptDeps, settings: HedgeSettings, model: string): number {
  const h = deps.health.health(model);
  const p =
    settings.percentile >= 99 ? h?.latencyP99 : settings.percentile >= 95 ? h?.latencyP95 : h?.latencyP50;
  return Math.max(settings.minDelayMs, p ?? 0);
}

/**
 * Runs `first`, and `second` after the hedge delay unless `first` has finished by then.
 * Returns when one succeeds (the other aborted and awaited) or both failed.
 */
export async function runHedgedPair(
  deps: AttemptDeps,
  settings: HedgeSettings,
  scope: RequestScope,
  first: CompiledModel,
  second: CompiledModel,
  callFor: (rt: CompiledModel) => ModelCall<ChatCompletion>,
  hasMore: boolean,
): Promise<HedgedResult> {
  const links = [linkedController(scope.signal), linkedController(scope.signal)];
  const models = [first, second];
  const turns: Array<Promise<ModelTurn<ChatCompletion>> | undefined> = [undefined, undefined];
  const start = (i: number): Promise<ModelTurn<ChatCompletion>> => {
    const s: RequestScope = { ...scope, signal: links[i]!.controller.signal };
    const p = runModelTurn(deps, models[i]!, s, callFor(models[i]!), i === 0 || hasMore, false);
    turns[i] = p;
    return p;
  };
  let hedgeStarted: (() => void) | undefined;
  const hedgeGate = new Promise<'hedge'>((resolve) => {
    hedgeStarted = () => resolve('hedge');
  });
  const firstTurn = start(0);
  const timer = deps.clock.setTimer(
    () => {
      if (deps.budget.trySpend()) {
        start(1);
        hedgeStarted?.();
      }
    },
    hedgeDelay(deps, settings, first.spec.id),
  );
  try {
    const early = await Promise.race([firstTurn.then(() => 'first' as const), hedgeGate]);
    deps.clock.clearTimer(timer);
    if (early === 'first' && turns[1] === undefined) {
      const turn = await firstTurn;
      return { turns: [{ rt: first, turn }], winner: turn.outcome.ok ? 0 : -1 };
    }
    const pending = turns.map((p, i) => p!.then((turn) => ({ i, turn })));
    let settled = await Promise.race(pending);
    if (!settled.turn.outcome.ok) settled = await pending[1 - settled.i]!;
    const winner = settled.turn.outcome.ok ? settled.i : -1;
    if (winner >= 0) links[1 - winner]!.controller.abort(new Error('lost the hedge'));
    const done = await Promise.all(pending);
    return { turns: done.map(({ i, turn }) => ({ rt: models[i]!, turn })), winner };
  } finally {
    deps.clock.clearTimer(timer);
    for (const l of links) l.unlink();
  }
}
