/**
 * The CLI as a user runs it: `serve` in a child process, then `status`, `audit verify`, `config validate`
 * and bad input. Every child is stopped.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../gateway/gateway-fixtures.js';

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, '../../bin/hive-resilience.js');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

describe('hive-resilience CLI', () => {
  it('serves the embedded default, answers status, and its audit log verifies', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--data-dir', dir], {
      env: { ...process.env, HIVE_ADMIN_KEY: 'cli-test-admin-key-123' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    const url = await new Promise<string>((resolveUrl, reject) => {
      let err = '';
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /gateway on (http:\/\/\S+)/.exec(err);
        if (m) resolveUrl(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'governance', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(r.status).toBe(200);
    }
    const status = await cli(['status', '--url', url, '--admin-key', 'cli-test-admin-key-123']);
    expect(status.code).toBe(0);
    expect(status.out).toMatch(/sim-flaky\s+simulated\s+(healthy|degraded|failed)/);
    expect(status.out).toContain('sim-steady');
    child.kill('SIGTERM');
    await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
    const verify = await cli(['audit', 'verify', '--data-dir', dir]);
    expect(verify.out).toContain('OK');
    expect(verify.code).toBe(0);
    // `audit show`: the newest records, oldest first, optionally of one type only.
    const all = await cli(['audit', 'show', '--data-dir', dir, '-n', '2']);
    expect(all.code).toBe(0);
    const lines = all.out.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(Number(lines[0]!.split('\t')[0])).toBeLessThan(Number(lines[1]!.split('\t')[0]));
    const typed = await cli(['audit', 'show', '--data-dir', dir, '-t', 'request.fallback', '-n', '50']);
    expect(typed.code).toBe(0);
    const types = typed.out
      .trim()
      .split('\n')
      .map((l) => l.split('\t')[2]);
    expect(types.length).toBeGreaterThan(0);
    expect(new Set(types)).toEqual(new Set(['request.fallback']));
  }, 60_000);

  it('runs the governance example from the README to a verified, finalised round', async () => {
    const dir = tempDir();
    const minutes = join(dir, '0001');
    cpSync(resolve(import.meta.dirname, '../../examples/governance/minutes/0001'), minutes, {
      recursive: true,
    });
    const config = resolve(import.meta.dirname, '../../examples/governance/hive-governance.yaml');
    const voters = 'claude-4-sonnet,gpt-5,gemini-2.5-pro,grok-4,deepseek-v3';
    const vote = await cli([
      'vote',
      minutes,
      '--config',
      config,
      '--substitute',
      '--voters',
      voters,
      '--quorum-votes',
      '4',
      '--data-dir',
      dir,
    ]);
    expect(vote.code).toBe(0);
    expect(vote.out).toMatch(/llama-4\s+voted\s+substituting for grok-4/);
    expect(vote.out).toMatch(/deepseek-v3\s+malformed/);
    expect(existsSync(join(minutes, 'votes', 'llama-4.json'))).toBe(true);
    expect(existsSync(join(minutes, 'votes', 'grok-4.json'))).toBe(false);
    const verify = await cli(['chain', 'verify', minutes]);
    expect(verify.code).toBe(0);
    expect(verify.out).toContain('OK');
  }, 60_000);

  it('names every problem of an invalid config by its path', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'models:\n  a:\n    provider: openai\n    baseURL: http://127.0.0.1:1/v1\n    timeout: soon\n    tier: captain\n',
    );
    const result = await cli(['config', 'validate', file]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('models.a.timeout: expected a duration like "30s"');
    expect(result.err).toContain('models.a.tier');
    expect(result.err).not.toMatch(/at .*\.ts:\d+/);
    const alerts = join(dir, 'alerts.yaml');
    writeFileSync(
      alerts,
      'models:\n  a:\n    provider: simulated\nalerts:\n  rules:\n    errorRate:\n      threshold: 7\n',
    );
    const bad = await cli(['config', 'validate', alerts]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('alerts.rules.errorRate.threshold');
    const serve = await cli(['serve', '--config', alerts, '--port', '0', '--data-dir', dir]);
    expect(serve.code).not.toBe(0);
    expect(serve.err).toContain('alerts.rules.errorRate.threshold');
    const audit = join(dir, 'audit.yaml');
    writeFileSync(audit, 'models:\n  a:\n    provider: simulated\naudit:\n  dataDir: ""\n  datadir: ./x\n');
    const badAudit = await cli(['config', 'validate', audit]);
    expect(badAudit.code).toBe(1);
    expect(badAudit.err).toContain('audit.dataDir: expected a directory path');
    expect(badAudit.err).toContain('audit.datadir: unknown key "datadir" (did you mean "dataDir"?)');
    const serveAudit = await cli(['serve', '--config', audit, '--port', '0', '--data-dir', dir]);
    expect(serveAudit.code).not.toBe(0);
    expect(serveAudit.err).toContain('audit.datadir: unknown key "datadir" (did you mean "dataDir"?)');
  }, 60_000);

  it('reports bad options in one line without a stack trace', async () => {
    const port = await cli(['serve', '--port', 'eighty']);
    expect(port.code).not.toBe(0);
    expect(port.err).toContain('--port: expected a port 0-65535, got "eighty"');
    const missing = await cli(['audit', 'verify', '--data-dir', '/nonexistent/dir']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no audit database at /nonexistent/dir');
    expect(missing.err).not.toMatch(/\n\s+at /);
    const unknown = await cli(['serve', '--config', '/nonexistent.yaml', '--port', '0']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.err).toContain('/nonexistent.yaml');
    expect(unknown.err).not.toMatch(/\n\s+at /);
    const fast = await cli(['status', '--watch', '--interval', '50ms']);
    expect(fast.code).not.toBe(0);
    expect(fast.err).toContain('--interval: expected at least 100ms, got "50ms"');
    const both = await cli(['status', '--watch', '--json']);
    expect(both.code).not.toBe(0);
    expect(both.err).toContain('--watch and --json cannot be combined');
  });
});
