/**
 * Per-label-set accumulators for a prom-client counter: `add()` is a nested Map lookup and a number
 * addition (no label hashing); pending amounts are flushed into the counter when it is collected.
 * @packageDocumentation
 */
import type { Counter } from 'prom-client';

/** One series' accumulator: add to `pending`; it moves into the counter at the next scrape. */
export interface CounterCell {
  readonly labels: Record<string, string>;
  pending: number;
}

type Cell = CounterCell;

type Node = Map<string, Node | Cell>;

/** Accumulates increments for one counter, flushed by {@link CounterCells.flush} at scrape time. */
export class CounterCells<L extends string> {
  private readonly root: Node = new Map();
  private readonly cells: Cell[] = [];

  constructor(
    private readonly counter: Counter<L>,
    private readonly labelNames: readonly L[],
  ) {}

  /** Adds `amount` to the series with these label values (in `labelNames` order). */
  add(values: readonly string[], amount = 1): void {
    this.cell(values).pending += amount;
  }

  /**
   * The accumulator of the series with these label values (in `labelNames` order), created on first use:
   * a caller that adds to the same series again and again keeps it and skips the lookups.
   */
  cell(values: readonly string[]): CounterCell {
    let node = this.root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = node.get(values[i]!) as Node | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(values[i]!, next);
      }
      node = next;
    }
    let cell = node.get(values[last]!) as Cell | undefined;
    if (cell === undefined) {
      const labels: Record<string, string> = {};
      for (let i = 0; i < this.labelNames.length; i++) labels[this.labelNames[i]!] = values[i]!;
      cell = { labels, pending: 0 };
      node.set(values[last]!, cell);
      this.cells.push(cell);
    }
    return cell;
  }

  /** Moves pending amounts into the counter (call from the counter's `collect`). */
  flush(): void {
    for (const cell of this.cells) {
      // A zero increment still creates the series, so a seen label set is exported from its first scrape.
      this.counter.inc(cell.labels as Partial<Record<L, string>>, cell.pending);
      cell.pending = 0;
    }
  }
}
