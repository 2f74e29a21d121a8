/**
 * Keeps a label's cardinality bounded: the first `limit` distinct values pass through, later ones are
 * folded into `overflow`. Values are model ids or config names, never keys or prompts; the guard is a
 * safety net against a caller that emits something unbounded.
 * @packageDocumentation
 */

/** Bounded label-value mapper (one Map lookup per call once a value has been seen). */
export class LabelGuard {
  private readonly seen = new Map<string, string>();

  /**
   * @param limit - distinct values kept before folding into `overflow`
   * @param overflow - the value used past the limit
   */
  constructor(
    private readonly limit = 500,
    private readonly overflow = 'other',
  ) {}

  /** The label value to use for `value`. */
  map(value: string): string {
    const known = this.seen.get(value);
    if (known !== undefined) return known;
    if (this.seen.size >= this.limit) return this.overflow;
    // Keep label values printable and short; model ids already are.
    const safe = value.length > 128 ? value.slice(0, 128) : value;
    this.seen.set(value, safe);
    return safe;
  }

  /** Number of distinct values admitted. */
  get size(): number {
    return this.seen.size;
  }
}
