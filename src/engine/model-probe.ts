/**
 * The active health probe for one model: a cheap listing call, or a canary prompt whose answer is
 * checked (giving the accuracy metric). Canary probes leave room for reasoning tokens.
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';
import { canaryCheck } from '../health/canary.js';
import type { ProbeResult } from '../health/types.js';
import type { ModelSpec } from '../models/model-spec.js';
import type { Provider } from '../providers/types.js';

/** Tokens a canary may spend by default: enough for a reasoning model to think and answer. */
export const DEFAULT_CANARY_MAX_TOKENS = 512;

/** Probes `spec` through `provider`; never throws. */
export async function probeModel(
  spec: ModelSpec,
  provider: Provider,
  signal: AbortSignal,
  clock: Clock,
): Promise<ProbeResult> {
  const started = clock.now();
  const probe = spec.probe;
  if (probe?.kind === 'canary' && probe.prompt) {
    const out = await provider.complete(
      {
        model: spec.providerModel,
        messages: [{ role: 'user', content: probe.prompt }],
        max_tokens: probe.maxTokens || DEFAULT_CANARY_MAX_TOKENS,
      },
      { signal },
    );
    const latencyMs = clock.now() - started;
    if (!out.ok) return { kind: out.kind, latencyMs };
    const text = out.value.choices[0]?.message.content ?? '';
    const correct = probe.expect === undefined ? text.trim().length > 0 : canaryCheck(text, probe.expect);
    return { kind: 'success', latencyMs, correct };
  }
  const out = await provider.ping({ signal });
  return { kind: out.ok ? 'success' : out.kind, latencyMs: clock.now() - started };
}
