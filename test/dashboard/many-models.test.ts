/**
 * 36 models whose figures change every second: the page keeps one row per model (rows are never rebuilt),
 * touches only the cells whose text changed, and nothing else in the document. Frame gaps and long tasks
 * are measured and printed (they depend on the machine, so they are reported, not asserted).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { type RunningGateway, startGateway } from '../../src/gateway/index.js';
import { tempDir } from '../gateway/gateway-fixtures.js';
import { chat, KEYS, launchChromium, screenshot, signIn, watchProblems } from './browser.js';

const MODELS = Array.from({ length: 36 }, (_, i) => `model-${String(i + 1).padStart(2, '0')}`);
let browser: Browser;
let gw: RunningGateway;

beforeAll(async () => {
  const models: Record<string, unknown> = {};
  MODELS.forEach((id, i) => {
    models[id] = {
      provider: 'simulated',
      capabilities: ['json'],
      maxRetries: 0,
      simulated: { latencyMs: 1 + (i % 7), failureRate: i % 9 === 0 ? 0.4 : 0, seed: i + 1 },
    };
  });
  const path = join(tempDir('hive-dashboard-36-'), 'hive.yaml');
  writeFileSync(
    path,
    stringify({
      models,
      resilience: { healthCheckInterval: '1h' },
      server: { accessLog: false, logLevel: 'silent' },
      security: { adminKeys: [{ name: 'viewer', key: KEYS.read, scope: 'read' }] },
    }),
  );
  gw = await startGateway({ configPath: path, port: 0, dataDir: ':memory:', logger: false, probes: false });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

describe('the dashboard with 36 models updating every second', { timeout: 90_000 }, () => {
  it('updates rows in place, only the cells that changed', async () => {
    const context = await browser.newContext({ viewport: { width: 1360, height: 1400 } });
    try {
      const page = await context.newPage();
      const problems = watchProblems(page);
      await signIn(page, gw.url, KEYS.read);
      await expect.poll(() => page.locator('#models tr[data-model]').count()).toBe(36);
      await page.evaluate(() => {
        const w = window as unknown as Record<string, unknown>;
        const rows = Array.from(document.querySelectorAll('#models tr'));
        w.__rows = rows;
        const log = { cells: 0, other: 0, frames: 0, maxGap: 0, longTasks: 0, longTaskMs: 0 };
        w.__log = log;
        new MutationObserver((list) => {
          for (const m of list) {
            const target = m.target instanceof Element ? m.target : m.target.parentElement;
            if (target?.closest('#models td, #models th')) log.cells++;
            else if (
              !target?.closest(
                '#toast, #conn, .chart, #breaker-timeline, #fallbacks, #audit, #alerts, #flags, #rounds',
              )
            )
              log.other++;
          }
        }).observe(document.body, { subtree: true, childList: true, characterData: true });
        let last = performance.now();
        const frame = (t: number) => {
          log.frames++;
          log.maxGap = Math.max(log.maxGap, t - last);
          last = t;
          requestAnimationFrame(frame);
        };
        requestAnimationFrame(frame);
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) {
            log.longTasks++;
            log.longTaskMs += e.duration;
          }
        }).observe({ type: 'longtask' });
      });
      // traffic to every model for a few seconds, so every row's figures move
      const until = Date.now() + 4_000;
      const worker = async (k: number) => {
        for (let i = k; Date.now() < until; i += 6) await chat(gw.url, MODELS[i % MODELS.length]!);
      };
      await Promise.all([0, 1, 2, 3, 4, 5].map(worker));
      await page.waitForTimeout(1_500);
      const log = await page.evaluate(() => {
        const w = window as unknown as Record<string, unknown>;
        const before = w.__rows as Element[];
        const now = Array.from(document.querySelectorAll('#models tr'));
        const counts = w.__log as {
          cells: number;
          other: number;
          frames: number;
          maxGap: number;
          longTasks: number;
          longTaskMs: number;
        };
        return {
          ...counts,
          sameRows: now.length === before.length && now.every((r, i) => r === before[i]),
        };
      });
      console.log(
        `36 models: ${log.cells} cell mutations, ${log.frames} frames, max frame gap ${log.maxGap.toFixed(0)} ms, ` +
          `${log.longTasks} long tasks (${log.longTaskMs.toFixed(0)} ms)`,
      );
      expect(log.sameRows).toBe(true);
      expect(log.cells).toBeGreaterThan(36); // figures did change, live
      expect(log.other).toBe(0); // nothing outside the table's cells was rewritten
      await screenshot(page, '7-models-36');
      expect(problems, problems.join('\n')).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
