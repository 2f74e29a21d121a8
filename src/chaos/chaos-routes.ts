/**
 * The chaos upstream's routes: the OpenAI and Anthropic APIs with faults applied, and the control API.
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type EmbeddingRequest, simulatedEmbeddings } from '../providers/embeddings.js';
import {
  type ChaosState,
  type ChaosUpstreamOptions,
  DEFAULT_CHAOS_ANSWER,
  flushed,
  readBody,
  sendJson,
} from './chaos-state.js';
import { type ChaosFault, type FaultSpec, faultAt, parseFaultHeader } from './fault-spec.js';
import {
  answerPieces,
  type ChaosApi,
  completionBody,
  contextLengthBody,
  errorBody,
  StreamFrames,
} from './wire-format.js';

function isFault(fault: ChaosFault): boolean {
  return Object.keys(fault).some(
    (k) => k !== 'latencyMs' && k !== 'ttftMs' && k !== 'chunkIntervalMs' && k !== 'headers',
  );
}

function faultHeaders(fault: ChaosFault): Record<string, string> {
  const headers: Record<string, string> = { ...fault.headers };
  if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
  if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
  return headers;
}

/** Writes an error/early answer for a fault; returns true when the fault answered the request. */
function answerFault(api: ChaosApi, fault: ChaosFault, req: IncomingMessage, res: ServerResponse): boolean {
  if (fault.reset) {
    req.socket.destroy();
    return true;
  }
  if (fault.contextLength) {
    sendJson(res, 400, contextLengthBody(api), faultHeaders(fault));
    return true;
  }
  if (fault.status !== undefined && fault.status >= 300) {
    sendJson(
      res,
      fault.status,
      errorBody(api, fault.status, fault.errorType, fault.message),
      faultHeaders(fault),
    );
    return true;
  }
  return false;
}

async function streamAnswer(
  state: ChaosState,
  fault: ChaosFault,
  frames: StreamFrames,
  answer: string,
  includeUsage: boolean,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...faultHeaders(fault),
  });
  if (fault.empty) {
    res.end();
    return;
  }
  res.write(frames.start());
  const pieces = answerPieces(answer);
  for (let i = 0; i <= pieces.length; i++) {
    if (fault.stallAfterChunks === i) return; // silent, connection left open
    if (fault.cutAfterChunks === i) {
      await flushed(res);
      req.socket.destroy();
      return;
    }
    if (fault.streamErrorAfterChunks === i) {
      res.end(frames.error(fault.errorType, fault.message));
      return;
    }
    if (fault.malformed && i === Math.min(1, pieces.length)) {
      res.end(frames.malformed());
      return;
    }
    if (i === pieces.length) break;
    if (!(await state.delay(i === 0 ? fault.ttftMs : fault.chunkIntervalMs, res))) return;
    res.write(frames.content(pieces[i]!));
  }
  if (fault.noDone) {
    res.end();
    return;
  }
  res.end(frames.finish(pieces.length, includeUsage));
}

/** The request body as a JSON object, or undefined when it is not one. */
async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readBody(req));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

async function handleApi(
  state: ChaosState,
  options: ChaosUpstreamOptions,
  api: ChaosApi,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readJsonObject(req);
  if (!body) {
    sendJson(res, 400, errorBody(api, 400, undefined, 'The request body is not a JSON object.'));
    return;
  }
  const model = typeof body['model'] === 'string' ? body['model'] : '';
  if (model === '' || !Array.isArray(body['messages'])) {
    sendJson(
      res,
      400,
      errorBody(api, 400, undefined, 'Fields "model" (string) and "messages" (array) are required.'),
    );
    return;
  }
  let fault: ChaosFault;
  const header = req.headers['x-chaos-fault'];
  try {
    fault = typeof header === 'string' ? parseFaultHeader(header) : state.resolve(model);
  } catch (err) {
    sendJson(res, 400, errorBody(api, 400, undefined, (err as Error).message));
    return;
  }
  const streamed = body['stream'] === true;
  state.count(model, streamed, isFault(fault));
  if (options.apiKey !== undefined) {
    const auth = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer\s+/i, '');
    if (auth !== options.apiKey) {
      sendJson(res, 401, errorBody(api, 401));
      return;
    }
  }
  if (!(await state.delay(fault.latencyMs, res))) return;
  if (answerFault(api, fault, req, res)) return;
  const id = api === 'anthropic' ? `msg_chaos${++state.seq}` : `chatcmpl-chaos${++state.seq}`;
  const created = Math.floor(Date.now() / 1000);
  const answer = fault.answer ?? options.answer ?? DEFAULT_CHAOS_ANSWER;
  if (streamed) {
    const streamOptions = body['stream_options'] as { include_usage?: unknown } | undefined;
    const frames = new StreamFrames(api, id, model, created);
    await streamAnswer(state, fault, frames, answer, streamOptions?.include_usage === true, req, res);
    return;
  }
  if (!(await state.delay(fault.ttftMs, res))) return;
  if (fault.empty || fault.malformed) {
    res.writeHead(200, { 'content-type': 'application/json', ...faultHeaders(fault) });
    res.end(fault.empty ? '' : '{"id":"broken","choices":[{"message":');
    return;
  }
  sendJson(res, 200, completionBody(api, id, model, answer, created), faultHeaders(fault));
}

