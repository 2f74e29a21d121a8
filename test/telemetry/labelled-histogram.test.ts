import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LabelledHistogram } from '../../src/telemetry/labelled-histogram.js';

describe('LabelledHistogram', () => {
  it('renders exactly what a prom-client histogram renders for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const buckets = [0.01, 0.1, 1];
    const mine = new LabelledHistogram('op_seconds', 'Ops.', ['op', 'model'], buckets).register(ours);
    const ref = new Histogram({
      name: 'op_seconds',
      help: 'Ops.',
      labelNames: ['op', 'model'],
      buckets,
      registers: [theirs],
    });
    const samples: [string, string, number][] = [
      ['chat', 'a', 0.005],
      ['chat', 'a', 0.5],
      ['chat', 'b', 2],
      ['embed', 'a', 0.05],
      ['chat', 'a', Number.NaN],
    ];
    for (const [op, model, v] of samples) {
      mine.observe([op, model], v);
      if (Number.isFinite(v)) ref.observe({ op, model }, v);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    mine.reset();
    expect(await ours.metrics()).not.toContain('op_seconds_count');
  });
});
