import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAlertManager } from '../../src/alerts/alert-manager.js';
import { slackMessage } from '../../src/alerts/notifiers/slack.js';
import type { AlertNotification } from '../../src/alerts/types.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { breaker, memoryLogger } from './helpers.js';

const SECRET = 'test-webhook-secret-0123456789';

interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A receiver: `/ok` answers 204, `/hang` never answers, `/bad` answers 400, `/slack-token` answers 200. */
let server: Server;
let base = '';
const received: Received[] = [];
const hanging: ServerResponse[] = [];
let refusedUrl = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const path = (req.url ?? '').split('?')[0];
      if (path === '/hang') {
        hanging.push(res);
        return;
      }
      res.statusCode = path === '/bad' ? 400 : path?.startsWith('/slack') ? 200 : 204;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // A port with nothing listening: open one, note it, close it.
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  refusedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/hook`;
  await new Promise<void>((r) => closed.close(() => r()));
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function verify(r: Received): boolean {
  const header = String(r.headers['x-hive-signature'] ?? '');
  const expected = 'sha256=' + createHmac('sha256', SECRET).update(r.body).digest('hex');
  return header.length === expected.length && timingSafeEqual(Buffer.from(header), Buffer.from(expected));
}

function countFor(path: string): number {
  return received.filter((r) => r.path === path).length;
}

describe('webhook notifier', () => {
  it('POSTs signed JSON whose HMAC verifies and whose timestamp is signed', async () => {
    const clock = new FakeClock();
    const manager = createAlertManager({
      clock,
      logger: memoryLogger(),
      settings: { notifiers: [{ type: 'webhook', url: `${base}/ok`, secret: SECRET }] },
    });
    manager.observe(breaker('gpt-4o', 'closed', 'open'));
    await vi.waitFor(() => expect(manager.deliveryStats()[0]!.delivered).toBe(1));
    const r = received.find((x) => x.path === '/ok')!;
    expect(r.headers['content-type']).toBe('application/json');
    expect(verify(r)).toBe(true);
    expect(verify({ ...r, body: r.body.replace('gpt-4o', 'gpt-4x') })).toBe(false);
    const body = JSON.parse(r.body);
    expect(body).toMatchObject({
      version: 1,
      kind: 'firing',
      alert: { rule: 'breakerOpened', subject: 'gpt-4o' },
    });
    expect(r.headers['x-hive-timestamp']).toBe(String(body.timestamp));
    expect(r.headers['x-hive-event']).toBe('firing');
    expect(r.body).not.toContain(SECRET);
    manager.stop();
  });

  it('does not retry a 4xx answer and logs no URL or secret', async () => {
    const clock = new FakeClock();
    const logger = memoryLogger();
    const manager = createAlertManager({
      clock,
      logger,
      settings: { notifiers: [{ type: 'webhook', url: `${base}/bad?token=tok-123`, secret: SECRET }] },
    });
    manager.observe(breaker('a', 'closed', 'open'));
    await vi.waitFor(() => expect(manager.deliveryStats()[0]!.failed).toBe(1));
    expect(manager.deliveryStats()[0]!.retried).toBe(0);
    const logged = JSON.stringify(logger.lines);
    expect(logged).toContain('http 400');
    expect(logged).not.toContain('tok-123');
    expect(logged).not.toContain(SECRET);
    manager.stop();
  });
});

describe('slack notifier', () => {
  it('sends { text, blocks } with escaped mrkdwn', async () => {
    const clock = new FakeClock();
    const manager = createAlertManager({
      clock,
      logger: memoryLogger(),
      settings: { notifiers: [{ type: 'slack', url: `${base}/slack/T000/B000/xyz` }] },
    });
    manager.observe(breaker('a<b>', 'closed', 'open'));
    await vi.waitFor(() => expect(manager.deliveryStats()[0]!.delivered).toBe(1));
    const body = JSON.parse(received.find((x) => x.path.startsWith('/slack'))!.body);
    expect(body.text).toBe(':rotating_light: [WARNING] Breaker for a&lt;b&gt; opened');
    expect(body.blocks[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: body.text } });
    expect(body.blocks[1].type).toBe('context');
    expect(manager.deliveryStats()[0]!.notifier).toBe(`slack#0 (${new URL(base).host})`);
    manager.stop();
  });

  it('marks resolved and escalated messages', () => {
    const alert = {
      key: 'errorRate:m',
      id: '1',
      rule: 'errorRate',
      subject: 'm',
      severity: 'critical',
      status: 'firing',
      escalated: true,
      summary: 'Error rate for m is 60%',
      firedAt: 0,
      lastSeenAt: 0,
      occurrences: 3,
      details: { total: 30 },
    } as const;
    const esc: AlertNotification = { kind: 'escalated', alert, at: 0 };
    expect(slackMessage(esc).text).toBe(':fire: [ESCALATED CRITICAL] Error rate for m is 60%');
    expect(slackMessage({ ...esc, kind: 'resolved' }).text).toContain('[RESOLVED]');
  });
});

