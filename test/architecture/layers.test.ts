/**
 * Layers import downward only (docs/architecture.md). This reads every source file's imports and fails
 * on an import a layer may not make, and on a Node-only import in the core.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** What each layer may import (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  config: ['core'],
  models: ['core', 'config'],
  providers: ['core'],
  health: ['core', 'config', 'models'],
  audit: ['core'],
  state: ['core'],
  chaos: ['core', 'providers'],
  engine: ['core', 'config', 'models', 'providers', 'health'],
  consensus: ['core', 'config', 'models', 'providers', 'health', 'engine', 'audit'],
  telemetry: ['core', 'engine'],
  integrations: ['core', 'health'],
  alerts: ['core', 'config', 'engine', 'telemetry'],
  server: ['core', 'config', 'models', 'providers', 'health', 'engine', 'audit', 'telemetry'],
  gateway: [
    'core',
    'config',
    'models',
    'providers',
    'health',
    'engine',
    'audit',
    'state',
    'telemetry',
    'alerts',
    'server',
    'consensus',
  ],
  cli: [
    'core',
    'config',
    'models',
    'providers',
    'health',
    'engine',
    'audit',
    'state',
    'telemetry',
    'alerts',
    'server',
    'consensus',
    'gateway',
    'chaos',
  ],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function layerOf(path: string): string {
  const rel = relative(SRC, path);
  return rel.includes(sep) ? rel.split(sep)[0]! : '(root)';
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/g;

describe('architecture', () => {
  const all = files(SRC);

  it('every layer folder is known', () => {
    const layers = new Set(all.map(layerOf).filter((l) => l !== '(root)'));
    expect([...layers].filter((l) => !(l in ALLOWED))).toEqual([]);
  });

  it('layers import downward only', () => {
    const violations: string[] = [];
    for (const file of all) {
      const from = layerOf(file);
      if (from === '(root)') continue;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT)) {
        const spec = m[1]!;
        if (!spec.startsWith('.')) continue;
        const to = layerOf(resolve(dirname(file), spec));
        if (to !== from && !ALLOWED[from]!.includes(to)) violations.push(`${relative(SRC, file)} -> ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('the core uses no Node-only module and no package', () => {
    const offenders = all
      .filter((f) => layerOf(f) === 'core')
      .flatMap((file) =>
        [...readFileSync(file, 'utf8').matchAll(IMPORT)]
          .map((m) => m[1]!)
          .filter((spec) => !spec.startsWith('.'))
          .map((spec) => `${relative(SRC, file)}: ${spec}`),
      );
    expect(offenders).toEqual([]);
  });

  it('the core package (@hive-resilience/core) is built from src/core alone and has no dependencies', () => {
    const root = resolve(import.meta.dirname, '../..');
    const tsconfig = JSON.parse(readFileSync(join(root, 'packages/core/tsconfig.json'), 'utf8'));
    expect(tsconfig.include).toEqual(['../../src/core']);
    expect(tsconfig.compilerOptions.rootDir).toBe('../../src/core');
    const pkg = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.sideEffects).toBe(false);
  });
});
