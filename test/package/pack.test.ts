/**
 * Both packages as a user gets them: built, packed with `npm pack`, then used from a scratch consumer
 * project in a temp dir. `@hive-resilience/core` is installed for real (`npm install --offline`: it has no
 * dependencies, so nothing else is fetched); `hive-resilience` is unpacked into the consumer's
 * node_modules beside links to this checkout's installed dependencies (what `npm install` would give it,
 * without the network). Every entry is imported from ESM and required from CommonJS (with Node's
 * require(esm) off, so CommonJS is really CommonJS), and a consumer's code type-checks under node16 and
 * bundler resolution with `skipLibCheck: false`.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/.bin/tsc');
const SLOW = 600_000;
const scratch: string[] = [];

/** A temp dir removed after the tests. */
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hive-pack-'));
  scratch.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

interface PackageJson {
  name: string;
  type?: string;
  engines?: Record<string, string>;
  sideEffects?: boolean | string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  exports: Record<string, string | Record<string, Record<string, string>>>;
}

async function sh(cmd: string, args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(cmd, [...args], { cwd, maxBuffer: 32 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

async function tarball(file: string): Promise<{ files: string[]; pkg: PackageJson }> {
  const files = (await sh('tar', ['tzf', file], ROOT)).split('\n').filter(Boolean);
  const pkg = JSON.parse(await sh('tar', ['xzfO', file, 'package/package.json'], ROOT)) as PackageJson;
  return { files, pkg };
}

/** Entry specifiers of a package (`name`, `name/core`, ...) from its `exports`. */
function entries(pkg: PackageJson): string[] {
  return Object.keys(pkg.exports)
    .filter((k) => k !== './package.json')
    .map((k) => (k === '.' ? pkg.name : `${pkg.name}/${k.slice(2)}`));
}

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

const tsconfig = (resolution: 'node16' | 'bundler', files: string[], types: string[]): string =>
  JSON.stringify({
    compilerOptions: {
      module: resolution === 'node16' ? 'node16' : 'esnext',
      moduleResolution: resolution,
      target: 'ES2022',
      lib: ['ES2023', 'DOM'],
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types,
    },
    files,
  });

/** A script that loads every entry and prints how many names each exports. */
const loadAll = (specs: string[], how: 'import' | 'require'): string =>
  `const out = {};\nfor (const spec of ${JSON.stringify(specs)}) {\n  out[spec] = Object.keys(${how === 'import' ? 'await import(spec)' : 'require(spec)'}).length;\n}\nconsole.log(JSON.stringify(out));\n`;

describe('packages from a scratch consumer project', () => {
  const packs = tempDir();
  let core: { file: string; files: string[]; pkg: PackageJson };
  let full: { file: string; files: string[]; pkg: PackageJson };
  let builtCheckoutCli: { stdout: string; stderr: string };

  beforeAll(async () => {
    // Build and pack a copy of the checkout, so no dist/ is left in it (bin/ prefers a built CLI).
    const work = tempDir();
    for (const entry of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'tsconfig.build.json',
      'README.md',
      'LICENSE',
      'src',
      'scripts',
      'bin',
      'schema',
      'config',
      'dashboard',
      'packages/core/package.json',
      'packages/core/tsconfig.json',
      'packages/core/README.md',
      'packages/core/LICENSE',
    ]) {
      cpSync(join(ROOT, entry), join(work, entry), { recursive: true });
    }
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
    await sh(process.execPath, ['scripts/build.mjs'], work);
    // The build stamps dist/ with its sources: the checkout's CLI now runs dist/, quietly.
    builtCheckoutCli = await run(process.execPath, ['bin/hive-resilience.js', '--version'], { cwd: work });
    await sh('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', packs], work);
    await sh(
      'npm',
      ['pack', '--ignore-scripts', '--silent', '-w', 'packages/core', '--pack-destination', packs],
      work,
    );
    const file = (prefix: string) => join(packs, readdirSync(packs).find((f) => f.startsWith(prefix))!);
    const coreFile = file('hive-resilience-core-');
    const fullFile = readdirSync(packs)
      .filter((f) => f.startsWith('hive-resilience-') && !f.startsWith('hive-resilience-core-'))
      .map((f) => join(packs, f))[0]!;
    core = { file: coreFile, ...(await tarball(coreFile)) };
    full = { file: fullFile, ...(await tarball(fullFile)) };
  }, SLOW);

  it('a checkout just built runs its dist/ with no staleness note', () => {
    expect(builtCheckoutCli).toEqual({ stdout: expect.stringMatching(/^0\.1\.0\n?$/), stderr: '' });
  });

  it('ship a licence, no source maps and no sources, engines that include Node 22 and 24', () => {
    for (const { files, pkg } of [core, full]) {
      expect(files).toContain('package/LICENSE');
      expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
      expect(files.filter((f) => f.startsWith('package/src/'))).toEqual([]);
      expect(pkg.engines?.['node']).toBe('>=20.11');
      for (const entry of Object.values(pkg.exports)) {
        if (typeof entry === 'string') continue;
        expect(Object.keys(entry)).toEqual(['import', 'require']);
        for (const files of Object.values(entry)) {
          expect(Object.keys(files)).toEqual(['types', 'default']);
        }
      }
    }
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(core.pkg.sideEffects).toBe(false);
    expect(core.pkg.dependencies ?? {}).toEqual({});
    expect(core.pkg.peerDependencies ?? {}).toEqual({});
    expect(entries(core.pkg)).toEqual(['@hive-resilience/core', '@hive-resilience/core/testing']);
    expect(entries(full.pkg)).toEqual(
      expect.arrayContaining(['hive-resilience', 'hive-resilience/core', 'hive-resilience/testing']),
    );
    // Types the published declarations import are dependencies, not dev dependencies.
    expect(full.pkg.dependencies?.['@types/better-sqlite3']).toBeDefined();
  });

  it(
    '@hive-resilience/core installs offline with no dependency and works from ESM, CommonJS and tsc',
    async () => {
      const dir = tempDir();
      write(dir, { 'package.json': JSON.stringify({ name: 'consumer', private: true, type: 'module' }) });
      await sh('npm', ['install', '--offline', '--no-audit', '--no-fund', core.file], dir);
      expect(readdirSync(join(dir, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual([
        '@hive-resilience',
      ]);
      expect(readdirSync(join(dir, 'node_modules/@hive-resilience'))).toEqual(['core']);

      // A retry on a fake clock: two failures, then the answer, with no real waiting.
      const body = (lib: string, testing: string) => `
const clock = new ${testing}.FakeClock();
let calls = 0;
const answer = ${lib}.retry({ maxRetries: 2, clock }).execute(async () => {
  calls += 1;
  if (calls < 3) throw new Error('flaky');
  return 'ok';
});
let done = false;
const settled = answer.then((value) => {
  done = true;
  console.log(JSON.stringify({ value, calls }));
});
for (let i = 0; i < 100 && !done; i++) await clock.advance(1000);
await settled;
`;
      write(dir, {
        'esm.mjs': `import * as core from '@hive-resilience/core';\nimport * as testing from '@hive-resilience/core/testing';\n${body('core', 'testing')}`,
        'cjs.cjs': `const core = require('@hive-resilience/core');\nconst testing = require('@hive-resilience/core/testing');\n(async () => {${body('core', 'testing')}})();\n`,
      });
      for (const script of ['esm.mjs', 'cjs.cjs']) {
        const out = await sh(process.execPath, ['--no-experimental-require-module', script], dir);
        expect(JSON.parse(out)).toEqual({ value: 'ok', calls: 3 });
      }

      write(dir, {
        'use.mts': `import { retry, type RetryOptions } from '@hive-resilience/core';\nimport { FakeClock } from '@hive-resilience/core/testing';\nconst options: RetryOptions = { maxRetries: 2, clock: new FakeClock() };\nexport const answer: Promise<string> = retry(options).execute(async () => 'ok');\n`,
        'use.cts': `import core = require('@hive-resilience/core');\nimport testing = require('@hive-resilience/core/testing');\nexport const answer: Promise<string> = core.retry({ maxRetries: 2, clock: new testing.FakeClock() }).execute(async () => 'ok');\n`,
        'use.ts': `import { retry } from '@hive-resilience/core';\nimport { FakeClock } from '@hive-resilience/core/testing';\nexport const answer: Promise<string> = retry({ clock: new FakeClock() }).execute(async () => 'ok');\n`,
        // The core needs no Node types: it type-checks with none.
        'tsconfig.node16.json': tsconfig('node16', ['use.mts', 'use.cts'], []),
        'tsconfig.bundler.json': tsconfig('bundler', ['use.ts'], []),
      });
      await sh(TSC, ['-p', 'tsconfig.node16.json'], dir);
      await sh(TSC, ['-p', 'tsconfig.bundler.json'], dir);
    },
    SLOW,
  );

  it(
    'hive-resilience: every entry loads from ESM and CommonJS and type-checks',
    async () => {
      const dir = tempDir();
      const modules = join(dir, 'node_modules');
      mkdirSync(join(modules, 'hive-resilience'), { recursive: true });
      await sh(
        'tar',
        ['xzf', full.file, '-C', join(modules, 'hive-resilience'), '--strip-components=1'],
        dir,
      );
      for (const name of readdirSync(join(ROOT, 'node_modules'))) {
        if (name !== 'hive-resilience' && !name.startsWith('.'))
          symlinkSync(join(ROOT, 'node_modules', name), join(modules, name));
      }
      const specs = entries(full.pkg);
      write(dir, {
        'package.json': JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
        'esm.mjs': loadAll(specs, 'import'),
        'cjs.cjs': loadAll(specs, 'require'),
      });
      // The CLI of the published package (no src/) runs its dist/.
      const help = await run(
        process.execPath,
        ['node_modules/hive-resilience/bin/hive-resilience.js', '--help'],
        {
          cwd: dir,
        },
      );
      expect(help.stdout).toMatch(/^Usage: hive-resilience /);
      expect(help.stderr).toBe('');
      const esm = JSON.parse(await sh(process.execPath, ['esm.mjs'], dir)) as Record<string, number>;
      const cjs = JSON.parse(
        await sh(process.execPath, ['--no-experimental-require-module', 'cjs.cjs'], dir),
      ) as Record<string, number>;
      expect(Object.keys(esm)).toEqual(specs);
      expect(cjs).toEqual(esm);
      for (const count of Object.values(esm)) expect(count).toBeGreaterThan(0);

      const names = specs.map((s, i) => [`e${i}`, s] as const);
      write(dir, {
        'use.mts': `${names.map(([n, s]) => `import * as ${n} from '${s}';`).join('\n')}\nimport { ResilienceEngine, loadConfig, startGateway } from 'hive-resilience';\nimport { FakeClock } from 'hive-resilience/testing';\nexport const all = [${names.map(([n]) => n).join(', ')}, ResilienceEngine, loadConfig, startGateway, new FakeClock()];\n`,
        'use.cts': `${names.map(([n, s]) => `import ${n} = require('${s}');`).join('\n')}\nexport const all = [${names.map(([n]) => n).join(', ')}];\n`,
        // @ai-sdk/provider's own declarations import 'json-schema' without depending on its types: a gap in
        // that package (any consumer of it meets it), declared away here so the check covers our types.
        'json-schema.d.ts': [
          "declare module 'json-schema' {",
          '  export type JSONSchema7 = Record<string, unknown>;',
          '  export type JSONSchema7Definition = JSONSchema7 | boolean;',
          '}',
          '',
        ].join('\n'),
        'tsconfig.node16.json': tsconfig('node16', ['json-schema.d.ts', 'use.mts', 'use.cts'], ['node']),
        'tsconfig.bundler.json': tsconfig('bundler', ['json-schema.d.ts', 'use.ts'], ['node']),
      });
      writeFileSync(join(dir, 'use.ts'), readFileSync(join(dir, 'use.mts'), 'utf8'));
      await sh(TSC, ['-p', 'tsconfig.node16.json'], dir);
      await sh(TSC, ['-p', 'tsconfig.bundler.json'], dir);
    },
    SLOW,
  );
});
