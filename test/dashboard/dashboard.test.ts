/**
 * The dashboard in a real browser (Chromium via playwright-core) against a real gateway and the chaos
 * upstream on loopback: sign-in and refusal, scope-dependent controls, a failing model seen live, a flag
 * toggled through the page, keyboard navigation and accessible names, and screenshots of every view.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generateOperatorKey } from '../../src/consensus/authorisation.js';
import { runRound } from '../../src/consensus/round-runner.js';
import { makeRules } from '../../src/consensus/rules.js';
import type { Outcome } from '../../src/core/outcome.js';
import type { RunningGateway } from '../../src/gateway/index.js';
import { PROPOSALS } from '../consensus/fixtures.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import {
  chat,
  dashboardGateway,
  KEYS,
  launchChromium,
  screenshot,
  signIn,
  watchProblems,
} from './browser.js';

const chaos = useChaosUpstream();
let browser: Browser;
let gw: RunningGateway;
let context: BrowserContext | undefined;

beforeAll(async () => {
  browser = await launchChromium();
  gw = await dashboardGateway(chaos.openaiBaseURL);
});
afterEach(async () => {
  await context?.close();
  context = undefined;
});
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});

async function newPage(): Promise<{ page: Page; problems: string[] }> {
  context = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  return { page, problems: watchProblems(page) };
}

describe('the dashboard', { timeout: 90_000 }, () => {
  it('refuses a wrong key and keeps no key anywhere', async () => {
    const { page, problems } = await newPage();
    await page.goto(`${gw.url}/dashboard`);
    await screenshot(page, '0-sign-in');
    await page.getByLabel('Admin key').fill('not-a-real-key-0000');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.locator('#sign-in-error').textContent()).toBe('That key was refused.');
    expect(await page.locator('#app').isHidden()).toBe(true);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect(page.url()).toBe(`${gw.url}/dashboard`);
    // the 401 the page got is the only console error
    expect(problems.filter((p) => !p.includes('401'))).toEqual([]);
  });

  it('signs in with a read key: everything shown, nothing changeable, the key only in sessionStorage', async () => {
    const { page, problems } = await newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await signIn(page, gw.url, KEYS.read);
    const loadMs = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      return nav.loadEventEnd - nav.startTime;
    });
    console.log(`dashboard page load on loopback: ${loadMs.toFixed(0)} ms`);
    expect(page.url()).not.toContain(KEYS.read);
    // works offline: nothing is fetched from anywhere but the gateway, and no URL carries the key
    expect(requested.length).toBeGreaterThan(5);
    expect(requested.filter((u) => !u.startsWith(`${gw.url}/`) && !u.startsWith('data:'))).toEqual([]);
    expect(requested.filter((u) => u.includes(KEYS.read))).toEqual([]);
    expect(await page.evaluate(() => sessionStorage.getItem('hive.adminKey'))).toBe(KEYS.read);
    await expect.poll(() => page.locator('#who').textContent()).toBe('viewerread');
    expect(await page.locator('#models tr[data-model]').count()).toBe(3);
    expect(await page.getByRole('button', { name: /^(Isolate|Release) / }).count()).toBe(0);
    await page.getByRole('tab', { name: 'Feature flags' }).click();
    const fallbackSwitch = page.getByRole('switch', { name: 'fallback on' });
    await fallbackSwitch.waitFor();
    expect(await fallbackSwitch.isDisabled()).toBe(true);
    await screenshot(page, '5-flags-read-only');
    // and the API refuses the read key even if the page were bypassed
    const status = await page.evaluate(async (key) => {
      const res = await fetch('/admin/v1/flags/fallback', {
        method: 'PUT',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ mode: 'off' }),
      });
      return res.status;
    }, KEYS.read);
    expect(status).toBe(403);
    expect(
      (
        await (
          await fetch(`${gw.url}/admin/v1/flags`, { headers: { authorization: `Bearer ${KEYS.read}` } })
        ).json()
      ).flags.fallback,
    ).toEqual({ mode: 'on' });
    expect(problems.filter((p) => !p.includes('403'))).toEqual([]);
  });

  it('toggles a flag with an operate key after a confirmation, and the gateway behaves differently', async () => {
    chaos.upstream.setFaults({ flagged: 'unavailable' });
    expect(await chat(gw.url, 'flagged')).toEqual({ status: 200, servedBy: 'backup' });
    const { page, problems } = await newPage();
    await signIn(page, gw.url, KEYS.operate);
    await page.getByRole('tab', { name: 'Feature flags' }).click();
    await page.getByRole('switch', { name: 'fallback on' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('audited as admin:operator');
    await screenshot(page, '4-flags-confirm');
    await page.getByRole('button', { name: 'Turn off' }).click();
    await page.getByRole('switch', { name: 'fallback off' }).waitFor();
    await screenshot(page, '4-flags-operate');
    // behaviour: without fallback the failing model's error reaches the client
    const off = await chat(gw.url, 'flagged');
    expect(off.status).toBeGreaterThanOrEqual(500);
    expect(off.servedBy).not.toBe('backup');
    const audit = gw.audit.query({ type: 'flag.changed', order: 'desc', limit: 1 });
    expect(audit[0]).toMatchObject({
      actor: 'admin:operator',
      data: { feature: 'fallback', from: 'on', to: 'off' },
    });
    // and back: the override is reset to the configured mode
    await page.getByRole('button', { name: 'Reset fallback to its configured mode' }).click();
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    await page.getByRole('switch', { name: 'fallback on' }).waitFor();
    expect(await chat(gw.url, 'flagged')).toEqual({ status: 200, servedBy: 'backup' });
    chaos.upstream.clearFaults();
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('shows a failing model as failed with its breaker open within 2 s', async () => {
    const { page, problems } = await newPage();
    await signIn(page, gw.url, KEYS.admin);
    await page.locator('#conn.live').waitFor();
    const row = page.locator('tr[data-model="primary"]');
    await expect.poll(() => row.getAttribute('data-breaker')).toBe('closed');
    const started = Date.now();
    chaos.upstream.setFaults({ primary: 'unavailable' });
    for (let i = 0; i < 4; i++) expect((await chat(gw.url, 'primary')).servedBy).toBe('backup');
    await page.locator('tr[data-model="primary"][data-status="failed"][data-breaker="open"]').waitFor({
      timeout: Math.max(1, 2_000 - (Date.now() - started)),
    });
    console.log(`failing model shown failed/open after ${Date.now() - started} ms`);
    await page.waitForTimeout(1_200); // let the per-second figures catch up for the screenshot
    await screenshot(page, '1-models');
    await page.getByRole('tab', { name: 'Breakers & fallbacks' }).click();
    await page.locator('.lane', { hasText: 'primary' }).waitFor();
    await page.locator('#fallbacks li[data-request]').first().waitFor();
    expect(await page.locator('#fallbacks').textContent()).toContain('primary');
    await screenshot(page, '2-breakers-fallbacks');
    await page.getByRole('tab', { name: 'Alerts & audit' }).click();
    await page.locator('#alerts li', { hasText: 'primary' }).first().waitFor();
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect.poll(() => page.locator('#audit-verdict').textContent()).toMatch(/^Chain OK: \d+ records/);
    await page.locator('#audit tr').first().waitFor();
    await screenshot(page, '3-alerts-audit');
    chaos.upstream.clearFaults();
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('shows a voting round running in the gateway: voters, quorum, deadline, emergency state', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const vote = (model: string) =>
      JSON.stringify({
        minute_id: '0042',
        model,
        timestamp: '2026-01-01T00:00:00Z',
        weights: PROPOSALS.map((p) => ({ proposal_id: `P${p.id}`, weight: 8, comment: 'ok' })),
      });
    const backend = {
      ask: async (model: string, _m: unknown, signal: AbortSignal): Promise<Outcome<string>> => {
        if (model !== 'backup') return { ok: true, value: vote(model) };
        await Promise.race([held, new Promise((r) => signal.addEventListener('abort', r, { once: true }))]);
        return { ok: false, kind: 'transient', error: new Error('voter held') };
      },
    };
    const voters = ['primary', 'flagged', 'backup'].map((id) => ({
      id,
      tier: 'general',
      capabilities: ['voting'],
    }));
    const round = runRound(
      gw.rounds.track({
        minutesDir: mkdtempSync(join(tmpdir(), 'hive-dash-round-')),
        minuteId: '0042',
        proposals: PROPOSALS,
        voters,
        rules: makeRules({ quorum: { minVotes: 3, mode: 'all' } }),
        backend,
        deadlineMs: 120_000,
        perVoterDeadlineMs: 120_000,
        maxAttempts: 1,
        emergency: {
          enabled: true,
          operatorKeys: ['op-a', 'op-b'].map((n) => {
            const { name, publicKey } = generateOperatorKey(n);
            return { name, publicKey };
          }),
          threshold: 2,
        },
      }),
    );
    const { page, problems } = await newPage();
    await signIn(page, gw.url, KEYS.read);
    await page.getByRole('tab', { name: 'Voting rounds' }).click();
    const card = page.locator('article.round', { hasText: 'Minute 0042' });
    await card.waitFor();
    await expect
      .poll(() => card.locator('.voters').textContent())
      .toMatch(/primary.*voted.*flagged.*voted.*backup.*asking/);
    expect(await card.getByRole('progressbar').getAttribute('aria-label')).toContain('2 vote(s)');
    expect(await card.getByRole('timer').textContent()).toMatch(/^deadline in \d+ s$/);
    await screenshot(page, '6-rounds');
    release();
    const outcome = await round;
    expect(outcome.status).toBe('emergency_pending');
    await expect.poll(() => card.locator('.badge').first().textContent()).toBe('emergency pending');
    expect(await card.locator('.emergency').textContent()).toContain('1 voter(s) failed (backup)');
    await screenshot(page, '6-rounds-emergency');
    expect(problems, problems.join('\n')).toEqual([]);
  });

  it('is usable from the keyboard and names every control', async () => {
    const { page } = await newPage();
    await page.goto(`${gw.url}/dashboard`);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('key');
    await page.keyboard.type(KEYS.operate);
    await page.keyboard.press('Enter');
    await page.locator('#models tr[data-model]').first().waitFor();
    const tab = page.getByRole('tab', { name: 'Models' });
    await tab.focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-breakers');
    expect(await page.locator('#view-breakers').isVisible()).toBe(true);
    await page.keyboard.press('End');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-rounds');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowLeft');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('tab-rounds');
    await page.keyboard.press('ArrowRight');
    // Tab leaves the tab list for the first control of the Models view: an Isolate button
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(
      /^Isolate /,
    );
    // a confirmation dialog opens on Enter, Escape cancels it and focus returns
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toMatch(
      /^Isolate /,
    );
    expect(gw.audit.query({ type: 'admin.action' }).filter((r) => r.reason.includes('isolate'))).toEqual([]);
    // confirmed, the isolation happens, is shown, audited, and released the same way
    const isolate = page.getByRole('button', { name: 'Isolate backup' });
    await isolate.click();
    await page.getByRole('dialog').getByRole('button', { name: 'Isolate' }).click();
    await page.locator('tr[data-model="backup"][data-breaker="isolated"]').waitFor();
    expect(gw.audit.query({ type: 'admin.action', order: 'desc', limit: 1 })[0]).toMatchObject({
      actor: 'admin:operator',
      data: { action: 'breaker.isolate', target: 'backup' },
    });
    await page.getByRole('button', { name: 'Release backup' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Release' }).click();
    await page.locator('tr[data-model="backup"][data-breaker="closed"]').waitFor();
    // every control in every view has an accessible name
    for (const name of [
      'Models',
      'Breakers & fallbacks',
      'Alerts & audit',
      'Feature flags',
      'Voting rounds',
    ]) {
      await page.getByRole('tab', { name }).click();
      await page.waitForTimeout(100);
      const unnamed = await page.evaluate(() =>
        Array.from(
          document.querySelectorAll('button, input, [role="switch"], [role="tab"], [role="progressbar"]'),
        )
          .filter((e) => (e as HTMLElement).offsetParent !== null)
          .filter((e) => {
            const label = e.getAttribute('aria-label') ?? '';
            const labelled = (e as HTMLInputElement).labels?.[0]?.textContent ?? '';
            return `${label}${labelled}${e.textContent ?? ''}`.trim() === '';
          })
          .map((e) => e.outerHTML.slice(0, 80)),
      );
      expect(unnamed).toEqual([]);
    }
    // signing out forgets the key
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin key').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    expect(await page.locator('#app').isHidden()).toBe(true);
  });
});
