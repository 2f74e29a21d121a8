/**
 * Formats validation issue paths as `messages[0].role`.
 * @packageDocumentation
 */

/** Formats a path as `a.b[2].c` (`(root)` when empty). */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}
