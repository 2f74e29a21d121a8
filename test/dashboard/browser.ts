/**
 * Browser-test helpers: Debian's Chromium driven by playwright-core, a gateway over the chaos upstream
 * with one admin key per scope, and screenshots saved under `.test-results/screenshots` (git-ignored).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { stringify } from 'yaml';
import { type RunningGateway, startGateway } from '../../src/gateway/index.js';
import { tempDir } from '../gateway/gateway-fixtures.js';

export const KEYS = {
  read: 'dash-read-key-0123456789',
  operate: 'dash-operate-key-0123456789',
  admin: 'dash-admin-key-0123456789',
} as const;

export const SCREENSHOTS = join(process.cwd(), '.test-results', 'screenshots');

/** Launches headless Chromium (the Debian package the setup script installs). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
}

/** Starts a gateway whose models `primary`, `flagged` (both falling back to `backup`) live at `baseURL`. */
export function dashboardGateway(baseURL: string): Promise<RunningGateway> {
  const model = (more: Record<string, unknown> = {}) => ({
    provider: 'openai',
    baseURL,
    apiKey: 'sk-upstream-secret-9999',
    capabilities: ['streaming', 'json', 'voting'],
    contextWindow: 8000,
    maxRetries: 0,
    timeout: '5s',
    circuitBreakerThreshold: 3,
    tier: 'general',
    ...more,
  });
  const config = {
    models: {
      primary: model({ fallbacks: ['backup'] }),
      flagged: model({ fallbacks: ['backup'], circuitBreakerThreshold: 50 }),
      backup: model(),
    },
    resilience: {
      healthCheckInterval: '1h',
      retry: { baseDelay: '5ms', maxDelay: '20ms', throttledBaseDelay: '5ms' },
      breaker: { openDuration: '60s', maxOpenDuration: '120s' },
    },
    health: { failureThreshold: 3 },
    server: { accessLog: false, logLevel: 'silent' },
    security: {
      adminKeys: [
        { name: 'viewer', key: KEYS.read, scope: 'read' },
        { name: 'operator', key: KEYS.operate, scope: 'operate' },
        { name: 'root', key: KEYS.admin, scope: 'admin' },
      ],
    },
  };
  const dir = tempDir('hive-dashboard-');
  const path = join(dir, 'hive.yaml');
  writeFileSync(path, stringify(config));
  return startGateway({ configPath: path, port: 0, dataDir: ':memory:', logger: false, probes: false });
}

/** Collects page errors and CSP violations (the page must have none). */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  return problems;
}

/** Saves a full-page screenshot as `<name>.png`. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Signs in through the form and waits for the model table. */
export async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(`${url}/dashboard`);
  await page.getByLabel('Admin key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#models tr[data-model]').first().waitFor({ timeout: 5_000 });
}

/** One chat completion through the gateway; returns the status and the serving model. */
export async function chat(url: string, model: string): Promise<{ status: number; servedBy: string | null }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
  });
  await res.arrayBuffer();
  return { status: res.status, servedBy: res.headers.get('x-hive-model') };
}
