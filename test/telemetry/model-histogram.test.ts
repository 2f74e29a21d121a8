import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ModelHistogram } from '../../src/telemetry/model-histogram.js';

const BUCKETS = [0.01, 0.1, 0.25, 1, 5];
const SAMPLES: Array<[string, number]> = [
  ['gpt-4o', 0.005],
  ['gpt-4o', 0.1], // on a bound: counted in that bucket (le is inclusive)
  ['gpt-4o', 0.2],
  ['claude "x"', 0.99], // a label value that needs escaping
  ['gpt-4o', 7], // above every bound: only +Inf
  ['claude "x"', 1],
];

describe('ModelHistogram', () => {
  it('renders exactly what a prom-client Histogram renders for the same observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const fast = new ModelHistogram('t_seconds', 'Help text.', 'model', BUCKETS).register(ours);
    const reference = new Histogram({
      name: 't_seconds',
      help: 'Help text.',
      labelNames: ['model'],
      buckets: BUCKETS,
      registers: [theirs],
    });
    for (const [model, value] of SAMPLES) {
      fast.child(model).observe(value);
      reference.observe({ model }, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // JSON too, apart from prom-client's exemplar slots (always empty here).
    const withoutExemplars = (json: unknown) =>
      JSON.parse(JSON.stringify(json, (key, value) => (key === 'exemplar' ? undefined : value)));
    expect(withoutExemplars(await ours.getMetricsAsJSON())).toEqual(
      withoutExemplars(await theirs.getMetricsAsJSON()),
    );
  });

  it('ignores non-finite values and forgets everything on reset', async () => {
    const registry = new Registry();
    const h = new ModelHistogram('u_seconds', 'Help.', 'model', BUCKETS).register(registry);
    h.child('m').observe(Number.NaN);
    h.child('m').observe(Number.POSITIVE_INFINITY);
    h.child('m').observe(0.5);
    const text = await registry.metrics();
    expect(text).toContain('u_seconds_count{model="m"} 1');
    expect(text).toContain('u_seconds_sum{model="m"} 0.5');
    h.reset();
    expect(await registry.metrics()).not.toContain('model="m"');
  });
});
