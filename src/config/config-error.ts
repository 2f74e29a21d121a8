/**
 * Configuration issues and the error thrown at the public edge.
 * @packageDocumentation
 */

/** One thing wrong with a configuration, with the exact path to it. */
export interface ConfigIssue {
  /** Path segments from the root, e.g. `['models', 'gpt-5', 'timeout']`. */
  readonly path: ReadonlyArray<string | number>;
  /** What is wrong, e.g. `expected a duration like "30s"`. Never contains a secret. */
  readonly message: string;
}

/** Formats a path as `models.gpt-5.fallbacks[1]` (the root is `(root)`). */
export function formatPath(path: ReadonlyArray<string | number | symbol>): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Formats an issue as `path: message`. */
export function formatIssue(issue: ConfigIssue): string {
  return `${formatPath(issue.path)}: ${issue.message}`;
}

/** Thrown by {@link loadConfig} when a configuration is invalid; lists every issue found. */
export class ConfigError extends Error {
  /** Every issue, in document order where possible. */
  readonly issues: readonly ConfigIssue[];
  /** Where the configuration came from (a file path or a label), when known. */
  readonly source: string | undefined;

  constructor(issues: readonly ConfigIssue[], source?: string) {
    const head = source ? `invalid configuration in ${source}` : 'invalid configuration';
    const noun = issues.length === 1 ? 'issue' : 'issues';
    super(`${head} (${issues.length} ${noun}):\n${issues.map((i) => `  - ${formatIssue(i)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = Object.freeze([...issues]);
    this.source = source;
  }
}
