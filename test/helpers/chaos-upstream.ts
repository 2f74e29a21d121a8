/**
 * Test helpers for the chaos upstream: start one on 127.0.0.1:0 for a describe block and stop it
 * afterwards, and get the URL of a port nothing listens on.
 */
import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type ChaosUpstream, type ChaosUpstreamOptions, startChaosUpstream } from '../../src/chaos/index.js';

/** A lazily filled handle to the upstream started by {@link useChaosUpstream}. */
export interface ChaosUpstreamHandle {
  /** The running upstream (throws before `beforeAll` ran). */
  readonly upstream: ChaosUpstream;
  /** `http://127.0.0.1:port`. */
  readonly url: string;
  /** `http://127.0.0.1:port/v1` (the base URL for OpenAI-compatible clients). */
  readonly openaiBaseURL: string;
}

/**
 * Starts a chaos upstream in `beforeAll`, clears its faults and stats after each test, and closes it
 * in `afterAll`. Call at the top of a `describe` block (or file).
 */
export function useChaosUpstream(
  options: Omit<ChaosUpstreamOptions, 'host' | 'port'> = {},
): ChaosUpstreamHandle {
  let running: ChaosUpstream | undefined;
  beforeAll(async () => {
    running = await startChaosUpstream({ ...options, host: '127.0.0.1', port: 0 });
  });
  afterEach(() => {
    if (!running) return;
    if (options.faults) running.setFaults(options.faults);
    else running.clearFaults();
    running.resetStats();
  });
  afterAll(async () => {
    await running?.close();
    running = undefined;
  });
  const get = (): ChaosUpstream => {
    if (!running) throw new Error('the chaos upstream is not running (use it inside a test)');
    return running;
  };
  return {
    get upstream() {
      return get();
    },
    get url() {
      return get().url;
    },
    get openaiBaseURL() {
      return `${get().url}/v1`;
    },
  };
}

/** Runs `fn` with a chaos upstream that is closed afterwards, whatever happens. */
export async function withChaosUpstream<T>(
  options: Omit<ChaosUpstreamOptions, 'host' | 'port'>,
  fn: (upstream: ChaosUpstream) => Promise<T>,
): Promise<T> {
  const upstream = await startChaosUpstream({ ...options, host: '127.0.0.1', port: 0 });
  try {
    return await fn(upstream);
  } finally {
    await upstream.close();
  }
}

/** The URL of a loopback port that was free a moment ago and is closed now (connections are refused). */
export async function closedPortURL(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Collects every event of an async iterable. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}
