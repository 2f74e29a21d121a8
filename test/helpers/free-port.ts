/**
 * A free TCP port on 127.0.0.1 (bound, read and released), for a server that must be told its port up
 * front (redis-server, Portkey). Used by the tests' helpers and the benchmarks.
 */
import { createServer } from 'node:net';

/** Resolves with a port nothing listens on at the moment of the call. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
