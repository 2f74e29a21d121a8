/**
 * Turns zod issues into one-line messages that name the field at fault, e.g.
 * `weights[2].weight: must be an integer from 1 to 10 (got 11)`.
 * @packageDocumentation
 */
import type { z } from 'zod';

/** Formats a zod issue path as `a.b[2].c`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(root)' : out;
}

/** One message per issue, each naming its field. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}
