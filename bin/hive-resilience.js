#!/usr/bin/env node
// Runs the built CLI (dist/) when it matches the sources; in a source checkout whose dist/ is missing or
// older than src/ (see source-stamp.js), runs the TypeScript directly through tsx. The published package
// has no src/: it always runs dist/, with no check.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'main.js');
const sources = join(root, 'src', 'cli', 'main.ts');
let useBuilt = existsSync(built);
if (useBuilt && existsSync(sources)) {
  const { staleReason } = await import('./source-stamp.js');
  const stale = staleReason(root);
  if (stale !== undefined) {
    try {
      const { register } = await import('tsx/esm/api');
      register();
      useBuilt = false;
      process.stderr.write(`hive-resilience: running src/ (${stale}; \`npm run build\` refreshes dist/)\n`);
    } catch {
      process.stderr.write(
        `hive-resilience: warning: dist/ may be stale (${stale}) and tsx is not installed to run src/; ` +
          'running dist/: `npm run build` refreshes it\n',
      );
    }
  }
} else if (!useBuilt) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(pathToFileURL(useBuilt ? built : sources).href);
