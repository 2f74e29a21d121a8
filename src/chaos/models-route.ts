/**
 * The chaos upstream's model list, OpenAI or Anthropic shaped, with the `*` fault applied.
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ChaosState, type ChaosUpstreamOptions, sendJson } from './chaos-state.js';
import { answerFault } from './fault-answers.js';
import { type ChaosFault, faultAt, parseFaultHeader } from './fault-spec.js';
import { type ChaosApi, errorBody } from './wire-format.js';

/** `GET /v1/models`: the configured models and those named in the faults, in the caller's API shape. */
export async function handleModels(
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
