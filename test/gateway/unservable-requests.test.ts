/**
 * A request that no permitted model can serve is the caller's error, on the real gateway: a prompt larger
 * than every eligible model's context window is a 400 `context_length_exceeded`, a capability no model has
 * a 400, a key whose models cannot serve it a 400/403; never a 503, never an exhausted chain (no
 * `request.exhausted` event, so no `chain_exhausted` alert), and no error names a model outside the key's
 * set.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/index.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import { gatewayAt } from './gateway-fixtures.js';

const chaos = useChaosUpstream();
let gateway: RunningGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

const FULL = 'full-client-key-0123456789';
const ONLY_BACKUP = 'backup-only-key-0123456789';
const NOWHERE = 'nowhere-key-0123456789';

async function boot(): Promise<{ url: string; events: string[] }> {
  gateway = await gatewayAt(chaos.openaiBaseURL, {
    security: {
      adminKeys: [{ name: 'ops', key: 'test-admin-key-0123456789', scope: 'admin' }],
      clientKeys: [
        { name: 'full', key: FULL },
        { name: 'backup-only', key: ONLY_BACKUP, allowModels: ['backup'] },
        { name: 'nowhere', key: NOWHERE, allowProviders: ['some-other-provider'] },
      ],
    },
  });
  const events: string[] = [];
  gateway.engine.events.on((e) => events.push(e.type));
  return { url: gateway.url, events };
}

async function chat(url: string, key: string, body: Record<string, unknown>) {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ model: 'primary', messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  return {
    status: res.status,
    body: (await res.json()) as { error: { code: string; message: string; type: string } },
  };
}

const tools = [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }];

describe('requests no permitted model can serve', () => {
  it('a prompt larger than every context window: 400 context_length_exceeded, no exhausted chain', async () => {
    const { url, events } = await boot();
    for (const stream of [false, true]) {
      const res = await chat(url, FULL, {
        stream,
        messages: [{ role: 'user', content: 'word '.repeat(60_000) }],
      });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
      });
    }
    expect(events).not.toContain('request.exhausted');
    expect(chaos.upstream.stats().requests).toBe(0);
  });

  it('a capability no model has: 400', async () => {
    const { url, events } = await boot();
    const res = await chat(url, FULL, { tools });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('unsupported_capability');
    expect(events).not.toContain('request.exhausted');
  });

  it('a key whose models cannot serve it: 400/403, naming no model outside its set', async () => {
    const { url, events } = await boot();
    const cannot = await chat(url, ONLY_BACKUP, { tools });
    expect(cannot.status).toBe(400);
    expect(cannot.body.error.message).not.toMatch(/primary: /); // the target it named, never a trail entry
    const tooLarge = await chat(url, ONLY_BACKUP, {
      messages: [{ role: 'user', content: 'word '.repeat(60_000) }],
    });
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.body.error.code).toBe('context_length_exceeded');
    expect(tooLarge.body.error.message).not.toMatch(/primary: /);
    const nowhere = await chat(url, NOWHERE, {});
    expect(nowhere.status).toBe(403);
    expect(nowhere.body.error.code).toBe('model_restricted');
    expect(nowhere.body.error.message).not.toContain('backup');
    expect(events).not.toContain('request.exhausted');
  });

  it('a key whose served fallback fails names only its own models', async () => {
    const { url } = await boot();
    chaos.upstream.setFaults({ backup: 'server_error' });
    const res = await chat(url, ONLY_BACKUP, {});
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.body.error.message).toContain('backup: ');
    expect(res.body.error.message).not.toMatch(/primary: |restricted/);
  });
});
