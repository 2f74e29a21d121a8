import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const tsx = resolve('node_modules/.bin/tsx');
const core = pathToFileURL(resolve('src/core/index.ts')).href;

function runScript(source: string): Promise<{ stdout: string; code: number | null }> {
  const dir = mkdtempSync(join(tmpdir(), 'hive-keepalive-'));
  const file = join(dir, 'script.mts');
  writeFileSync(file, source);
  return new Promise((done) => {
    execFile(tsx, [file], { timeout: 30_000 }, (error, stdout) => {
      rmSync(dir, { recursive: true, force: true });
      done({ stdout, code: error ? ((error as { code?: number }).code ?? 1) : 0 });
    });
  });
}

describe('a plain script waits for the calls it started (awaited timers keep the process alive)', () => {
  it('a retrying call completes before the process exits', async () => {
    const { stdout, code } = await runScript(`
      import { constantBackoff, retry } from ${JSON.stringify(core)};
      let n = 0;
      const value = await retry({ maxRetries: 2, backoff: constantBackoff(200) }).execute(() => {
        if (n++ < 2) throw new Error('flaky');
        return 'third time';
      });
      console.log('result:', value, n);
    `);
    expect(code).toBe(0);
    expect(stdout).toContain('result: third time 3');
  }, 40_000);

  it('a timeout on a call that never settles on its own still fires', async () => {
    const { stdout } = await runScript(`
      import { timeout } from ${JSON.stringify(core)};
      const out = await timeout({ timeoutMs: 200, strategy: 'aggressive' }).executeOutcome(() => new Promise(() => {}));
      console.log('kind:', out.ok ? 'ok' : out.kind);
    `);
    expect(stdout).toContain('kind: timeout');
  }, 40_000);
});
