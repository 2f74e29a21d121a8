/**
 * What a chat request needs from a model, read from its body: capabilities implied by its fields and a
 * cheap estimate of its prompt size. Runs once per request, before planning.
 * @packageDocumentation
 */
import type { ChatRequest } from '../providers/types.js';

/** What the planner needs to know about a request. */
export interface RequestNeeds {
  /** Capabilities every candidate must have (`tools`, `json`, `vision`, plus any the caller asked for). */
  readonly capabilities: readonly string[];
  /** Estimated prompt tokens plus the requested completion budget. */
  readonly estimatedTokens: number;
}

/** Roughly four characters per token: a deliberate over-estimate is safer than an under-estimate. */
const CHARS_PER_TOKEN = 3.5;

/** Reads the capabilities a body implies and estimates its size. */
export function requestNeeds(body: ChatRequest, extraCapabilities: readonly string[] = []): RequestNeeds {
  const caps = new Set<string>(extraCapabilities);
  if (Array.isArray(body.tools) && body.tools.length > 0) caps.add('tools');
  const format = body.response_format as { type?: unknown } | undefined;
  if (format && (format.type === 'json_object' || format.type === 'json_schema')) caps.add('json');
  let chars = 0;
  for (const message of body.messages) {
    const content = message.content;
    if (typeof content === 'string') {
      chars += content.length;
    } else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === 'image_url' || part.type === 'image' || part.type === 'input_image')
          caps.add('vision');
        if (typeof part.text === 'string') chars += part.text.length;
      }
    }
  }
  const completion = positive(body.max_completion_tokens) ?? positive(body.max_tokens) ?? 0;
  return { capabilities: [...caps], estimatedTokens: Math.ceil(chars / CHARS_PER_TOKEN) + completion };
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
