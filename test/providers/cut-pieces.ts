/** Test helper: a stream's text or bytes cut into network reads at the given positions. */

/** `whole` cut at each position in `at` (taken modulo its length + 1; duplicates ignored), in order. */
export function cutPieces<T extends string | Uint8Array>(whole: T, at: readonly number[]): T[] {
  const cuts = [...new Set(at.map((n) => n % (whole.length + 1)))].sort((a, b) => a - b);
  const part = (from: number, to?: number): T =>
    (typeof whole === 'string' ? whole.slice(from, to) : whole.subarray(from, to)) as T;
  const pieces: T[] = [];
  let last = 0;
  for (const cut of cuts) {
    pieces.push(part(last, cut));
    last = cut;
  }
  pieces.push(part(last));
  return pieces;
}
