/**
 * The chaos upstream's embeddings route.
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type EmbeddingRequest, simulatedEmbeddings } from '../providers/embeddings.js';
import { type ChaosState, type ChaosUpstreamOptions, readJsonObject, sendJson } from './chaos-state.js';
import { answerFault, isFault } from './fault-answers.js';
import { errorBody } from './wire-format.js';

/**
 * `POST /v1/embeddings`: the model's fault (status, reset, latency, malformed), else deterministic
 * vectors of `dimensions` (the request's, default 8).
 */
export async function handleEmbeddings(
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
