/**
 * `config/grafana-dashboard.json` is promised to work over the gateway's Prometheus metrics: every query
 * must name metrics a real gateway exports. The gateway is started for real and `/metrics` scraped.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGateway, startGateway } from '../../src/gateway/index.js';

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr: string; datasource?: { uid: string } }>;
}
const dashboard = JSON.parse(
  readFileSync(new URL('../../config/grafana-dashboard.json', import.meta.url), 'utf8'),
) as {
  panels: Panel[];
  templating: { list: Array<{ definition: string }> };
  __inputs: Array<{ name: string }>;
};

/** PromQL functions, aggregations and keywords (anything else left in an expression is a metric name). */
const PROMQL_WORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'rate',
  'irate',
  'increase',
  'histogram_quantile',
  'clamp_min',
  'clamp_max',
  'by',
  'without',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'label_values',
]);

/** The metric names a PromQL expression reads. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\w+/g, '')
    .replace(/(?<![\w:])\d+(?:\.\d+)?(?:e[-+]?\d+)?/gi, '0');
  return (stripped.match(/[a-zA-Z_:][a-zA-Z0-9_:]*/g) ?? []).filter((id) => !PROMQL_WORDS.has(id));
}

let gw: RunningGateway;
let exported: Set<string>;

beforeAll(async () => {
  gw = await startGateway({
    port: 0,
    dataDir: ':memory:',
    logger: false,
    probes: false,
    adminKey: 'grafana-test-key-0123',
  });
  const post = (stream: boolean) =>
    fetch(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-steady', stream, messages: [{ role: 'user', content: 'hi' }] }),
    }).then((r) => r.text());
  await post(false);
  await post(true);
  const text = await (await fetch(`${gw.url}/metrics`)).text();
  exported = new Set();
  for (const line of text.split('\n')) {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (!m) continue;
    exported.add(m[1]!);
    if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(m[1]! + s);
  }
});
afterAll(async () => {
  await gw?.close();
});

describe('the Grafana dashboard', () => {
  it('finds metric names in PromQL and not function or label names', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, model) (rate(hive_x_bucket{model=~"$model"}[5m]))) / 1e-9',
      ),
    ).toEqual(['hive_x_bucket']);
    expect(metricNames('label_values(hive_requests_total, model)')).toEqual(['hive_requests_total', 'model']);
  });

  it('queries only metrics the gateway exports', () => {
    expect(exported.has('hive_requests_total')).toBe(true);
    expect(exported.has('hive_not_a_metric')).toBe(false);
    const missing: string[] = [];
    let queries = 0;
    for (const p of dashboard.panels) {
      for (const t of p.targets ?? []) {
        queries++;
        const names = metricNames(t.expr);
        expect(names.length, `${p.title}: ${t.expr}`).toBeGreaterThan(0);
        for (const n of names) if (!exported.has(n)) missing.push(`${p.title}: ${n}`);
      }
    }
    for (const v of dashboard.templating.list) {
      const metric = /label_values\(\s*([a-zA-Z_:][\w:]*)/.exec(v.definition)?.[1];
      if (!metric || !exported.has(metric)) missing.push(`variable: ${v.definition}`);
    }
    expect(missing).toEqual([]);
    expect(queries).toBeGreaterThanOrEqual(15);
  });

  it('is importable: one Prometheus input, unique panel ids, panels inside the 24-column grid', () => {
    expect(dashboard.__inputs.map((i) => i.name)).toEqual(['DS_PROMETHEUS']);
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      if (p.type === 'row') continue;
      expect(p.datasource?.uid, p.title).toBe(`$${'{'}DS_PROMETHEUS}`);
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });
});
