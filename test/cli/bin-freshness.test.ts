/**
 * `bin/hive-resilience.js` chooses between dist/ and src/: the published package (no src/) always runs
 * dist/; a checkout runs dist/ only while `dist/source-stamp.json` (written by `scripts/build.mjs`) is at
 * least as new as everything under src/, else the sources through tsx (or, without tsx, dist/ with a
 * warning). Real processes on a scratch layout whose two entries say which one ran.
 */
import { execFile } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const BUILT_AT = new Date('2026-01-01T00:00:00Z');
const scratch: string[] = [];

afterEach(() => {
  for (const dir of scratch.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Layout {
  readonly root: string;
  /** Runs the copied bin; which entry ran and what it said on stderr. */
  readonly cli: () => Promise<{ ran: string; stderr: string }>;
}

/** A scratch package: bin/ copied from this checkout, dist/ and (optionally) src/ entries, a stamp. */
function layout(opts: { src: boolean; dist?: boolean; stamp?: boolean; tsx?: boolean }): Layout {
  const root = mkdtempSync(join(tmpdir(), 'hive-bin-'));
  scratch.push(root);
  cpSync(join(ROOT, 'bin'), join(root, 'bin'), { recursive: true });
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  if (opts.dist !== false) {
    mkdirSync(join(root, 'dist/cli'), { recursive: true });
    writeFileSync(join(root, 'dist/cli/main.js'), "process.stdout.write('dist');\n");
  }
  if (opts.src) {
    mkdirSync(join(root, 'src/cli'), { recursive: true });
    writeFileSync(
      join(root, 'src/cli/main.ts'),
      "const from: string = 'src';\nprocess.stdout.write(from);\n",
    );
    writeFileSync(join(root, 'src/cli/extra.ts'), 'export const x = 1;\n');
    writeFileSync(join(root, 'src/index.ts'), 'export {};\n');
    for (const p of ['src/cli/main.ts', 'src/cli/extra.ts', 'src/index.ts', 'src/cli', 'src'])
      utimesSync(join(root, p), BUILT_AT, BUILT_AT);
  }
  if (opts.stamp !== false && opts.dist !== false) {
    writeFileSync(
      join(root, 'dist/source-stamp.json'),
      JSON.stringify({ sourceMtimeMs: BUILT_AT.getTime() }),
    );
  }
  if (opts.tsx !== false) symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  return {
    root,
    cli: async () => {
      const { stdout, stderr } = await run(process.execPath, [join(root, 'bin/hive-resilience.js')], {
        timeout: 60_000,
      });
      return { ran: stdout, stderr };
    },
  };
}

describe('bin/hive-resilience.js: dist/ or src/', () => {
  it('the published layout (no src/) runs dist/ without a check or a word', async () => {
    expect(await layout({ src: false, stamp: false, tsx: false }).cli()).toEqual({ ran: 'dist', stderr: '' });
  });

  it('a checkout whose dist/ was built from the current sources runs dist/ quietly', async () => {
    expect(await layout({ src: true }).cli()).toEqual({ ran: 'dist', stderr: '' });
  });

  it('runs src/ when a source was edited, deleted or added after the build, and says why', async () => {
    const edited = layout({ src: true });
    utimesSync(join(edited.root, 'src/cli/extra.ts'), new Date(), new Date());
    expect(await edited.cli()).toEqual({
      ran: 'src',
      stderr: expect.stringMatching(
        /^hive-resilience: running src\/ \(src\/cli\/extra\.ts changed after the last build; `npm run build` refreshes dist\/\)\n$/,
      ),
    });

    const deleted = layout({ src: true });
    unlinkSync(join(deleted.root, 'src/cli/extra.ts'));
    expect(await deleted.cli()).toMatchObject({
      ran: 'src',
      stderr: expect.stringContaining('(src/cli changed'),
    });

    const added = layout({ src: true });
    writeFileSync(join(added.root, 'src/new.ts'), 'export {};\n');
    expect(await added.cli()).toMatchObject({ ran: 'src' });
  }, 120_000);

  it('runs src/ when dist/ has no build stamp, and when there is no dist/ at all', async () => {
    expect(await layout({ src: true, stamp: false }).cli()).toEqual({
      ran: 'src',
      stderr: expect.stringContaining('(dist/ has no source-stamp.json (not built by `npm run build`);'),
    });
    expect(await layout({ src: true, dist: false }).cli()).toEqual({ ran: 'src', stderr: '' });
  }, 120_000);

  it('without tsx, runs a stale dist/ but warns on stderr', async () => {
    const stale = layout({ src: true, tsx: false });
    utimesSync(join(stale.root, 'src/index.ts'), new Date(), new Date());
    expect(await stale.cli()).toEqual({
      ran: 'dist',
      stderr:
        'hive-resilience: warning: dist/ may be stale (src/index.ts changed after the last build) and tsx is ' +
        'not installed to run src/; running dist/: `npm run build` refreshes it\n',
    });
  });
});
