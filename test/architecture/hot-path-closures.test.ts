/**
 * The per-request path makes no *named* closure. Run from source (`npm start`, the CLI in a checkout, the
 * in-process benches), the code goes through tsx, whose esbuild transform keeps function names: every
 * `const f = () => …`, nested `function f`, `f = () => …`, arrow-function property or arrow-function class
 * field becomes `__name(fn, "f")`, an `Object.defineProperty` each time the closure is made (~0.25 µs and a
 * 256-byte property array; ten of them per request once: docs/benchmarks.md, "tenth session"). Closures
 * made per request are written as arguments, object-literal methods or constructor assignments instead.
 *
 * This transforms the hot-path files as tsx does and fails on a `__name` call inside a function body,
 * unless the function runs once per process (listed below with the reason).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** Files a request or a stream goes through. */
const HOT_PATH = [
  'core/fallback.ts',
  'core/retry.ts',
  'core/cancel-signal.ts',
  'engine/plan-runner.ts',
  'engine/plan-walk.ts',
  'engine/model-turn.ts',
  'engine/stream-runner.ts',
  'engine/stream-session.ts',
  'providers/call-watch.ts',
  'providers/http-endpoint.ts',
  'providers/http-exchange.ts',
  'providers/http-provider.ts',
  'providers/openai-compatible.ts',
  'providers/completion-text.ts',
  'providers/sse-frames.ts',
  'providers/sse-stream.ts',
  'providers/plain-chunk.ts',
  'server/context.ts',
  'server/chat-request.ts',
  'server/genai-observation.ts',
  'server/routes/chat.ts',
  'server/routes/chat-stream-writer.ts',
  'server/routes/sse-writer.ts',
  'telemetry/genai-metrics.ts',
];

/** Named closures in those files that are made once per process or per provider, not per request. */
const ONCE: Record<string, string> = {
  // A provider's wiring, built when the provider is.
  'providers/openai-compatible.ts authHeaders': 'per provider',
  // The registration of the metrics: once per registry.
  'telemetry/genai-metrics.ts cells': 'per registry',
  'telemetry/genai-metrics.ts sinkFor': 'per registry',
  'telemetry/genai-metrics.ts record': 'per registry',
  'telemetry/genai-metrics.ts tokenSeries': 'per registry',
};

/** The names `__name` gives inside function bodies (indented lines of esbuild's output). */
function namedClosures(file: string): string[] {
  const { code } = transformSync(readFileSync(resolve(SRC, file), 'utf8'), {
    loader: 'ts',
    format: 'esm',
    keepNames: true,
  });
  const names: string[] = [];
  for (const line of code.split('\n')) {
    if (!/^\s+/.test(line) || line.includes('__name(this,')) continue; // top level, or a class's own name
    for (const m of line.matchAll(/__name\((?:.*?)"([\w$]+)"\)/g)) names.push(m[1]!);
    const own = /^\s+__name\(([\w$]+), "/.exec(line);
    if (own && !names.includes(own[1]!)) names.push(own[1]!);
  }
  return names;
}

describe('the per-request path makes no named closure', () => {
  for (const file of HOT_PATH) {
    it(file, () => {
      const found = namedClosures(file).filter((name) => ONCE[`${file} ${name}`] === undefined);
      expect(found).toEqual([]);
    });
  }

  it('finds the kinds of named closure tsx stamps (the check can fail)', () => {
    const { code } = transformSync(
      'export function f(a: number) { const g = () => a; function h() { return a; } const o = { p: () => a, m() { return a; } }; return [g, h, o, (() => a)]; }\nexport class C { field = () => 1; }',
      { loader: 'ts', format: 'esm', keepNames: true },
    );
    const inside = code.split('\n').filter((l) => /^\s+.*__name\(/.test(l) && !l.includes('__name(this,'));
    const names = inside.flatMap((l) => [...l.matchAll(/"([\w$]+)"\)/g)].map((m) => m[1]));
    expect(names).toEqual(expect.arrayContaining(['g', 'h', 'p', 'field']));
    expect(names).not.toContain('m');
  });
});
