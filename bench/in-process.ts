/**
 * The servers the benchmarks run in their own process (not as children): our gateway with the bench's
 * settings, and the yardstick's app (bench/fixtures/minimal-proxy-app.mjs).
 * @packageDocumentation
 */
import { type RunningGateway, startGateway } from '../src/gateway/start-gateway.js';
import { createMinimalProxy } from './fixtures/minimal-proxy-app.mjs';

/** Our gateway in this process on a free loopback port: no logger, probes off, in-memory audit. */
export function startInProcessGateway(configPath: string): Promise<RunningGateway> {
  return startGateway({
    configPath,
    host: '127.0.0.1',
    port: 0,
    dataDir: ':memory:',
    logger: false,
    probes: false,
  });
}

/** The yardstick (the bare Fastify + undici proxy to `origin`) in this process on a free loopback port. */
export async function startInProcessYardstick(
  origin: string,
): Promise<{ url: string; close(): Promise<void> }> {
  const { app, close } = createMinimalProxy(origin);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close };
}
