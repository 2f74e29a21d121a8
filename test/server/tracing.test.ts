/**
 * Request spans: with a tracer provider, each chat completion is one span with its attempt trail as
 * events and the serving model as an attribute; without one, nothing is recorded.
 */
import { describe, expect, it } from 'vitest';
import { createGatewayServer } from '../../src/server/app.js';
import { gatewaySettings } from '../../src/server/settings.js';
import { createTracing } from '../../src/telemetry/tracing.js';
import { memoryProvider } from '../helpers/memory-tracer.js';
import { FakeBackend } from './fake-backend.js';

describe('request tracing', () => {
  it('records one span per completion with the attempt trail', async () => {
    const { provider, spans } = memoryProvider();
    const backend = new FakeBackend();
    const app = await createGatewayServer({
      backend,
      settings: gatewaySettings({}),
      logger: false,
      tracing: createTracing({ tracerProvider: provider }),
    });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/chat/completions',
        payload: { model: backend.models[0]!.id, messages: [{ role: 'user', content: 'hi' }] },
      });
      expect(res.statusCode).toBe(200);
      expect(spans).toHaveLength(1);
      // GenAI conventions: `{operation} {request model}` and gen_ai.* attributes.
      expect(spans[0]!.name).toBe(`chat ${backend.models[0]!.id}`);
      expect(spans[0]!.ended).toBe(true);
      expect(spans[0]!.attributes['hive.model']).toBe(backend.models[0]!.id);
      expect(spans[0]!.attributes['gen_ai.operation.name']).toBe('chat');
      expect(spans[0]!.attributes['gen_ai.request.model']).toBe(backend.models[0]!.id);
      expect(spans[0]!.attributes['gen_ai.response.model']).toBe(backend.models[0]!.id);
      expect(spans[0]!.events).toContain('hive.attempt');
    } finally {
      await app.close();
    }
  });
});
