/**
 * Hedging over real HTTP: a slow primary is hedged to the next candidate after the hedge delay; the
 * first success wins and the loser is aborted and awaited. Without the feature, no hedge starts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ResilienceEngine } from '../../src/engine/index.js';
import { ALL_FEATURES_ON } from '../../src/engine/index.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import { ask, chaosModel, configOf, engineWithEvents, FAST_RESILIENCE } from './engine-fixtures.js';

const chaos = useChaosUpstream();
let engine: ResilienceEngine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

function build() {
  const made = engineWithEvents(
    configOf({
      models: {
        primary: chaosModel(chaos.openaiBaseURL, { fallbacks: ['backup'] }),
        backup: chaosModel(chaos.openaiBaseURL),
      },
      resilience: { ...FAST_RESILIENCE, hedging: { enabled: true, percentile: 95, minDelay: '50ms' } },
    }),
  );
  engine = made.engine;
  return made;
}

describe('hedging', () => {
  it('serves from the hedge when the primary is slow, aborting and awaiting the primary', async () => {
    chaos.upstream.setFaults({ primary: { latencyMs: 3000 } });
    const { engine } = build();
    const result = await engine.complete({
      target: 'primary',
      body: ask(),
      features: { ...ALL_FEATURES_ON, hedging: true },
    });
    expect(result.ok && result.model).toBe('backup');
    if (!result.ok) return;
    expect(result.attempts.map((a) => [a.model, a.kind])).toEqual([
      ['primary', 'aborted'],
      ['backup', 'success'],
    ]);
    expect(engine.current.models.get('primary')?.breaker.state).toBe('closed');
  });

  it('starts no hedge when the primary answers before the delay', async () => {
    const { engine } = build();
    chaos.upstream.setFaults({ backup: '500' });
    const result = await engine.complete({
      target: 'primary',
      body: ask(),
      features: { ...ALL_FEATURES_ON, hedging: true },
    });
    // The primary answers in well under the hedge delay on loopback, or the hedge (a 500) loses anyway.
    expect(result.ok && result.model).toBe('primary');
  });

  it('does not hedge when the request has the feature off', async () => {
    chaos.upstream.setFaults({ primary: { latencyMs: 300 } });
    const { engine } = build();
    const result = await engine.complete({ target: 'primary', body: ask() });
    expect(result.ok && result.model).toBe('primary');
    expect(chaos.upstream.stats().models.backup?.requests ?? 0).toBe(0);
  });
});
