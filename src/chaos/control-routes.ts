/**
 * The chaos upstream's control API: reading, replacing, merging and clearing faults, and its stats.
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ChaosState, readBody, sendJson } from './chaos-state.js';
import type { FaultSpec } from './fault-spec.js';

/** `/_chaos/faults` (GET, POST/PUT with `?merge=1`, DELETE) and `/_chaos/stats` (GET, DELETE). */
export async function handleControl(
  state: ChaosState,
  path: string,
  query: string,
  req: IncomingMessage,
  res: ServerResponse,
) {
  if (path === '/_chaos/faults') {
    if (req.method === 'GET') return sendJson(res, 200, state.spec);
    if (req.method === 'DELETE') {
      state.set({}, false);
      return sendJson(res, 200, { ok: true });
    }
    if (req.method === 'POST' || req.method === 'PUT') {
      try {
        const spec: unknown = JSON.parse(await readBody(req));
        state.set(spec as FaultSpec, /(^|&)merge=(1|true)/.test(query));
        return sendJson(res, 200, { ok: true, faults: state.spec });
      } catch (err) {
        const message = err instanceof SyntaxError ? 'the body is not valid JSON' : (err as Error).message;
        return sendJson(res, 400, { error: { message, type: 'invalid_request_error' } });
      }
    }
  }
  if (path === '/_chaos/stats') {
    if (req.method === 'GET') return sendJson(res, 200, state.stats);
    if (req.method === 'DELETE') {
      state.stats = { requests: 0, models: {} };
      return sendJson(res, 200, { ok: true });
    }
  }
  sendJson(res, 404, {
    error: { message: `no control route ${req.method} ${path}`, type: 'invalid_request_error' },
  });
}
