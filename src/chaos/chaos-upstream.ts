/**
 * The chaos upstream: an OpenAI-compatible (and Anthropic-compatible) fake provider with scriptable
 * faults, for integration tests and failure drills. Built on `node:http` so it can fail at the byte
 * level (cut a stream, reset a socket, stall mid-answer).
 *
 * Routes: `POST /v1/chat/completions` (also `/chat/completions`), `POST /v1/messages`,
 * `GET /v1/models` (also `/models`); control: `POST|GET|DELETE /_chaos/faults`, `GET|DELETE /_chaos/stats`.
 * @packageDocumentation
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { route } from './chaos-routes.js';
import { ChaosState, type ChaosStats, type ChaosUpstreamOptions, sendJson } from './chaos-state.js';
import type { FaultSpec } from './fault-spec.js';
import { errorBody } from './wire-format.js';

export {
  type ChaosModelStats,
  type ChaosStats,
  type ChaosUpstreamOptions,
  DEFAULT_CHAOS_ANSWER,
} from './chaos-state.js';

/** A running chaos upstream. */
export interface ChaosUpstream {
  /** `http://host:port` (for OpenAI clients use `${url}/v1` as the base URL). */
  readonly url: string;
  readonly port: number;
  /** Replaces the faults (or merges them per model with `{ merge: true }`); resets sequence counters. */
  setFaults(spec: FaultSpec, options?: { merge?: boolean }): void;
  /** Removes every fault. */
  clearFaults(): void;
  /** The current faults. */
  faults(): FaultSpec;
  /** Request counts per model. */
  stats(): ChaosStats;
  /** Zeroes the request counts. */
  resetStats(): void;
  /** Stops listening and drops every open connection (stalled streams included). */
  close(): Promise<void>;
}

/**
 * Starts a chaos upstream.
 * @throws TypeError when `faults` is invalid (the message names the bad path).
 */
export async function startChaosUpstream(options: ChaosUpstreamOptions = {}): Promise<ChaosUpstream> {
  const state = new ChaosState();
  if (options.faults) state.set(options.faults, false);
  const server: Server = createServer((req, res) => {
    route(state, options, req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, errorBody('openai', 500));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    setFaults: (spec, opts) => state.set(spec, opts?.merge === true),
    clearFaults: () => state.set({}, false),
    faults: () => state.spec,
    stats: () => structuredClone(state.stats),
    resetStats: () => {
      state.stats = { requests: 0, models: {} };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of state.timers) clearTimeout(timer);
        state.timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