async function handleModels(
  state: ChaosState,
  options: ChaosUpstreamOptions,
  req: IncomingMessage,
  res: ServerResponse,
) {
  const header = req.headers['x-chaos-fault'];
  const api: ChaosApi = req.headers['anthropic-version'] ? 'anthropic' : 'openai';
  let fault: ChaosFault;
  try {
    fault =
      typeof header === 'string'
        ? parseFaultHeader(header)
        : state.spec['*']
          ? faultAt(state.spec['*'], 0)
          : {};
  } catch (err) {
    sendJson(res, 400, errorBody(api, 400, undefined, (err as Error).message));
    return;
  }
  if (!(await state.delay(fault.latencyMs, res))) return;
  if (answerFault(api, fault, req, res)) return;
  const ids = [
    ...new Set([...(options.models ?? ['chaos-model']), ...Object.keys(state.spec).filter((k) => k !== '*')]),
  ];
  if (api === 'anthropic') {
    const data = ids.map((id) => ({
      type: 'model',
      id,
      display_name: id,
      created_at: '2025-01-01T00:00:00Z',
    }));
    sendJson(res, 200, { data, has_more: false, first_id: ids[0] ?? null, last_id: ids.at(-1) ?? null });
    return;
  }
  sendJson(res, 200, {
    object: 'list',
    data: ids.map((id) => ({ id, object: 'model', created: 0, owned_by: 'chaos' })),
  });
}

async function handleControl(
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

/**
 * `POST /v1/embeddings`: the model's fault (status, reset, latency, malformed), else deterministic
 * vectors of `dimensions` (the request's, default 8).
 */
async function handleEmbeddings(
  state: ChaosState,
  options: ChaosUpstreamOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const body = await readJsonObject(req);
  if (!body) {
    sendJson(res, 400, errorBody('openai', 400, undefined, 'The request body is not a JSON object.'));
    return;
  }
  const model = typeof body['model'] === 'string' ? body['model'] : '';
  const input = body['input'];
  if (model === '' || (typeof input !== 'string' && !Array.isArray(input))) {
    sendJson(res, 400, errorBody('openai', 400, undefined, 'Fields "model" and "input" are required.'));
    return;
  }
  const fault = state.resolve(model);
  state.count(model, false, isFault(fault));
  if (options.apiKey !== undefined) {
    const auth = req.headers.authorization?.replace(/^Bearer\s+/i, '');
    if (auth !== options.apiKey) {
      sendJson(res, 401, errorBody('openai', 401));
      return;
    }
  }
  if (!(await state.delay(fault.latencyMs, res))) return;
  if (answerFault('openai', fault, req, res)) return;
  if (fault.empty || fault.malformed) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(fault.empty ? '' : '{"data":[{"embedding":');
    return;
  }
  const dims = typeof body['dimensions'] === 'number' && body['dimensions'] > 0 ? body['dimensions'] : 8;
  sendJson(
    res,
    200,
    simulatedEmbeddings({ model, input: input as EmbeddingRequest['input'] }, Math.min(dims, 4096)),
  );
}

/** Dispatches one request. */
export function route(
  state: ChaosState,
  options: ChaosUpstreamOptions,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  if (path.startsWith('/_chaos/')) return handleControl(state, path, query, req, res);
  if (req.method === 'GET' && (path === '/v1/models' || path === '/models'))
    return handleModels(state, options, req, res);
  if (req.method === 'POST' && (path === '/v1/chat/completions' || path === '/chat/completions')) {
    return handleApi(state, options, 'openai', req, res);
  }
  if (req.method === 'POST' && (path === '/v1/embeddings' || path === '/embeddings')) {
    return handleEmbeddings(state, options, req, res);
  }
  if (req.method === 'POST' && path === '/v1/messages')
    return handleApi(state, options, 'anthropic', req, res);
  sendJson(res, 404, errorBody('openai', 404, 'not_found', `no route ${req.method} ${path}`));
  return Promise.resolve();
}
