// Whether dist/ was built from the sources as they are now, for a development checkout (the published
// package has no src/ and never loads this file). `scripts/build.mjs` records in dist/source-stamp.json
// the newest modification time under src/ (files and directories, so a deleted file counts) as it
// starts compiling; the CLI uses dist/ only while nothing under src/ is newer than that.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The stamp's file name inside dist/. */
export const STAMP_FILE = 'source-stamp.json';

/** The newest mtime (ms) under `dir` (itself included), and which entry has it. */
export function newestSource(dir) {
  const newest = { mtimeMs: statSync(dir).mtimeMs, path: dir };
  walk(dir, newest);
  return newest;
}

// Plain string paths and one record updated in place: this runs on every CLI start in a checkout.
function walk(dir, newest) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    const mtimeMs = statSync(path).mtimeMs;
    if (mtimeMs > newest.mtimeMs) {
      newest.mtimeMs = mtimeMs;
      newest.path = path;
    }
    if (entry.isDirectory()) walk(path, newest);
  }
}

/** Records `sourceMtimeMs` (measured before compiling) in `<root>/dist/source-stamp.json`. */
export function writeSourceStamp(root, sourceMtimeMs) {
  writeFileSync(join(root, 'dist', STAMP_FILE), `${JSON.stringify({ sourceMtimeMs })}\n`);
}

/** Why `<root>/dist/` does not match `<root>/src/`, or `undefined` when it does. */
export function staleReason(root) {
  let stamp;
  try {
    stamp = JSON.parse(readFileSync(join(root, 'dist', STAMP_FILE), 'utf8')).sourceMtimeMs;
  } catch {
    return `dist/ has no ${STAMP_FILE} (not built by \`npm run build\`)`;
  }
  if (typeof stamp !== 'number') return `dist/${STAMP_FILE} is not a build stamp`;
  const newest = newestSource(join(root, 'src'));
  if (newest.mtimeMs <= stamp) return undefined;
  return `${relative(root, newest.path) || 'src'} changed after the last build`;
}
