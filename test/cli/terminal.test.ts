/**
 * The friendly terminal: `serve --log-format` (JSON lines vs readable lines, auto by TTY) and
 * `status --watch` (one refresh cycle against a real gateway, then another after a breaker changes).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStatus, renderStatus } from '../../src/cli/commands/status.js';
import { chooseLogFormat } from '../../src/cli/log-format.js';
import { watchStatus } from '../../src/cli/status-watch.js';
import { startGateway } from '../../src/gateway/index.js';
import { tempDir } from '../gateway/gateway-fixtures.js';
import { closedPortURL } from '../helpers/chaos-upstream.js';

const BIN = resolve(import.meta.dirname, '../../bin/hive-resilience.js');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('serve --log-format', () => {
  it('chooses pretty on a terminal and JSON otherwise, unless told', () => {
    expect(chooseLogFormat(undefined, true)).toBe('pretty');
    expect(chooseLogFormat('auto', true)).toBe('pretty');
    expect(chooseLogFormat(undefined, false)).toBe('json');
    expect(chooseLogFormat('json', true)).toBe('json');
    expect(chooseLogFormat('pretty', false)).toBe('pretty');
    expect(() => chooseLogFormat('yaml', true)).toThrow(
      '--log-format: expected one of auto, pretty, json, got "yaml"',
    );
  });

  /** Starts `serve` with `args` and returns its stdout once the "listening" log line appeared. */
  async function serveOutput(args: string[]): Promise<string> {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', tempDir(), ...args], {
      env: { ...process.env, HIVE_ADMIN_KEY: 'terminal-test-admin-key', NO_COLOR: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    await new Promise<string>((resolveUrl, reject) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /gateway on (http:\/\/\S+)/.exec(err);
        if (m) resolveUrl(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    try {
      for (let i = 0; i < 50 && !/listening/i.test(out); i++) await new Promise((r) => setTimeout(r, 100));
      return out;
    } finally {
      child.kill('SIGINT');
      await new Promise((r) => child.once('exit', r));
    }
  }

  it('writes one JSON object a line when not on a terminal (the default for a pipe)', async () => {
    const out = await serveOutput([]);
    const lines = out.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.some((l) => (JSON.parse(l) as { msg?: string }).msg?.includes('listening'))).toBe(true);
  });

  it('writes readable lines with --log-format pretty (no colour codes into a pipe)', async () => {
    const out = await serveOutput(['--log-format', 'pretty']);
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: Server listening at http:\/\/127\.0\.0\.1:\d+/m);
    expect(out).not.toContain('{"level"');
    expect(out).not.toContain('\x1b[');
  });
});

describe('status --watch', () => {
  it('draws the table, and after a breaker is isolated draws it again with the new state', async () => {
    const adminKey = 'watch-test-admin-key-123';
    const gateway = await startGateway({
      port: 0,
      dataDir: ':memory:',
      logger: false,
      probes: false,
      adminKey,
    });
    try {
      const frames: string[] = [];
      const stop = new AbortController();
      const cycles = await watchStatus({
        render: async () => renderStatus(await readStatus(gateway.url, adminKey), true),
        intervalMs: 2000,
        write: (text) => frames.push(text),
        terminal: true,
        signal: stop.signal,
        now: () => new Date('2026-01-01T10:00:00Z'),
        wait: async () => {
          if (frames.length === 1) {
            const r = await fetch(`${gateway.url}/admin/v1/breakers/sim-steady/isolate`, {
              method: 'POST',
              headers: { authorization: `Bearer ${adminKey}` },
            });
            expect(r.status).toBe(200);
          } else stop.abort();
        },
      });
      expect(cycles).toBe(2);
      expect(frames[0]!.startsWith('\x1b[H\x1b[2Jevery 2s · 10:00:00 · Ctrl-C to stop')).toBe(true);
      expect(frames[0]).toMatch(/model\s+provider\s+health\s+score\s+breaker\s+success\s+p50\s+p95\s+fails/);
      expect(frames[0]).toMatch(/sim-steady\s+simulated\s+healthy\s+\S+\s+closed/);
      expect(frames[1]).toMatch(/sim-steady\s+simulated\s+\S+\s+\S+\s+isolated/);
    } finally {
      await gateway.close();
    }
  });

  it('shows an unreachable gateway as a line and keeps watching (appending when not a terminal)', async () => {
    const url = await closedPortURL();
    const frames: string[] = [];
    const stop = new AbortController();
    await watchStatus({
      render: async () => renderStatus(await readStatus(url, undefined), false),
      intervalMs: 500,
      write: (text) => frames.push(text),
      terminal: false,
      signal: stop.signal,
      wait: async () => {
        if (frames.length === 2) stop.abort();
      },
    });
    expect(frames).toHaveLength(2);
    expect(frames[0]).toContain('cannot reach the gateway at');
    expect(frames[0]).not.toContain('\x1b[');
    expect(frames[0]).toMatch(/^every 0\.5s · \d\d:\d\d:\d\d/);
  });
});
