/**
 * Starts a real redis-server (the Debian package) on a free loopback port for a test file, and stops it
 * afterwards. No mock: the shared-state tests talk to Redis itself. Missing redis-server fails the test
 * with a message saying how to install it (run scripts/setup.sh).
 */
import { afterAll, beforeAll } from 'vitest';
import { type RedisServer, startRedisServer } from './redis-process.js';

export type { RedisServer } from './redis-process.js';

/** Starts a redis-server in `beforeAll` and stops it in `afterAll`; read `.server` inside tests. */
export function useRedisServer(): { readonly server: RedisServer } {
  let running: RedisServer | undefined;
  beforeAll(async () => {
    running = await startRedisServer();
  });
  afterAll(async () => {
    await running?.stop();
    running = undefined;
  });
  return {
    get server(): RedisServer {
      if (!running) throw new Error('redis-server is not running (use it inside a test)');
      return running;
    },
  };
}
