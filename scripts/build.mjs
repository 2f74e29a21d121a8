#!/usr/bin/env node
// Builds both packages, ESM + CommonJS + types, no source maps:
//   hive-resilience         dist/ (ESM, from src/ by tsc), dist-cjs/ (CommonJS, by esbuild; not the CLI)
//   @hive-resilience/core   packages/core/dist/ (ESM, from src/core by tsc), packages/core/dist/cjs/ (CommonJS)
// A CommonJS folder gets a package.json saying so and a copy of the declarations, so `require` resolves
// CommonJS-flavoured types. dist-cjs/ sits beside dist/ (same depth), so paths built from import.meta.url
// (the embedded config, the dashboard's files) resolve the same from both.
// dist/source-stamp.json records the newest mtime under src/ as the build starts: the CLI (bin/) runs
// dist/ only while no source is newer (see bin/source-stamp.js), else the sources through tsx.
//   node scripts/build.mjs            both packages
//   node scripts/build.mjs core       the core package only
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestSource, writeSourceStamp } from '../bin/source-stamp.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });

function files(dir, keep) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return files(path, keep);
    return keep(path) ? [path] : [];
  });
}

/** CommonJS beside an ESM build: esbuild per file (no bundling), the declarations copied. */
function commonJs(srcDir, esmDir, outDir, skip = () => false) {
  rmSync(outDir, { recursive: true, force: true });
  const sources = files(srcDir, (f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !skip(relative(srcDir, f)));
  run(bin('esbuild'), [
    ...sources,
    `--outdir=${outDir}`,
    `--outbase=${srcDir}`,
    '--format=cjs',
    '--platform=node',
    '--target=node20',
    '--log-level=warning',
    // import.meta.url, for the few files that find their assets from it.
    '--define:import.meta.url=__import_meta_url',
    "--banner:js=var __import_meta_url = require('node:url').pathToFileURL(__filename).href;",
  ]);
  for (const d of files(esmDir, (f) => f.endsWith('.d.ts'))) {
    const rel = relative(esmDir, d);
    if (rel.startsWith('cjs') || skip(rel)) continue;
    mkdirSync(dirname(join(outDir, rel)), { recursive: true });
    copyFileSync(d, join(outDir, rel));
  }
  writeFileSync(join(outDir, 'package.json'), '{ "type": "commonjs" }\n');
}

const only = process.argv[2];

// @hive-resilience/core
const coreDist = join(root, 'packages/core/dist');
rmSync(coreDist, { recursive: true, force: true });
run(bin('tsc'), ['-p', 'packages/core/tsconfig.json']);
commonJs(join(root, 'src/core'), coreDist, join(coreDist, 'cjs'));

if (only !== 'core') {
  // hive-resilience
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const sourceMtimeMs = newestSource(join(root, 'src')).mtimeMs;
  run(bin('tsc'), ['-p', 'tsconfig.build.json']);
  writeSourceStamp(root, sourceMtimeMs);
  commonJs(join(root, 'src'), join(root, 'dist'), join(root, 'dist-cjs'), (rel) => rel.startsWith('cli'));
}
