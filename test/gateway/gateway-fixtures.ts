/**
 * Writes gateway config files for end-to-end tests (models at a chaos upstream, a known admin key).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { type RunningGateway, startGateway } from '../../src/gateway/index.js';

/** The admin key every e2e config accepts (admin scope). */
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';

/** A temp dir for one test's config and data. */
export function tempDir(prefix = 'hive-e2e-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a gateway config whose models `primary` → `backup` live at `openaiBaseURL`. */
export function writeGatewayConfig(
  dir: string,
  openaiBaseURL: string,
  extra: Record<string, unknown> = {},
): string {
  const model = (more: Record<string, unknown>) => ({
    provider: 'openai',
    baseURL: openaiBaseURL,
    apiKey: 'sk-upstream-secret-9999',
    capabilities: ['streaming', 'json', 'voting'],
    contextWindow: 8000,
    maxRetries: 1,
    timeout: '5s',
    idleTimeout: '2s',
    circuitBreakerThreshold: 5,
    ...more,
  });
  const config = {
    models: { primary: model({ fallbacks: ['backup'] }), backup: model({}) },
    resilience: {
      healthCheckInterval: '1h',
      retry: { baseDelay: '5ms', maxDelay: '20ms', throttledBaseDelay: '5ms' },
    },
    server: { accessLog: false, logLevel: 'silent' },
    security: { adminKeys: [{ name: 'ops', key: TEST_ADMIN_KEY, scope: 'admin' }] },
    ...extra,
  };
  const path = join(dir, 'hive.yaml');
  writeFileSync(path, stringify(config));
  return path;
}

/** A plain node:http upstream on 127.0.0.1 (exact bytes under the test's control). */
export interface RawUpstream {
  /** `http://127.0.0.1:<port>/v1`. */
  readonly baseURL: string;
  /** Drops open connections and stops the server. */
  close(): Promise<void>;
}

/** Starts a node:http server on a free loopback port with `handler`. */
export async function rawUpstream(handler: RequestListener): Promise<RawUpstream> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Starts a gateway (in-memory audit, no probes, no logs) over a config whose models live at `baseURL`. */
export function gatewayAt(baseURL: string, extra: Record<string, unknown> = {}): Promise<RunningGateway> {
  return startGateway({
    configPath: writeGatewayConfig(tempDir(), baseURL, extra),
    port: 0,
    dataDir: ':memory:',
    logger: false,
    probes: false,
  });
}
