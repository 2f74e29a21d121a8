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

const NONE: readonly string[] = Object.freeze([]);

/**
 * Reads the capabilities a body implies and estimates its size. Runs on every request: a body that
 * implies no capability (most) costs no set and no new array.
 */
export function requestNeeds(body: ChatRequest, extraCapabilities: readonly string[] = NONE): RequestNeeds {
  const tools = Array.isArray(body.tools) && body.tools.length > 0;
  const format = body.response_format as { type?: unknown } | undefined;
  const json =
    format !== undefined &&
    format !== null &&
    (format.type === 'json_object' || format.type === 'json_schema');
  let vision = false;
  let chars = 0;
  for (const message of body.messages) {
    const content = message.content;
    if (typeof content === 'string') {
      chars += content.length;
    } else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === 'image_url' || part.type === 'image' || part.type === 'input_image') vision = true;
        if (typeof part.text === 'string') chars += part.text.length;
      }
    }
  }
  const completion = positive(body.max_completion_tokens) ?? positive(body.max_tokens) ?? 0;
  let capabilities = uniqueCaps(extraCapabilities);
  if (tools || json || vision) {
    const implied = [...capabilities];
    if (tools && !implied.includes('tools')) implied.push('tools');
    if (json && !implied.includes('json')) implied.push('json');
    if (vision && !implied.includes('vision')) implied.push('vision');
    capabilities = implied;
  }
  return { capabilities, estimatedTokens: Math.ceil(chars / CHARS_PER_TOKEN) + completion };
}

/** `caps` without repeats (the list itself when it has none, the common case). */
function uniqueCaps(caps: readonly string[]): readonly string[] {
  if (caps.length < 2) return caps;
  return new Set(caps).size === caps.length ? caps : [...new Set(caps)];
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
