/**
 * The {@link VoteBackend} over the resilience engine: each voter is asked through the engine's policies
 * (health, breaker, retries) and never through its fallbacks.
 * @packageDocumentation
 */
import { failure, type Outcome, success } from '../core/outcome.js';
import type { ResilienceEngine } from '../engine/resilience-engine.js';
import type { FeatureSwitches } from '../engine/types.js';
import type { ChatMessage } from '../providers/types.js';
import type { VoteBackend } from './voter-session.js';

/**
 * Features used for every ballot. `fallback` and `hedging` are off: this is the **identity rule** — a
 * vote is attributed to the model that was asked, so the engine must never let another model (a
 * configured fallback, a chain member or a capability substitute) answer in its name. Substitution is the
 * round's decision, made in the open and filed under the substitute's own id.
 */
export const VOTE_FEATURES: FeatureSwitches = Object.freeze({
  health: true,
  breaker: true,
  retries: true,
  fallback: false,
  hedging: false,
});

/** What {@link EngineVoteBackend} needs from the engine (a `ResilienceEngine`). */
export type VoteEngine = Pick<ResilienceEngine, 'complete' | 'health' | 'clock'>;

/**
 * Asks voters through a `ResilienceEngine`.
 *
 * - `ask` sends the ballot to exactly `modelId` with {@link VOTE_FEATURES} (temperature 0). Failure kinds
 *   from the engine are preserved (`timeout` ends the voter `timed_out`, the others `failed`). An answer
 *   from any model other than `modelId` is refused as a `request` failure (defence in depth for the
 *   identity rule; with fallback off the engine does not produce one).
 * - `reportQuality` feeds the content verdict into the health monitor as a canary result
 *   (`recordProbe({ kind: 'success', correct })`): the engine already recorded the call as a transport
 *   success; the verdict adds one accuracy sample, and one health sample that is a failure for a
 *   malformed or off-task vote and a success for a valid one. Good answers are recorded too, so accuracy is
 *   the share of valid votes rather than a count of bad ones. The sample carries the call's real latency
 *   (not 0) so that verdicts do not pull the model's p95 latency down.
 */
export class EngineVoteBackend implements VoteBackend {
  private readonly lastLatency = new Map<string, number>();

  constructor(
    private readonly engine: VoteEngine,
    private readonly options: { readonly temperature?: number } = {},
  ) {}

  async ask(modelId: string, messages: ChatMessage[], signal: AbortSignal): Promise<Outcome<string>> {
    const started = this.engine.clock.now();
    const result = await this.engine.complete({
      target: modelId,
      body: { model: modelId, messages, temperature: this.options.temperature ?? 0 },
      signal,
      features: VOTE_FEATURES,
    });
    this.lastLatency.set(modelId, Math.max(0, this.engine.clock.now() - started));
    if (!result.ok) {
      const f = result.failure;
      return failure(f.kind, new Error(result.message), f.retryAfterMs, f.reason);
    }
    if (result.model !== modelId) {
      return failure(
        'request',
        new Error(`${result.model} answered for ${modelId}; identity rule refuses it`),
      );
    }
    return success(result.value.choices[0]?.message.content ?? '');
  }

  reportQuality(modelId: string, ok: boolean): void {
    this.engine.health.recordProbe(modelId, {
      kind: 'success',
      latencyMs: this.lastLatency.get(modelId) ?? 0,
      correct: ok,
    });
  }
}
