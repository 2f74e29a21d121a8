import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { EngineEvent, RequestCompletedEvent } from '../../src/engine/events.js';
import { createMetrics } from '../../src/telemetry/metrics.js';

function completed(over: Partial<RequestCompletedEvent> = {}): RequestCompletedEvent {
  return {
    type: 'request.completed',
    requestId: 'r1',
    target: 'chat',
    model: 'gpt-4o',
    outcome: 'success',
    attempts: 1,
    fallback: false,
    stream: false,
    latencyMs: 120,
    ttftMs: undefined,
    at: 0,
    ...over,
  };
}

const sequence: EngineEvent[] = [
  completed(),
  completed({ stream: true, ttftMs: 40, latencyMs: 900 }),
  completed({ model: undefined, outcome: 'transient' }),
  {
    type: 'retry.scheduled',
    requestId: 'r2',
    model: 'gpt-4o',
    attempt: 1,
    delayMs: 100,
    kind: 'transient',
    at: 0,
  },
  { type: 'retry.gave_up', requestId: 'r2', model: 'gpt-4o', attempts: 3, kind: 'transient', at: 0 },
  {
    type: 'request.fallback',
    requestId: 'r2',
    target: 'chat',
    from: 'gpt-4o',
    to: 'claude-3',
    reason: 'transient',
    substitution: false,
    at: 0,
  },
  { type: 'request.exhausted', requestId: 'r3', target: 'chat', trail: [], at: 0 },
  { type: 'breaker.state_changed', model: 'gpt-4o', from: 'closed', to: 'open', reason: 'failures', at: 0 },
  { type: 'health.status_changed', model: 'gpt-4o', from: 'healthy', to: 'failed', reason: 'errors', at: 0 },
  { type: 'probe.completed', model: 'gpt-4o', kind: 'timeout', latencyMs: 5000, correct: undefined, at: 0 },
];

describe('createMetrics', () => {
  it('renders the expected series after a sequence of events', async () => {
    const m = createMetrics();
    for (const e of sequence) m.observe(e);
    const text = await m.render();
    expect(m.contentType).toContain('text/plain');
    expect(text).toContain('hive_requests_total{model="gpt-4o",outcome="success",stream="false"} 1');
    expect(text).toContain('hive_requests_total{model="gpt-4o",outcome="success",stream="true"} 1');
    expect(text).toContain('hive_requests_total{model="none",outcome="transient",stream="false"} 1');
    expect(text).toContain('hive_request_duration_seconds_count{model="gpt-4o"} 2');
    expect(text).toContain('hive_request_duration_seconds_bucket{le="1",model="gpt-4o"} 2');
    expect(text).toContain('hive_request_duration_seconds_bucket{le="0.25",model="gpt-4o"} 1');
    expect(text).toContain('hive_ttft_seconds_count{model="gpt-4o"} 1');
    expect(text).toContain('hive_retries_total{model="gpt-4o",kind="transient"} 1');
    expect(text).toContain('hive_retry_giveups_total{model="gpt-4o"} 1');
    expect(text).toContain('hive_fallbacks_total{from="gpt-4o",to="claude-3",substitution="false"} 1');
    expect(text).toContain('hive_chain_exhausted_total{target="chat"} 1');
    expect(text).toContain('hive_breaker_transitions_total{model="gpt-4o",to="open"} 1');
    expect(text).toContain('hive_breaker_state{model="gpt-4o",state="open"} 1');
    expect(text).toContain('hive_breaker_state{model="gpt-4o",state="closed"} 0');
    expect(text).toContain('hive_health_status{model="gpt-4o",status="failed"} 1');
    expect(text).toContain('hive_health_status{model="gpt-4o",status="healthy"} 0');
    expect(text).toContain('hive_probes_total{model="gpt-4o",outcome="timeout"} 1');
    // Counters accumulate between scrapes rather than restarting.
    m.observe(completed());
    expect(await m.render()).toContain(
      'hive_requests_total{model="gpt-4o",outcome="success",stream="false"} 2',
    );
  });

  it('reads breaker, health and budget gauges from the source at scrape time', async () => {
    const m = createMetrics({ prefix: 'x_', registry: new Registry() });
    let state = 'half-open';
    m.setGaugeSource({
      breakers: () => [
        { model: 'a', state },
        { model: 'b', state: 'isolated' },
      ],
      health: () => [{ model: 'a', status: 'degraded', score: 0.5 }],
      retryBudget: () => 7,
    });
    let text = await m.render();
    expect(text).toContain('x_breaker_state{model="a",state="half_open"} 1');
    expect(text).toContain('x_breaker_state{model="a",state="closed"} 0');
    expect(text).toContain('x_breaker_state{model="b",state="isolated"} 1');
    expect(text).toContain('x_health_status{model="a",status="degraded"} 1');
    expect(text).toContain('x_health_score{model="a"} 0.5');
    expect(text).toContain('x_retry_budget_tokens 7');
    state = 'closed';
    text = await m.render();
    expect(text).toContain('x_breaker_state{model="a",state="closed"} 1');
    expect(text).toContain('x_breaker_state{model="a",state="half_open"} 0');
    expect(text).not.toContain('hive_');
  });

  it('bounds label cardinality to the configured number of model ids', async () => {
    const m = createMetrics({ maxLabelValues: 3 });
    for (let i = 0; i < 50; i++) m.observe(completed({ model: `m${i}` }));
    const text = await m.render();
    const series = text.split('\n').filter((l) => l.startsWith('hive_requests_total{'));
    expect(series).toHaveLength(4);
    expect(text).toContain('hive_requests_total{model="other",outcome="success",stream="false"} 47');
  });

  it('never puts anything but model ids and kinds in labels', async () => {
    const m = createMetrics();
    m.observe(completed({ requestId: 'secret-request-id', target: 'sk-should-not-appear' }));
    const text = await m.render();
    expect(text).not.toContain('secret-request-id');
    expect(text).not.toContain('sk-should-not-appear');
  });

  it('counts repeated and alternating fallbacks each in its own series, across scrapes', async () => {
    const m = createMetrics();
    const fallback = (to: string, substitution = false): EngineEvent => ({
      type: 'request.fallback',
      requestId: 'r',
      target: 'chat',
      from: 'gpt-4o',
      to,
      reason: 'breaker_open',
      substitution,
      at: 0,
    });
    for (const [to, substitution] of [
      ['claude-3', false],
      ['claude-3', false],
      ['mistral', false],
      ['claude-3', false],
      ['claude-3', true],
    ] as const)
      m.observe(fallback(to, substitution));
    const first = await m.render();
    expect(first).toContain('hive_fallbacks_total{from="gpt-4o",to="claude-3",substitution="false"} 3');
    expect(first).toContain('hive_fallbacks_total{from="gpt-4o",to="mistral",substitution="false"} 1');
    expect(first).toContain('hive_fallbacks_total{from="gpt-4o",to="claude-3",substitution="true"} 1');
    m.observe(fallback('claude-3', true)); // the series kept from before the scrape still counts
    m.observe(fallback('claude-3'));
    const second = await m.render();
    expect(second).toContain('hive_fallbacks_total{from="gpt-4o",to="claude-3",substitution="true"} 2');
    expect(second).toContain('hive_fallbacks_total{from="gpt-4o",to="claude-3",substitution="false"} 4');
  });

  it('exports Node process metrics only when asked', async () => {
    expect(await createMetrics().render()).not.toContain('process_cpu');
    expect(await createMetrics({ defaultMetrics: true }).render()).toContain('hive_process_cpu');
  });
});
