/**
 * A broken or hostile upstream and slow-reading clients against the real gateway on loopback:
 * - a 12 MB SSE line without a break fails that attempt as `malformed` at the parser's cap, and the event
 *   loop stays responsive (`/health/live` polled throughout);
 * - clients that stop reading their streams are disconnected on their own, never counted against the
 *   model (its breaker stays closed and a normal client still streams);
 * - the error event after a stream was cut names how the served attempt ended (never `success`).
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/index.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import { gatewayAt, type RawUpstream, rawUpstream } from './gateway-fixtures.js';

const chaos = useChaosUpstream();
let gateway: RunningGateway | undefined;
let upstream: RawUpstream | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await gateway?.close();
  gateway = undefined;
  await upstream?.close();
  upstream = undefined;
});

const oneModel = (baseURL: string, more: Record<string, unknown> = {}) => ({
  models: { primary: { provider: 'openai', baseURL, maxRetries: 0, capabilities: ['streaming'], ...more } },
});

function chunkText(content: string): string {
  return `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
}

async function writeAll(res: import('node:http').ServerResponse, text: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(text)) return true;
  await new Promise<void>((r) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      r();
    };
    res.on('drain', done);
    res.on('close', done);
  });
  return !res.destroyed;
}

describe('a hostile upstream', () => {
  it('a 12 MB line without a break fails as malformed at the cap while /health/live keeps answering', async () => {
    let written = 0;
    upstream = await rawUpstream(async (req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const piece = 'x'.repeat(64 * 1024);
      if (!(await writeAll(res, 'data: '))) return;
      while (written < 12 * 1024 * 1024) {
        if (!(await writeAll(res, piece))) return;
        written += piece.length;
      }
      res.end();
    });
    gateway = await gatewayAt(upstream.baseURL, oneModel(upstream.baseURL));
    const url = gateway.url;
    let polling = true;
    let worst = 0;
    let polls = 0;
    const poller = (async () => {
      while (polling) {
        const t0 = performance.now();
        const res = await fetch(`${url}/health/live`);
        await res.text();
        worst = Math.max(worst, performance.now() - t0);
        polls++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const cpu0 = process.cpuUsage();
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'primary', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await res.json()) as { error: { message: string } };
    const cpu = process.cpuUsage(cpu0);
    polling = false;
    await poller;
    expect(res.status).toBe(502);
    expect(body.error.message).toMatch(/primary: malformed/);
    // The parser stopped at its cap: the upstream was cut off long before its 12 MB were read.
    expect(written).toBeLessThan(12 * 1024 * 1024);
    expect(polls).toBeGreaterThan(0);
    // Generous bounds on a shared machine; before the fix: ~5 s of blocked loop and ~8 s of CPU.
    expect(worst).toBeLessThan(500);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(3000);
  }, 30_000);

  it('the error after a cut or stalled stream names how the served attempt ended', async () => {
    gateway = await gatewayAt(chaos.openaiBaseURL, oneModel(chaos.openaiBaseURL, { idleTimeout: '300ms' }));
    for (const [fault, expected] of [
      ['stall', /primary: timeout \(idle_timeout\)/],
      ['cut', /primary: (transient|malformed)/],
    ] as const) {
      chaos.upstream.setFaults({ primary: fault });
      const res = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'primary', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      const last = text.trim().split('\n\n').at(-1)!;
      const error = JSON.parse(last.slice('data: '.length)) as { error: { message: string } };
      expect(error.error.message).toMatch(expected);
      expect(error.error.message).not.toMatch(/success|served/);
    }
  });
});

describe('slow-reading streaming clients', () => {
  it('are disconnected on their own and never open the breaker; a normal client still streams', async () => {
    let closedEarly = 0;
    upstream = await rawUpstream(async (req, res) => {
      let raw = '';
      for await (const c of req) raw += c;
      const big = raw.includes('big');
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.on('close', () => {
        if (!res.writableFinished) closedEarly++;
      });
      const content = 'y'.repeat(1000);
      const count = big ? 40_000 : 20;
      for (let i = 0; i < count; i++) if (!(await writeAll(res, chunkText(content)))) return;
      res.end(
        `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`,
      );
    });
    gateway = await gatewayAt(upstream.baseURL, {
      ...oneModel(upstream.baseURL, { idleTimeout: '300ms', circuitBreakerThreshold: 3 }),
      server: { accessLog: false, logLevel: 'silent', streamStallTimeoutMs: '3s' },
    });
    const { port } = new URL(gateway.url);
    const body = JSON.stringify({
      model: 'primary',
      stream: true,
      messages: [{ role: 'user', content: 'big' }],
    });
    const timers: NodeJS.Timeout[] = [];
    for (let i = 0; i < 5; i++) {
      const s = connect(Number(port), '127.0.0.1');
      sockets.push(s);
      s.on('error', () => {});
      s.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      s.pause();
      // Three read slowly (1 MiB every 250 ms, far slower than the upstream sends: the gateway waits on them
      // longer than the idle limit), two stop reading altogether (the gateway's writes back up until the
      // stall limit). A slower reader cannot be told from a stopped one: loopback's kernel buffers hold
      // megabytes, and the gateway only sees progress once the kernel takes its queued bytes again. Reads
      // are large (small ones do not reopen loopback's TCP window), and take what is there when less than
      // 1 MiB is buffered (`read(n)` then returns nothing: on a busy machine such a reader looked stopped).
      if (i < 3) timers.push(setInterval(() => s.read(1024 * 1024) ?? s.read(), 250));
    }
    try {
      // Longer than the idle limit (300 ms) and the stall limit (3 s).
      for (let i = 0; i < 200 && closedEarly < 2; i++) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 1000));
      expect(gateway.engine.current.models.get('primary')?.breaker.state).toBe('closed');
      expect(closedEarly).toBe(2);
    } finally {
      for (const t of timers) clearInterval(t);
    }
    expect(gateway.engine.current.models.get('primary')?.breaker.state).toBe('closed');
    const res = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'primary',
        stream: true,
        messages: [{ role: 'user', content: 'small' }],
      }),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    expect(gateway.engine.current.models.get('primary')?.breaker.state).toBe('closed');
  }, 30_000);
});
