/**
 * The chaos upstream's completion route: OpenAI chat completions and Anthropic messages, streamed or
 * not, with the model's faults applied (latency, errors, resets, stalls, cuts, malformed frames).
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type ChaosState,
  type ChaosUpstreamOptions,
  DEFAULT_CHAOS_ANSWER,
  flushed,
  readJsonObject,
  sendJson,
} from './chaos-state.js';
import { answerFault, faultHeaders, isFault } from './fault-answers.js';
import { type ChaosFault, parseFaultHeader } from './fault-spec.js';
import { answerPieces, type ChaosApi, completionBody, errorBody, StreamFrames } from './wire-format.js';

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

/**
 * `POST /v1/chat/completions` (OpenAI) and `POST /v1/messages` (Anthropic): the model's fault (or the
 * `x-chaos-fault` header's), else the answer, streamed piece by piece when asked.
 */
export async function handleApi(
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
