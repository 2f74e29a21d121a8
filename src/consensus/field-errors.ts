/**
 * Turns zod issues into one-line messages that name the field at fault, e.g.
 * `weights[2].weight: must be an integer from 1 to 10 (got 11)`.
 * @packageDocumentation
 */
import type { z } from 'zod';
import { formatPath } from '../config/config-error.js';

/** Formats a zod issue path as `a.b[2].c` (the config layer's formatter, re-exported). */
export { formatPath };

/** One message per issue, each naming its field. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}
