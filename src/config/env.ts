/**
 * `${ENV_VAR}` and `${ENV_VAR:-default}` interpolation in string values of a parsed config tree.
 * `$${...}` is an escape for a literal `${...}`.
 * @packageDocumentation
 */
import type { ConfigIssue } from './config-error.js';

const PLACEHOLDER = /\$(\$)?\{([^}]*)\}/g;
const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Result of interpolating a config tree. */
export interface InterpolationResult {
  /** A new tree with every placeholder replaced (the input is never modified). */
  readonly value: unknown;
  /** One issue per missing or malformed variable, naming the path and the variable, never a value. */
  readonly issues: ConfigIssue[];
  /** Values that came from the environment (used to redact them from any later message). */
  readonly secrets: ReadonlySet<string>;
}

/**
 * Replaces `${VAR}` / `${VAR:-default}` in every string value (not in keys) of `tree`.
 * @param env - variables to read (defaults to `process.env`)
 */
export function interpolateEnv(
  tree: unknown,
  env: Readonly<Record<string, string | undefined>> = process.env,
): InterpolationResult {
  const issues: ConfigIssue[] = [];
  const secrets = new Set<string>();

  const visitString = (text: string, path: ReadonlyArray<string | number>): string =>
    text.replace(PLACEHOLDER, (whole, escaped: string | undefined, body: string) => {
      if (escaped) return whole.slice(1);
      const sep = body.indexOf(':-');
      const name = (sep >= 0 ? body.slice(0, sep) : body).trim();
      if (!VAR_NAME.test(name)) {
        issues.push({ path: [...path], message: `invalid environment reference "\${${body}}"` });
        return '';
      }
      const found = env[name];
      if (found !== undefined && found !== '') {
        secrets.add(found);
        return found;
      }
      if (sep >= 0) return body.slice(sep + 2);
      issues.push({ path: [...path], message: `environment variable ${name} is not set` });
      return '';
    });

  const visit = (node: unknown, path: Array<string | number>): unknown => {
    if (typeof node === 'string') return node.includes('${') ? visitString(node, path) : node;
    if (Array.isArray(node)) return node.map((item, i) => visit(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) out[key] = visit(child, [...path, key]);
      return out;
    }
    return node;
  };

  return { value: visit(tree, []), issues, secrets };
}
