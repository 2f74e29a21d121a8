/**
 * Writes gateway config files for end-to-end tests (models at a chaos upstream, a known admin key).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

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
