import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FileNonceStore } from '../../src/consensus/nonce-store.js';
import {
  acquireStateLock,
  LockBusyError,
  type LockTakeover,
  STALE_LOCK_AFTER_MS,
} from '../../src/consensus/state-lock.js';

const fixture = fileURLToPath(new URL('./fixtures/hold-nonce-lock.ts', import.meta.url));
const dirs: string[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function stateDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hive-state-lock-'));
  dirs.push(dir);
  return dir;
}

/** Starts a child that takes the store's lock; resolves once it holds it. */
async function holder(dir: string): Promise<{ child: ChildProcess; exited: Promise<NodeJS.Signals | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, dir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_c, signal) => resolve(signal)),
  );
  let out = '';
  let err = '';
  child.stderr?.on('data', (b: Buffer) => {
    err += b.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`holder exited (${code}) before taking the lock: ${err}`)));
  });
  expect(out).toBe(`held ${child.pid}\n`);
  return { child, exited };
}

/** Sets a file's mtime `ms` into the past. */
async function age(path: string, ms: number): Promise<void> {
  const t = new Date(Date.now() - ms);
  await utimes(path, t, t);
}

describe('the used-nonce lock of a state directory', () => {
  it('refuses while a live process holds it, and is taken over once that process is killed', async () => {
    const dir = await stateDir();
    const store = new FileNonceStore(dir);
    const lockPath = `${store.path}.lock`;
    const { child, exited } = await holder(dir);

    const busy = store.lock();
    await expect(busy).rejects.toBeInstanceOf(LockBusyError);
    await expect(busy).rejects.toThrow(`${lockPath} is held by pid ${child.pid} on ${hostname()} since `);
    // an old lock of a live owner on this host is still refused: only a dead owner loses it
    await age(lockPath, STALE_LOCK_AFTER_MS * 2);
    await expect(store.lock()).rejects.toThrow(/another authorisation is running/);

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const takeovers: LockTakeover[] = [];
    const release = await store.lock((t) => takeovers.push(t));
    expect(takeovers).toEqual([
      {
        path: lockPath,
        previous: expect.objectContaining({ pid: child.pid, host: hostname() }),
        reason: `its owner pid ${child.pid} is no longer running`,
      },
    ]);
    expect(JSON.parse(await readFile(lockPath, 'utf8'))).toMatchObject({
      pid: process.pid,
      host: hostname(),
    });
    await expect(store.lock()).rejects.toThrow(`held by pid ${process.pid}`);
    await release();
    expect(await readdir(dir)).toEqual([]);
  }, 30_000);

  it('takes over a lock of another host only after the stated bound, and an unreadable one likewise', async () => {
    const dir = await stateDir();
    const lockPath = join(dir, 'x.lock');
    const other = {
      pid: 4242,
      host: `not-${hostname()}`,
      started_at: '2026-01-01T00:00:00.000Z',
      token: 't',
    };
    await writeFile(lockPath, JSON.stringify(other));
    await expect(acquireStateLock(lockPath)).rejects.toThrow(`held by pid 4242 on not-${hostname()}`);
    await age(lockPath, STALE_LOCK_AFTER_MS + 60_000);
    const seen: LockTakeover[] = [];
    const release = await acquireStateLock(lockPath, { onTakeover: (t) => seen.push(t) });
    expect(seen.map((t) => [t.previous?.pid, t.reason])).toEqual([
      [4242, expect.stringMatching(/^owner on another host, \d+ s old, bound 600 s$/)],
    ]);
    await release();

    for (const junk of ['', '{"pid":-1,"host":"h","started_at":"x","token":"t"}', 'not json']) {
      await writeFile(lockPath, junk);
      await expect(acquireStateLock(lockPath)).rejects.toThrow(
        `${lockPath} is held by an unreadable owner record`,
      );
      await age(lockPath, 5_000);
      const r = await acquireStateLock(lockPath, { staleAfterMs: 1_000, onTakeover: (t) => seen.push(t) });
      expect(seen.at(-1)).toEqual({
        path: lockPath,
        reason: expect.stringMatching(/^unreadable owner record/),
      });
      await r();
    }
  });

  it('takes over a lock of this host taken before the last reboot', async () => {
    const bootId = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').catch(() => '');
    if (!bootId) return; // not Linux: no boot id is recorded
    const dir = await stateDir();
    const lockPath = join(dir, 'x.lock');
    const before = {
      pid: process.pid,
      host: hostname(),
      boot_id: 'a-previous-boot',
      started_at: 'x',
      token: 't',
    };
    await writeFile(lockPath, JSON.stringify(before));
    const seen: LockTakeover[] = [];
    const release = await acquireStateLock(lockPath, { onTakeover: (t) => seen.push(t) });
    expect(seen.map((t) => t.reason)).toEqual(['this host rebooted since it was taken']);
    await release();
  });

  it('a release removes only its own lock', async () => {
    const dir = await stateDir();
    const lockPath = join(dir, 'x.lock');
    const release = await acquireStateLock(lockPath);
    const successor = JSON.stringify({ pid: 1, host: hostname(), started_at: 'x', token: 'other' });
    await writeFile(lockPath, successor);
    await release();
    expect(await readFile(lockPath, 'utf8')).toBe(successor);
  });

  it('of 16 acquisitions taking over the same stale lock at once (file calls overlap on the thread pool), exactly one gets it', async () => {
    const root = await stateDir();
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const stale = JSON.stringify({ pid: dead, host: hostname(), started_at: 'x', token: 'dead' });
    const outcomes: number[] = [];
    for (let round = 0; round < 200; round++) {
      const dir = join(root, String(round));
      await mkdir(dir);
      const lockPath = join(dir, 'x.lock');
      await writeFile(lockPath, stale);
      const takeovers: LockTakeover[] = [];
      const all = await Promise.allSettled(
        Array.from({ length: 16 }, () =>
          acquireStateLock(lockPath, { onTakeover: (t) => takeovers.push(t) }),
        ),
      );
      for (const r of all) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(LockBusyError);
      outcomes.push(all.filter((r) => r.status === 'fulfilled').length * 10 + takeovers.length);
    }
    expect(new Set(outcomes)).toEqual(new Set([11])); // one holder, one takeover, every round
  }, 120_000);

  it('a takeover guard left by a process killed mid-takeover is itself taken over', async () => {
    const dir = await stateDir();
    const lockPath = join(dir, 'x.lock');
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const stale = JSON.stringify({ pid: dead, host: hostname(), started_at: 'x', token: 'dead' });
    await writeFile(lockPath, stale);
    const digest = createHash('sha256').update(stale).digest('hex').slice(0, 16);
    await writeFile(
      `${lockPath}.takeover-${digest}`,
      JSON.stringify({ pid: dead, host: hostname(), started_at: 'y', token: 'g' }),
    );
    const seen: LockTakeover[] = [];
    const release = await acquireStateLock(lockPath, { onTakeover: (t) => seen.push(t) });
    expect(seen.map((t) => t.previous?.token)).toEqual(['dead']);
    expect(await readdir(dir)).toEqual(['x.lock']);
    await release();
    expect(await readdir(dir)).toEqual([]);
  });
});
