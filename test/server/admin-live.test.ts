import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventEmitter } from '../../src/core/event-emitter.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { createGatewayServer } from '../../src/server/app.js';
import type { AlertNoticeView, LiveSources, RoundView } from '../../src/server/live-sources.js';
import { DASHBOARD_CSP } from '../../src/server/routes/dashboard.js';
import { gatewaySettings } from '../../src/server/settings.js';
import { FakeAudit, FakeBackend } from './fake-backend.js';
import { type Harness, harness, KEYS, SECURED } from './helpers.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.app.close();
  h = undefined;
});

const reader = { authorization: `Bearer ${KEYS.read}` };
const op = { authorization: `Bearer ${KEYS.operate}` };

const notice: AlertNoticeView = {
  kind: 'firing',
  at: 5,
  alert: {
    key: 'breakerOpened:gpt-a',
    id: 'a1',
    rule: 'breakerOpened',
    subject: 'gpt-a',
    severity: 'warning',
    status: 'firing',
    escalated: false,
    summary: 'breaker of gpt-a opened',
    firedAt: 5,
    lastSeenAt: 5,
    occurrences: 1,
  },
};

const round: RoundView = {
  roundId: 'r1',
  minuteId: '0001',
  state: 'running',
  startedAt: 1,
  deadlineAt: 60_001,
  extension: 0,
  voters: [{ id: 'gpt-a', role: 'voter', status: 'asking', attempt: 1, general: true }],
  votes: 0,
  generalVotes: 0,
  generalSeats: 1,
  quorum: { minVotes: 1, minGeneralFraction: null, mode: 'all', met: false },
  emergency: null,
  updatedAt: 2,
};

async function withSources() {
  const alerts = new EventEmitter<AlertNoticeView>();
  const rounds = new EventEmitter<RoundView>();
  const sources: LiveSources = {
    timeline: {
      intervalMs: 10_000,
      points: () => [{ at: 0, requests: 3, failed: 1, fallbacks: 1, p50Ms: 12, p95Ms: 40 }],
    },
    alerts: { active: () => [notice.alert], history: () => [notice], onNotice: (l) => alerts.on(l) },
    rounds: { list: () => [round], onUpdate: (l) => rounds.on(l) },
  };
  const clock = new FakeClock();
  const app = await createGatewayServer({
    backend: new FakeBackend(),
    settings: gatewaySettings(SECURED),
    audit: new FakeAudit(),
    clock,
    logger: false,
    sources,
  });
  return { app, alerts, rounds };
}

/** Opens the event stream with `query`, collecting its text. */
async function openEvents(port: number, query: string) {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: `/admin/v1/events${query}`, headers: reader },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
  const state = { text: '' };
  res.on('data', (b: Buffer) => {
    state.text += b.toString('utf8');
  });
  const waitFor = async (needle: string) => {
    for (let i = 0; i < 200 && !state.text.includes(needle); i++) await new Promise((r) => setTimeout(r, 10));
    expect(state.text).toContain(needle);
  };
  return { res, state, waitFor };
}

