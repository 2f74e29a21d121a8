/**
 * Formats validation issue paths as `messages[0].role`: the config layer's path formatter under the name
 * the server modules use.
 * @packageDocumentation
 */

/** Formats a path as `a.b[2].c` (`(root)` when empty). */
export { formatPath as formatIssuePath } from '../config/config-error.js';
