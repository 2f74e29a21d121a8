/**
 * Mapping between the internal (OpenAI-shaped) chat request/response and Anthropic's Messages API.
 * @packageDocumentation
 */

import { isRecord, type Json } from './json.js';
import type { ChatCompletion, ChatMessage, ChatRequest, Usage } from './types.js';

/** `max_tokens` sent when the request sets none (Anthropic requires it). */
export const DEFAULT_ANTHROPIC_MAX_TOKENS = 1024;

function textOf(content: ChatMessage['content']): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => (typeof part['text'] === 'string' ? part['text'] : ''))
    .filter((t) => t !== '')
    .join('\n');
}

function imageBlock(part: Json): Json | undefined {
  const image = part['image_url'];
  const url = typeof image === 'string' ? image : isRecord(image) ? image['url'] : undefined;
  if (typeof url !== 'string') return undefined;
  const data = /^data:([^;]+);base64,(.*)$/s.exec(url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
  return { type: 'image', source: { type: 'url', url } };
}

function contentBlocks(content: ChatMessage['content']): Json[] {
  if (content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  const blocks: Json[] = [];
  for (const part of content) {
    if (part['type'] === 'text' && typeof part['text'] === 'string')
      blocks.push({ type: 'text', text: part['text'] });
    else if (part['type'] === 'image_url') {
      const block = imageBlock(part);
      if (block) blocks.push(block);
    } else blocks.push({ ...part });
  }
  return blocks;
}

function parseArguments(args: unknown): unknown {
  if (typeof args !== 'string') return args ?? {};
  try {
    return JSON.parse(args) as unknown;
  } catch {
    return {};
  }
}

function toAnthropicMessage(message: ChatMessage): Json {
  if (message.role === 'tool') {
    return {
      role: 'user',
      content: [{ type: 'tool_result', tool_use_id: message.tool_call_id, content: textOf(message.content) }],
    };
  }
  const blocks = contentBlocks(message.content);
  if (message.role === 'assistant' && message.tool_calls) {
    for (const call of message.tool_calls) {
      const fn = isRecord(call['function']) ? call['function'] : {};
      blocks.push({
        type: 'tool_use',
        id: call['id'],
        name: fn['name'],
        input: parseArguments(fn['arguments']),
      });
    }
  }
  const role = message.role === 'assistant' ? 'assistant' : 'user';
  if (blocks.length === 1 && blocks[0]!['type'] === 'text') return { role, content: blocks[0]!['text'] };
  return { role, content: blocks };
}

function toolChoice(choice: unknown): Json | undefined {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  if (isRecord(choice) && isRecord(choice['function']))
    return { type: 'tool', name: choice['function']['name'] };
  return undefined;
}

/** Builds a Messages API body: system messages go to `system`, `stop` to `stop_sequences`. */
export function toAnthropicRequest(request: ChatRequest, stream: boolean): Json {
  const system = request.messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => textOf(m.content))
    .filter((t) => t !== '');
  const body: Json = {
    model: request.model,
    max_tokens: request.max_tokens ?? request.max_completion_tokens ?? DEFAULT_ANTHROPIC_MAX_TOKENS,
    messages: request.messages
      .filter((m) => m.role !== 'system' && m.role !== 'developer')
      .map(toAnthropicMessage),
  };
  if (system.length > 0) body['system'] = system.join('\n\n');
  if (request.temperature !== undefined) body['temperature'] = request.temperature;
  if (request.top_p !== undefined) body['top_p'] = request.top_p;
  if (request.stop !== undefined)
    body['stop_sequences'] = Array.isArray(request.stop) ? request.stop : [request.stop];
  if (request.tools) {
    body['tools'] = request.tools.map((tool) => {
      const fn = isRecord(tool['function']) ? tool['function'] : tool;
      return {
        name: fn['name'],
        description: fn['description'],
        input_schema: fn['parameters'] ?? { type: 'object' },
      };
    });
  }
  const choice = toolChoice(request.tool_choice);
  if (choice) body['tool_choice'] = choice;
  if (request.user) body['metadata'] = { user_id: request.user };
  if (stream) body['stream'] = true;
  return body;
}

/** Maps Anthropic's `stop_reason` to an OpenAI `finish_reason`. */
export function mapStopReason(reason: unknown): string | null {
  switch (reason) {
    case null:
    case undefined:
      return null;
    case 'end_turn':
    case 'stop_sequence':
    case 'pause_turn':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return String(reason);
  }
}

/** Maps Anthropic usage (`input_tokens`, `output_tokens`) to OpenAI usage. */
export function mapUsage(usage: unknown, prior?: Usage): Usage | undefined {
  if (!isRecord(usage)) return prior;
  const prompt =
    typeof usage['input_tokens'] === 'number' ? usage['input_tokens'] : (prior?.prompt_tokens ?? 0);
  const completion =
    typeof usage['output_tokens'] === 'number' ? usage['output_tokens'] : (prior?.completion_tokens ?? 0);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Maps a Messages API response to a chat completion; a string explains why it is unusable. */
export function fromAnthropicResponse(payload: unknown, created: number): ChatCompletion | string {
  if (!isRecord(payload)) return 'the body is empty or not a JSON object';
  const content = payload['content'];
  if (!Array.isArray(content)) return 'the body has no content array';
  let text = '';
  const toolCalls: Json[] = [];
  for (const block of content) {
    if (!isRecord(block)) return 'a content block is not an object';
    if (block['type'] === 'text' && typeof block['text'] === 'string') text += block['text'];
    else if (block['type'] === 'tool_use') {
      toolCalls.push({
        id: block['id'],
        type: 'function',
        function: { name: block['name'], arguments: JSON.stringify(block['input'] ?? {}) },
      });
    }
  }
  const message: ChatCompletion['choices'][number]['message'] = {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const completion: ChatCompletion = {
    id: typeof payload['id'] === 'string' ? payload['id'] : 'msg_unknown',
    object: 'chat.completion',
    created,
    model: typeof payload['model'] === 'string' ? payload['model'] : '',
    choices: [{ index: 0, message, finish_reason: mapStopReason(payload['stop_reason']) }],
  };
  const usage = mapUsage(payload['usage']);
  if (usage) completion.usage = usage;
  return completion;
}