describe('admin routes for operators’ screens', () => {
  it('names the presented key and its scope', async () => {
    h = await harness();
    const res = await h.app.inject({ url: '/admin/v1/session', headers: op });
    expect(res.json()).toEqual({ name: 'operator', scope: 'operate' });
    expect((await h.app.inject({ url: '/admin/v1/session' })).statusCode).toBe(401);
  });

  it('answers empty lists when the composition root gave no sources', async () => {
    h = await harness();
    expect((await h.app.inject({ url: '/admin/v1/timeline', headers: reader })).json()).toEqual({
      configured: false,
      intervalMs: null,
      points: [],
    });
    expect((await h.app.inject({ url: '/admin/v1/alerts', headers: reader })).json()).toEqual({
      configured: false,
      active: [],
      recent: [],
    });
    expect((await h.app.inject({ url: '/admin/v1/rounds', headers: reader })).json()).toEqual({
      configured: false,
      rounds: [],
    });
  });

  it('serves the sources and forwards alert notices and round updates to the event stream', async () => {
    const s = await withSources();
    try {
      expect((await s.app.inject({ url: '/admin/v1/timeline', headers: reader })).json()).toMatchObject({
        configured: true,
        intervalMs: 10_000,
        points: [{ requests: 3, failed: 1, p95Ms: 40 }],
      });
      expect((await s.app.inject({ url: '/admin/v1/alerts', headers: reader })).json()).toMatchObject({
        active: [{ rule: 'breakerOpened', subject: 'gpt-a' }],
        recent: [{ kind: 'firing' }],
      });
      expect((await s.app.inject({ url: '/admin/v1/rounds', headers: reader })).json().rounds).toEqual([
        round,
      ]);
      await s.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = s.app.server.address() as AddressInfo;
      const sse = await openEvents(port, '');
      await sse.waitFor(': connected');
      s.alerts.emit(notice);
      s.rounds.emit({ ...round, state: 'finalised' });
      await sse.waitFor('"round.updated"');
      expect(sse.state.text).toContain('"type":"alert.notified","kind":"firing"');
      expect(sse.state.text).toContain('"state":"finalised"');
      sse.res.destroy();
    } finally {
      await s.app.close();
    }
    expect(s.alerts.hasListeners).toBe(false);
    expect(s.rounds.hasListeners).toBe(false);
  });

  it('keeps only the event types a ?types= filter lists', async () => {
    h = await harness();
    await h.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = h.app.server.address() as AddressInfo;
    const sse = await openEvents(port, '?types=breaker.state_changed,flag.changed');
    await sse.waitFor(': connected');
    const completed = {
      type: 'request.completed' as const,
      requestId: 'r',
      target: 'gpt-a',
      model: 'gpt-a',
      outcome: 'success' as const,
      attempts: 1,
      fallback: false,
      stream: false,
      latencyMs: 3,
      ttftMs: undefined,
      at: 1,
    };
    h.backend.emitter.emit(completed);
    h.backend.emitter.emit({
      type: 'breaker.state_changed',
      model: 'gpt-a',
      from: 'closed',
      to: 'open',
      reason: 'x',
      at: 2,
    });
    await sse.waitFor('"breaker.state_changed"');
    expect(sse.state.text).not.toContain('request.completed');
    expect(sse.state.text).toMatch(/id: 1\ndata: \{"type":"breaker.state_changed"/);
    sse.res.destroy();
  });

  it('lets an operate key set and clear a flag, and refuses a read key', async () => {
    h = await harness();
    const put = (headers: Record<string, string>) =>
      h!.app.inject({ method: 'PUT', url: '/admin/v1/flags/fallback', headers, payload: { mode: 'off' } });
    expect((await put(reader)).statusCode).toBe(403);
    expect((await put(op)).json()).toMatchObject({ feature: 'fallback', from: 'on', to: 'off' });
    expect(h.audit.records.at(-1)).toMatchObject({ type: 'flag.changed', actor: 'admin:operator' });
    const del = await h.app.inject({ method: 'DELETE', url: '/admin/v1/flags/fallback', headers: op });
    expect(del.json()).toMatchObject({ cleared: true, to: 'on' });
  });
});

describe('GET /dashboard', () => {
  it('serves the page and its files with a strict Content-Security-Policy, no key needed', async () => {
    h = await harness();
    for (const url of ['/dashboard', '/dashboard/']) {
      const page = await h.app.inject({ url });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toBe(DASHBOARD_CSP);
      expect(page.headers['x-frame-options']).toBe('DENY');
      expect(page.body).toContain('<script type="module" src="/dashboard/app.js"></script>');
      expect(page.body).not.toMatch(/<script>|<style|\sstyle="|\son[a-z]+="/i);
    }
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toContain('unsafe');
    const js = await h.app.inject({ url: '/dashboard/app.js' });
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const uplot = await h.app.inject({ url: '/dashboard/vendor/uPlot.esm.js' });
    expect(uplot.statusCode).toBe(200);
    expect(uplot.body).toContain('uPlot');
    const again = await h.app.inject({
      url: '/dashboard/app.js',
      headers: { 'if-none-match': js.headers.etag },
    });
    expect(again.statusCode).toBe(304);
  });

  it('answers 404 for a file it does not ship, including path tricks', async () => {
    h = await harness();
    for (const url of [
      '/dashboard/nope.js',
      '/dashboard/../package.json',
      '/dashboard/%2e%2e/package.json',
    ]) {
      const res = await h.app.inject({ url });
      expect(res.statusCode).toBe(404);
      expect(res.body).not.toContain('"name": "hive-resilience"');
    }
  });
});