describe('failing notifiers never block observe()', () => {
  it('a receiver that never answers: observe stays synchronous, deliveries time out and are retried', async () => {
    const clock = new FakeClock();
    const manager = createAlertManager({
      clock,
      logger: memoryLogger(),
      settings: {
        notifiers: [{ type: 'webhook', url: `${base}/hang`, secret: SECRET, timeout: '5s' }],
        delivery: { retries: 1, backoff: '1s', queueSize: 5 },
      },
    });
    let notified = 0;
    manager.onAlert.on(() => notified++);
    for (let i = 0; i < 20; i++) manager.observe(breaker(`m${i}`, 'closed', 'open'));
    // Every notification was produced synchronously, before any I/O could happen.
    expect(notified).toBe(20);
    // Bounded: the 5 newest are kept, the 15 oldest dropped.
    expect(manager.deliveryStats()[0]).toMatchObject({ queued: 5, dropped: 15, delivered: 0 });
    await vi.waitFor(() => expect(countFor('/hang')).toBe(1));
    expect(manager.deliveryStats()[0]).toMatchObject({ inFlight: true, queued: 4 });
    expect(JSON.parse(received.find((r) => r.path === '/hang')!.body).alert.subject).toBe('m15');
    await clock.advance(5_000); // timeout → retry after 1s backoff
    expect(manager.deliveryStats()[0]).toMatchObject({ timedOut: 1, retried: 1 });
    await clock.advance(1_000);
    await vi.waitFor(() => expect(countFor('/hang')).toBe(2));
    await clock.advance(5_000); // second timeout: given up, next one starts
    expect(manager.deliveryStats()[0]).toMatchObject({ timedOut: 2, failed: 1 });
    await vi.waitFor(() => expect(countFor('/hang')).toBe(3));
    manager.stop();
    expect(clock.pendingTimers).toBe(0);
    expect(manager.deliveryStats()[0]).toMatchObject({ inFlight: false, queued: 0 });
  });

  it('a refused connection is retried with backoff, then given up', async () => {
    const clock = new FakeClock();
    const logger = memoryLogger();
    const manager = createAlertManager({
      clock,
      logger,
      settings: {
        escalateAfter: 0,
        notifiers: [{ type: 'webhook', url: refusedUrl, secret: SECRET }],
        delivery: { retries: 2, backoff: '1s' },
      },
    });
    let notified = 0;
    manager.onAlert.on(() => notified++);
    manager.observe(breaker('a', 'closed', 'open'));
    expect(notified).toBe(1);
    await vi.waitFor(() => expect(manager.deliveryStats()[0]!.retried).toBe(1));
    expect(clock.pendingTimers).toBe(1); // the 1 s backoff
    await clock.advance(1_000);
    await vi.waitFor(() => expect(manager.deliveryStats()[0]!.retried).toBe(2));
    await clock.advance(1_999);
    expect(manager.deliveryStats()[0]!.failed).toBe(0);
    await clock.advance(1);
    await vi.waitFor(() => expect(manager.deliveryStats()[0]!.failed).toBe(1));
    expect(logger.lines.at(-1)).toMatchObject({ level: 'warn', msg: 'alert delivery failed' });
    expect(JSON.stringify(logger.lines.at(-1))).toContain('ECONNREFUSED');
    expect(clock.pendingTimers).toBe(0);
    manager.stop();
  });

  it('a notifier that ignores its abort signal is still timed out', async () => {
    const clock = new FakeClock();
    const manager = createAlertManager({
      clock,
      logger: memoryLogger(),
      settings: { notifiers: [], delivery: { retries: 0 } },
      notifiers: [{ name: 'stuck', send: () => new Promise<void>(() => {}) }],
    });
    manager.observe(breaker('a', 'closed', 'open'));
    manager.observe(breaker('b', 'closed', 'open'));
    await clock.advance(5_000);
    expect(manager.deliveryStats()[0]).toMatchObject({ timedOut: 1, failed: 1, inFlight: true, queued: 0 });
    manager.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});
