/**
 * The chaos upstream's routes: the OpenAI and Anthropic APIs with faults applied (`completion-route`,
 * `embeddings-route`, `models-route`) and the control API (`control-routes`).
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChaosState, ChaosUpstreamOptions } from './chaos-state.js';
import { sendJson } from './chaos-state.js';
import { handleApi } from './completion-route.js';
import { handleControl } from './control-routes.js';
import { handleEmbeddings } from './embeddings-route.js';
import { handleModels } from './models-route.js';
import { errorBody } from './wire-format.js';

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
