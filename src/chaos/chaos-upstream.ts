/**
 * The chaos upstream: an OpenAI-compatible (and Anthropic-compatible) fake provider with scriptable
 * faults, for integration tests and failure drills. Built on `node:http` so it can fail at the byte
 * level (cut a stream, reset a socket, stall mid-answer).
 *
 * Routes: `POST /v1/chat/completions` (also `/chat/completions`), `POST /v1/messages`,
 * `GET /v1/models` (also `/models`); control: `POST|GET|DELETE /_chaos/faults`, `GET|DELETE /_chaos/stats`.
 * @packageDocumentation
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ChaosFault, type FaultSpec, faultAt, parseFaultHeader, parseFaultSpec } from './fault-spec.js';
import {
  answerPieces,
  type ChaosApi,
  completionBody,
  contextLengthBody,
  errorBody,
  StreamFrames,
} from './wire-format.js';

/** Options for {@link startChaosUpstream}. */
export interface ChaosUpstreamOptions {
  /** Port to listen on (default 0: any free port). */
  readonly port?: number;
  /** Interface to bind (default `127.0.0.1`). */
  readonly host?: string;
  /** Initial faults. */
  readonly faults?: FaultSpec;
  /** When set, API requests must carry this key (Bearer or `x-api-key`), else 401. */
  readonly apiKey?: string;
  /** The normal answer (default: a nine-word sentence, streamed word by word). */
  readonly answer?: string;
  /** Model ids listed by `GET /v1/models` besides those named in the faults. */
  readonly models?: ReadonlyArray<string>;
}

/** Request counts for one model. */
export interface ChaosModelStats {
  requests: number;
  streamed: number;
  faulted: number;
}

/** Request counts since start (or the last reset). */
export interface ChaosStats {
  requests: number;
  models: Record<string, ChaosModelStats>;
}

/** A running chaos upstream. */
export interface ChaosUpstream {
  /** `http://host:port` (for OpenAI clients use `${url}/v1` as the base URL). */
  readonly url: string;
  readonly port: number;
  /** Replaces the faults (or merges them per model with `{ merge: true }`); resets sequence counters. */
  setFaults(spec: FaultSpec, options?: { merge?: boolean }): void;
  /** Removes every fault. */
  clearFaults(): void;
  /** The current faults. */
  faults(): FaultSpec;
  /** Request counts per model. */
  stats(): ChaosStats;
  /** Zeroes the request counts. */
  resetStats(): void;
  /** Stops listening and drops every open connection (stalled streams included). */
  close(): Promise<void>;
}

/** The default answer: nine words, so streams have nine content chunks. */
export const DEFAULT_CHAOS_ANSWER = 'The quick brown fox jumps over the lazy dog.';
const MAX_BODY = 16 * 1024 * 1024;

class ChaosState {
  spec: FaultSpec = {};
  counters = new Map<string, number>();
  stats: ChaosStats = { requests: 0, models: {} };
  timers = new Set<ReturnType<typeof setTimeout>>();
  seq = 0;

  set(spec: FaultSpec, merge: boolean): void {
    const parsed = parseFaultSpec(spec);
    this.spec = merge ? { ...this.spec, ...parsed } : parsed;
    if (merge) for (const key of Object.keys(parsed)) this.counters.delete(key);
    else this.counters.clear();
  }

  resolve(model: string): ChaosFault {
    const key = model in this.spec ? model : '*' in this.spec ? '*' : undefined;
    if (key === undefined) return {};
    const n = this.counters.get(key) ?? 0;
    this.counters.set(key, n + 1);
    return faultAt(this.spec[key]!, n);
  }

  count(model: string, streamed: boolean, faulted: boolean): void {
    this.stats.requests++;
    let m = this.stats.models[model];
    if (!m) {
      m = { requests: 0, streamed: 0, faulted: 0 };
      this.stats.models[model] = m;
    }
    m.requests++;
    if (streamed) m.streamed++;
    if (faulted) m.faulted++;
  }

  delay(ms: number | undefined, res: ServerResponse): Promise<boolean> {
    if (!ms) return Promise.resolve(!res.destroyed);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve(!res.destroyed);
      }, ms);
      this.timers.add(timer);
    });
  }
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new Error('body too large'));
      else parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** Resolves once everything written so far has been handed to the socket (so a cut lands after it). */
function flushed(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.write('\n', () => setImmediate(resolve));
  });
}

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

async function handleApi(
  state: ChaosState,
  options: ChaosUpstreamOptions,
  api: ChaosApi,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(await readBody(req));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    body = parsed as Record<string, unknown>;
  } catch {
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

function route(
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
  if (req.method === 'POST' && path === '/v1/messages')
    return handleApi(state, options, 'anthropic', req, res);
  sendJson(res, 404, errorBody('openai', 404, 'not_found', `no route ${req.method} ${path}`));
  return Promise.resolve();
}

/**
 * Starts a chaos upstream.
 * @throws TypeError when `faults` is invalid (the message names the bad path).
 */
export async function startChaosUpstream(options: ChaosUpstreamOptions = {}): Promise<ChaosUpstream> {
  const state = new ChaosState();
  if (options.faults) state.set(options.faults, false);
  const server: Server = createServer((req, res) => {
    route(state, options, req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, errorBody('openai', 500));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    setFaults: (spec, opts) => state.set(spec, opts?.merge === true),
    clearFaults: () => state.set({}, false),
    faults: () => state.spec,
    stats: () => structuredClone(state.stats),
    resetStats: () => {
      state.stats = { requests: 0, models: {} };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const timer of state.timers) clearTimeout(timer);
        state.timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
