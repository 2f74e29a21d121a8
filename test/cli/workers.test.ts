/**
 * `serve --workers 2` as a user runs it: one port, state shared through the primary (no Redis), an
 * isolation made through whichever worker answers holds on both, /metrics counts the whole group, each
 * worker keeps its own audit chain and `audit verify` checks both.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../gateway/gateway-fixtures.js';

const BIN = resolve(import.meta.dirname, '../../bin/hive-resilience.js');
const KEY = 'workers-test-admin-key-123';
const admin = { authorization: `Bearer ${KEY}` };
let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Pids of the processes whose parent is `pid` (Linux /proc). */
function workerPids(pid: number): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        const stat = readFileSync(`/proc/${n}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid;
      } catch {
        return false;
      }
    })
    .map(Number);
}

function bannerUrl(proc: ChildProcess): Promise<string> {
  return new Promise((resolveUrl, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no banner; stderr so far:\n${text}`)), 90_000);
    proc.stderr?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /gateway on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    });
  });
}

describe('serve --workers 2', () => {
  it('shares the port, state, metrics and audit verification across workers', async () => {
    const dir = tempDir();
    child = spawn(process.execPath, [BIN, 'serve', '--workers', '2', '--port', '0', '--data-dir', dir], {
      env: { ...process.env, HIVE_ADMIN_KEY: KEY },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const url = await bannerUrl(child);
    // Both workers must be up before counting: wait until the audit verify names two chains.
    for (;;) {
      const r = await fetch(`${url}/admin/v1/audit/verify`, { headers: admin });
      const body = (await r.json()) as { chains?: unknown[] };
      if ((body.chains?.length ?? 0) >= 2) break;
      await new Promise((r2) => setTimeout(r2, 200));
    }
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ model: 'sim-steady', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const iso = await fetch(`${url}/admin/v1/breakers/sim-flaky/isolate`, { method: 'POST', headers: admin });
    expect(iso.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${url}/admin/v1/breakers`, { headers: { ...admin, connection: 'close' } });
      const list = ((await res.json()) as { breakers: Array<{ model: string; state: string }> }).breakers;
      seen.add(list.find((b) => b.model === 'sim-flaky')!.state);
    }
    expect([...seen]).toEqual(['isolated']);
    const metrics = await (await fetch(`${url}/metrics`, { headers: admin })).text();
    const served = [
      ...metrics.matchAll(/^hive_requests_total\{[^}]*outcome="success"[^}]*\} (\d+)/gm),
    ].reduce((n, m) => n + Number(m[1]), 0);
    expect(served).toBe(6);
    const verify = (await (await fetch(`${url}/admin/v1/audit/verify`, { headers: admin })).json()) as {
      ok: boolean;
      chains: Array<{ instance: string; ok: boolean }>;
    };
    expect(verify.ok).toBe(true);
    expect(verify.chains.map((c) => c.instance.replace(/^.*-(w\d)$/, '$1')).sort()).toEqual(['w1', 'w2']);
    // A worker that dies is started again; the port keeps answering meanwhile.
    const before = workerPids(child.pid!);
    expect(before).toHaveLength(2);
    process.kill(before[0]!, 'SIGKILL');
    for (let i = 0; ; i++) {
      const now = workerPids(child.pid!);
      if (now.length === 2 && !now.includes(before[0]!)) break;
      if (i > 600) throw new Error('the dead worker was not started again');
      await new Promise((r) => setTimeout(r, 100));
    }
    const again = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-steady', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(again.status).toBe(200);
    const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const { stdout } = await promisify(execFile)(process.execPath, [
      BIN,
      'audit',
      'verify',
      '--data-dir',
      dir,
    ]);
    expect(stdout).toMatch(/2 chains: all verified/);
  }, 150_000);
});
