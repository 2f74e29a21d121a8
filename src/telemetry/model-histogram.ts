/**
 * A Prometheus histogram with one label (`model`), built for the per-request path: `observe()` is a
 * bucket scan over a few numbers and three additions, with no label hashing or validation (prom-client's
 * `Histogram#observe` does both on every call, even through a bound child). It registers in a prom-client
 * `Registry` like any metric and renders the same exposition lines (`_bucket{le=…}`, `_sum`, `_count`).
 * @packageDocumentation
 */
import type { Metric, Registry } from 'prom-client';

/** One label value's counts. */
export class HistogramSeries {
  /** Per-bucket (not cumulative) counts; the last slot is above every bound. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one value (non-finite values are ignored). */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** One exposition value, as prom-client's registry renders it. */
export interface ExportedValue {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly sharedLabels: Record<string, string>;
  readonly value: number;
}

/** A histogram keyed by one label; register it with {@link ModelHistogram.register}. */
export class ModelHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly series = new Map<string, HistogramSeries>();
  private readonly bounds: readonly number[];

  /**
   * @param name - metric name
   * @param help - help text
   * @param labelName - the one label's name
   * @param buckets - upper bounds (sorted and de-duplicated here)
   */
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    buckets: readonly number[],
  ) {
    this.bounds = [...new Set(buckets)].filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
  }

  /** Adds this histogram to `registry`. */
  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }

  /** The series for a label value (created on first use; keep it to skip the map lookup). */
  child(labelValue: string): HistogramSeries {
    let s = this.series.get(labelValue);
    if (s === undefined) {
      s = new HistogramSeries(this.bounds);
      this.series.set(labelValue, s);
    }
    return s;
  }

  /** Clears every series. */
  reset(): void {
    this.series.clear();
  }

  /** prom-client's rendering hook: values with the label as a shared label (`le` first, as prom-client). */
  async getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: ExportedValue[];
  }> {
    const values: ExportedValue[] = [];
    for (const [labelValue, s] of this.series) {
      pushSeriesValues(values, this.name, this.bounds, { [this.labelName]: labelValue }, s);
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** prom-client's JSON hook: the same values with the label merged into `labels`. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: unknown[] }> {
    return asJsonMetric(await this.getForPromString());
  }
}

/** prom-client's JSON form of exposition data: each value's labels merged into `labels`. */
export function asJsonMetric<T extends { values: ExportedValue[] }>(
  data: T,
): Omit<T, 'values'> & { values: unknown[] } {
  return {
    ...data,
    values: data.values.map((v) => ({
      metricName: v.metricName,
      value: v.value,
      labels: { ...v.sharedLabels, ...v.labels },
    })),
  };
}

/** Appends one series' exposition values (`_bucket` cumulative with `le`, `_sum`, `_count`) to `values`. */
export function pushSeriesValues(
  values: ExportedValue[],
  name: string,
  bounds: readonly number[],
  shared: Record<string, string>,
  s: HistogramSeries,
): void {
  const bucket = `${name}_bucket`;
  let cumulative = 0;
  for (let i = 0; i < bounds.length; i++) {
    cumulative += s.counts[i]!;
    values.push({ metricName: bucket, labels: { le: bounds[i]! }, sharedLabels: shared, value: cumulative });
  }
  values.push({ metricName: bucket, labels: { le: '+Inf' }, sharedLabels: shared, value: s.count });
  values.push({ metricName: `${name}_sum`, labels: {}, sharedLabels: shared, value: s.sum });
  values.push({ metricName: `${name}_count`, labels: {}, sharedLabels: shared, value: s.count });
}
