/**
 * Starts and stops a real redis-server (the Debian package) on a free loopback port, for tests and
 * benchmarks. Missing redis-server is an error saying how to install it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** A redis-server started by {@link startRedisServer}. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** Kills the server (SIGKILL: like a crash); the port stays reserved for {@link RedisServer.start}. */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: nothing is saved). */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  stop(): Promise<void>;
}

const BINARY = '/usr/bin/redis-server';

function ping(port: number): boolean {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'PONG';
}

async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts redis-server on a free 127.0.0.1 port. @throws Error when redis-server is not installed */
export async function startRedisServer(): Promise<RedisServer> {
  if (!existsSync(BINARY)) {
    throw new Error('redis-server is not installed: run scripts/setup.sh (it installs the Debian package)');
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'hive-redis-'));
  const pidfile = join(dir, 'redis.pid');
  const pid = (): number | undefined => {
    try {
      return Number(readFileSync(pidfile, 'utf8').trim()) || undefined;
    } catch {
      return undefined;
    }
  };
  const alive = (p: number): boolean => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  const start = async (): Promise<void> => {
    rmSync(pidfile, { force: true });
    execFileSync(BINARY, [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'yes',
      '--pidfile',
      pidfile,
      '--dir',
      dir,
      '--logfile',
      join(dir, 'redis.log'),
    ]);
    await waitFor(() => ping(port), `redis-server on port ${port}`);
  };
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const p = pid();
    if (p === undefined) return;
    try {
      process.kill(p, sig);
    } catch {
      return;
    }
    await waitFor(() => !alive(p), `redis-server ${p} to exit`);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill: () => signal('SIGKILL'),
    start,
    stop: async () => {
      await signal('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
