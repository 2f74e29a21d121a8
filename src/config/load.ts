/**
 * Loading a configuration: parse (YAML or JSON) → interpolate `${ENV}` → validate → cross-check →
 * freeze. Either every check passes and an immutable config comes back, or every issue is listed.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError, type ConfigIssue, formatPath } from './config-error.js';
import { crossCheckConfig } from './cross-check.js';
import { interpolateEnv } from './env.js';
import { configSchema, type HiveConfig } from './schema.js';
import { knownKeysAt } from './schema-walk.js';

/** Either a validated, deeply frozen config or the full list of issues. */
export type ConfigResult<T = HiveConfig> =
  | { readonly ok: true; readonly config: T }
  | { readonly ok: false; readonly issues: readonly ConfigIssue[] };

/** Options for validation and loading. */
export interface ConfigOptions {
  /** Variables for `${VAR}` interpolation (defaults to `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Options for parsing text. */
export interface ParseOptions extends ConfigOptions {
  /** `json` or `yaml` (default: `yaml`, which also reads JSON). */
  readonly format?: 'json' | 'yaml';
}

/**
 * Validates an already-parsed config object (e.g. an embedded default or a JSON body): `${ENV}`
 * interpolation, the schema, then the cross-checks between models, chains and routes.
 */
export function validateConfig(raw: unknown, options: ConfigOptions = {}): ConfigResult {
  const checked = checkAgainst(configSchema, raw, options, crossCheckConfig);
  return checked.ok ? { ok: true, config: deepFreeze(checked.config) } : checked;
}

/** Options of {@link validateSection}. */
export interface SectionOptions extends ConfigOptions {
  /** The section's path in the config file (prefixed to every issue's path), e.g. `['alerts']`. */
  readonly at?: ReadonlyArray<string | number>;
  /** Replace `${VAR}` references first (default true; false for a section taken from a loaded config). */
  readonly interpolate?: boolean;
}

/**
 * Validates one section of the config on its own (e.g. the `alerts` settings a library user hands to the
 * alert manager) with the same interpolation, messages and redaction as {@link validateConfig}.
 * @param schema - the section's schema, e.g. `alertsSchema`
 */
export function validateSection<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  options: SectionOptions = {},
): ConfigResult<z.output<S>> {
  const checked = checkAgainst(schema, raw, options);
  if (checked.ok || !options.at || options.at.length === 0) return checked;
  const at = options.at;
  return { ok: false, issues: checked.issues.map((i) => ({ path: [...at, ...i.path], message: i.message })) };
}

function checkAgainst<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  options: SectionOptions,
  crossCheck?: (valid: z.output<S>) => ConfigIssue[],
): ConfigResult<z.output<S>> {
  const interpolated =
    options.interpolate === false
      ? { value: raw ?? {}, issues: [], secrets: new Set<string>() }
      : interpolateEnv(raw ?? {}, options.env);
  const parsed = schema.safeParse(interpolated.value);
  const issues: ConfigIssue[] = [...interpolated.issues];
  if (!parsed.success) {
    const envPaths = new Set(issues.map((i) => formatPath(i.path)));
    for (const issue of parsed.error.issues.flatMap((i) => fromZodIssue(schema, i))) {
      // A missing variable already explains the empty value at that path.
      if (!envPaths.has(formatPath(issue.path))) issues.push(issue);
    }
  } else if (issues.length === 0 && crossCheck) {
    issues.push(...crossCheck(parsed.data));
  }
  if (issues.length > 0 || !parsed.success) {
    return { ok: false, issues: redact(issues, interpolated.secrets) };
  }
  return { ok: true, config: parsed.data };
}

/** Parses YAML or JSON text and validates it. Syntax errors become issues with line and column. */
export function parseConfigText(text: string, options: ParseOptions = {}): ConfigResult {
  let raw: unknown;
  if (options.format === 'json') {
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return { ok: false, issues: [{ path: [], message: `invalid JSON: ${(error as Error).message}` }] };
    }
  } else {
    const doc = parseDocument(text, { prettyErrors: true });
    if (doc.errors.length > 0) {
      return {
        ok: false,
        issues: doc.errors.slice(0, 3).map((e) => {
          const at = e.linePos?.[0];
          const where = at ? ` at line ${at.line}, column ${at.col}` : '';
          return { path: [], message: `invalid YAML${where}: ${e.message.split('\n')[0]}` };
        }),
      };
    }
    raw = doc.toJS();
  }
  return validateConfig(raw, options);
}

/** Reads a `.yaml`/`.yml`/`.json` file and validates it; never throws for a bad file. */
export async function readConfigFile(path: string, options: ConfigOptions = {}): Promise<ConfigResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return { ok: false, issues: [{ path: [], message: `cannot read ${path} (${code})` }] };
  }
  const format = path.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
  return parseConfigText(text, { ...options, format });
}

/**
 * Loads and validates a config file; the public edge.
 * @throws {@link ConfigError} listing every issue when the file is invalid.
 */
export async function loadConfig(path: string, options: ConfigOptions = {}): Promise<HiveConfig> {
  const result = await readConfigFile(path, options);
  if (!result.ok) throw new ConfigError(result.issues, path);
  return result.config;
}

/** Returns `result.config` or throws a {@link ConfigError}. */
export function unwrapConfig<T>(result: ConfigResult<T>, source?: string): T {
  if (!result.ok) throw new ConfigError(result.issues, source);
  return result.config;
}

function fromZodIssue(schema: z.ZodType, issue: z.core.$ZodIssue): ConfigIssue[] {
  const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(schema, path);
    return issue.keys.map((key) => ({ path: [...path, key], message: unknownKeyMessage(key, known) }));
  }
  return [{ path, message: issue.message }];
}

function unknownKeyMessage(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(key.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best ? `unknown key "${key}" (did you mean "${best}"?)` : `unknown key "${key}"`;
}

/** Optimal string alignment distance (edits and adjacent transpositions). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

function redact(issues: ConfigIssue[], secrets: ReadonlySet<string>): ConfigIssue[] {
  const values = [...secrets].filter((s) => s.length >= 4);
  if (values.length === 0) return issues;
  return issues.map((issue) => {
    let message = issue.message;
    for (const s of values) message = message.split(s).join('***');
    const path = issue.path.map((p) =>
      typeof p === 'string' && values.some((s) => p.includes(s)) ? '***' : p,
    );
    return { path, message };
  });
}

/** Freezes an object graph in place and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
