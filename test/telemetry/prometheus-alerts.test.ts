import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { EngineEvent } from '../../src/engine/events.js';
import { createMetrics } from '../../src/telemetry/metrics.js';

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: { severity: string };
  annotations: { summary: string; description?: string };
}

const file = new URL('../../config/prometheus-alerts.yaml', import.meta.url);
const doc = parse(readFileSync(file, 'utf8')) as { groups: Array<{ name: string; rules: Rule[] }> };
const rules = doc.groups.flatMap((g) => g.rules);

/** Every metric family name our registry exports (after one event of each kind, with a gauge source). */
async function exportedNames(): Promise<Set<string>> {
  const m = createMetrics();
  m.setGaugeSource({
    breakers: () => [{ model: 'a', state: 'open' }],
    health: () => [{ model: 'a', status: 'failed', score: 0 }],
    retryBudget: () => 3,
  });
  const events: EngineEvent[] = [
    {
      type: 'request.completed',
      requestId: 'r',
      target: 'c',
      model: 'a',
      outcome: 'success',
      attempts: 1,
      fallback: false,
      stream: true,
      latencyMs: 5,
      ttftMs: 1,
      at: 0,
    },
    { type: 'request.exhausted', requestId: 'r', target: 'c', trail: [], at: 0 },
    { type: 'breaker.state_changed', model: 'a', from: 'closed', to: 'open', reason: '', at: 0 },
    { type: 'retry.scheduled', requestId: 'r', model: 'a', attempt: 1, delayMs: 1, kind: 'timeout', at: 0 },
    { type: 'retry.gave_up', requestId: 'r', model: 'a', attempts: 2, kind: 'timeout', at: 0 },
  ];
  for (const e of events) m.observe(e);
  const text = await m.render();
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line);
    if (match && !line.startsWith('#')) names.add(match[1]!);
  }
  return names;
}

describe('config/prometheus-alerts.yaml', () => {
  it('is a valid alerting-rules file with severity and annotations on every rule', () => {
    expect(doc.groups.length).toBeGreaterThan(0);
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'HiveModelFailed',
        'HiveBreakerOpen',
        'HiveChainExhausted',
        'HiveHighErrorRate',
        'HiveHighLatencyP95',
        'HiveRetryBudgetLow',
      ]),
    );
    for (const r of rules) {
      expect(typeof r.expr, r.alert).toBe('string');
      expect(['info', 'warning', 'critical'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
      if (r.for !== undefined) expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
    }
    expect(rules.find((r) => r.alert === 'HiveBreakerOpen')!.for).toBe('1m');
    expect(rules.find((r) => r.alert === 'HiveHighErrorRate')!.expr).toContain('0.05');
    expect(rules.find((r) => r.alert === 'HiveHighErrorRate')!.for).toBe('5m');
  });

  it('matches state gauges by label, with label values our registry exports', async () => {
    const m = createMetrics();
    m.setGaugeSource({
      breakers: () => [{ model: 'a', state: 'open' }],
      health: () => [{ model: 'a', status: 'failed', score: 0 }],
    });
    const text = await m.render();
    for (const r of rules) {
      for (const [, name, labels] of r.expr.matchAll(
        /\b(hive_(?:breaker_state|health_status))\{([^}]*)\}/g,
      )) {
        // The selector picks exactly the series that is 1 in this state.
        expect(text, r.alert).toContain(`${name}{model="a",${labels}} 1`);
      }
    }
    expect(rules.find((r) => r.alert === 'HiveBreakerOpen')!.expr).toBe(
      'hive_breaker_state{state="open"} == 1',
    );
    expect(rules.find((r) => r.alert === 'HiveModelFailed')!.expr).toBe(
      'hive_health_status{status="failed"} == 1',
    );
  });

  it('references only metrics our registry exports', async () => {
    const names = await exportedNames();
    const referenced = new Set(rules.flatMap((r) => r.expr.match(/\bhive_[a-z_]+/g) ?? []));
    expect(referenced.size).toBeGreaterThanOrEqual(6);
    for (const name of referenced) expect(names, name).toContain(name);
  });
});
