/**
 * A Prometheus histogram with several labels for the per-request path: `observe()` walks a nested map by
 * the label values (no label hashing, no validation, unlike prom-client's `Histogram#observe`) and adds to
 * one {@link HistogramSeries}. Renders the same exposition lines as prom-client's histogram.
 * @packageDocumentation
 */
import type { Metric, Registry } from 'prom-client';
import { asJsonMetric, type ExportedValue, HistogramSeries, pushSeriesValues } from './model-histogram.js';

interface Leaf {
  readonly labels: Record<string, string>;
  readonly series: HistogramSeries;
}

type Node = Map<string, Node | Leaf>;

/** A histogram keyed by a fixed list of labels; register it with {@link LabelledHistogram.register}. */
export class LabelledHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private root: Node = new Map();
  private leaves: Leaf[] = [];
  private readonly bounds: readonly number[];
  private resets = 0;

  /**
   * @param name - metric name
   * @param help - help text
   * @param labelNames - the labels, in the order `observe` takes their values
   * @param buckets - upper bounds (sorted and de-duplicated here)
   */
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    buckets: readonly number[],
  ) {
    if (labelNames.length === 0) throw new RangeError(`histogram ${name} needs at least one label`);
    this.bounds = [...new Set(buckets)].filter((b) => Number.isFinite(b)).sort((a, b) => a - b);
  }

  /** Adds this histogram to `registry`. */
  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }

  /** Moves on at every {@link LabelledHistogram.reset}: series obtained before it are detached. */
  get epoch(): number {
    return this.resets;
  }

  /** Records `value` in the series of these label values (in `labelNames` order). */
  observe(values: readonly string[], value: number): void {
    this.series(values).observe(value);
  }

  /**
   * The series of these label values (in `labelNames` order), created (and exported from then on) on first
   * use. A caller may keep it and observe into it directly while {@link LabelledHistogram.epoch} is unchanged.
   */
  series(values: readonly string[]): HistogramSeries {
    let node = this.root;
    const last = this.labelNames.length - 1;
    for (let i = 0; i < last; i++) {
      const key = values[i] ?? '';
      let next = node.get(key) as Node | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(key, next);
      }
      node = next;
    }
    const key = values[last] ?? '';
    let leaf = node.get(key) as Leaf | undefined;
    if (leaf === undefined) {
      const labels: Record<string, string> = {};
      for (let i = 0; i <= last; i++) labels[this.labelNames[i]!] = values[i] ?? '';
      leaf = { labels, series: new HistogramSeries(this.bounds) };
      node.set(key, leaf);
      this.leaves.push(leaf);
    }
    return leaf.series;
  }

  /** Clears every series; series handed out before no longer count ({@link LabelledHistogram.epoch} moves on). */
  reset(): void {
    this.root = new Map();
    this.leaves = [];
    this.resets++;
  }

  /** prom-client's rendering hook. */
  async getForPromString(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: ExportedValue[];
  }> {
    const values: ExportedValue[] = [];
    for (const leaf of this.leaves)
      pushSeriesValues(values, this.name, this.bounds, leaf.labels, leaf.series);
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  /** prom-client's JSON hook: the same values with the labels merged into `labels`. */
  async get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: unknown[] }> {
    return asJsonMetric(await this.getForPromString());
  }
}
