/**
 * What the chaos upstream writes: OpenAI and Anthropic bodies, error bodies and stream frames.
 * @packageDocumentation
 */

/** Which API a request came in on. */
export type ChaosApi = 'openai' | 'anthropic';

type Json = Record<string, unknown>;

const OPENAI_ERRORS: Readonly<Record<number, [type: string, code: string | null, message: string]>> = {
  400: ['invalid_request_error', null, 'Invalid request (chaos upstream).'],
  401: ['invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.'],
  403: ['invalid_request_error', 'unsupported_country_region_territory', 'Forbidden (chaos upstream).'],
  404: ['invalid_request_error', 'model_not_found', 'The model does not exist (chaos upstream).'],
  429: ['requests', 'rate_limit_exceeded', 'Rate limit reached for requests (chaos upstream).'],
  500: ['server_error', null, 'The server had an error while processing your request (chaos upstream).'],
  503: ['server_error', 'service_unavailable', 'The engine is currently overloaded (chaos upstream).'],
  529: ['server_error', 'overloaded', 'Overloaded (chaos upstream).'],
};

const ANTHROPIC_ERRORS: Readonly<Record<number, [type: string, message: string]>> = {
  400: ['invalid_request_error', 'Invalid request (chaos upstream).'],
  401: ['authentication_error', 'invalid x-api-key'],
  402: ['billing_error', 'Your credit balance is too low to access the Anthropic API.'],
  403: ['permission_error', 'Your API key does not have permission to use the specified resource.'],
  404: ['not_found_error', 'The requested resource could not be found.'],
  413: ['request_too_large', 'Request exceeds the maximum allowed number of bytes.'],
  429: [
    'rate_limit_error',
    'Number of request tokens has exceeded your per-minute rate limit (chaos upstream).',
  ],
  500: ['api_error', 'Internal server error (chaos upstream).'],
  503: ['api_error', 'Service unavailable (chaos upstream).'],
  529: ['overloaded_error', 'Overloaded'],
};

/** An error body in the API's own shape. */
export function errorBody(api: ChaosApi, status: number, type?: string, message?: string): Json {
  if (api === 'anthropic') {
    const [t, m] = ANTHROPIC_ERRORS[status] ?? [
      status >= 500 ? 'api_error' : 'invalid_request_error',
      `HTTP ${status}`,
    ];
    return { type: 'error', error: { type: type ?? t, message: message ?? m } };
  }
  const [t, c, m] = OPENAI_ERRORS[status] ?? [
    status >= 500 ? 'server_error' : 'invalid_request_error',
    null,
    `HTTP ${status} (chaos upstream).`,
  ];
  return { error: { message: message ?? m, type: type ?? t, param: null, code: type ?? c } };
}

/** The "context length exceeded" 400 body in the API's own shape. */
export function contextLengthBody(api: ChaosApi): Json {
  if (api === 'anthropic') {
    return {
      type: 'error',
      error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' },
    };
  }
  return {
    error: {
      message:
        "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. Please reduce the length of the messages.",
      type: 'invalid_request_error',
      param: 'messages',
      code: 'context_length_exceeded',
    },
  };
}

/** Splits an answer into word-sized stream pieces (`"a b c"` → `["a", " b", " c"]`). */
export function answerPieces(answer: string): string[] {
  const pieces = answer.match(/\s*\S+/g) ?? [];
  return pieces.length > 0 ? pieces : [answer];
}

function usage(
  prompt: number,
  completion: number,
): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** A non-streaming answer in the API's own shape. */
export function completionBody(
  api: ChaosApi,
  id: string,
  model: string,
  answer: string,
  created: number,
): Json {
  const out = answerPieces(answer).length;
  if (api === 'anthropic') {
    return {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [{ type: 'text', text: answer }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 10, output_tokens: out },
    };
  }
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: answer, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: usage(10, out),
  };
}

/** Builds the SSE frames of one streamed answer for an API. */
export class StreamFrames {
  constructor(
    private readonly api: ChaosApi,
    private readonly id: string,
    private readonly model: string,
    private readonly created: number,
  ) {}

  private frame(event: string | undefined, data: unknown): string {
    const payload = typeof data === 'string' ? data : JSON.stringify(data);
    return event ? `event: ${event}\ndata: ${payload}\n\n` : `data: ${payload}\n\n`;
  }

  private openaiChunk(delta: Json, finish: string | null): string {
    return this.frame(undefined, {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  }

  /** Frames before the first content piece. */
  start(): string {
    if (this.api === 'openai') return this.openaiChunk({ role: 'assistant', content: '' }, null);
    return (
      this.frame('message_start', {
        type: 'message_start',
        message: {
          id: this.id,
          type: 'message',
          role: 'assistant',
          content: [],
          model: this.model,
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 10, output_tokens: 1 },
        },
      }) +
      this.frame('content_block_start', {
        type: 'content_block_start',
        index: 0,
        content_block: { type: 'text', text: '' },
      }) +
      this.frame('ping', { type: 'ping' })
    );
  }

  /** One content piece. */
  content(text: string): string {
    if (this.api === 'openai') return this.openaiChunk({ content: text }, null);
    return this.frame('content_block_delta', {
      type: 'content_block_delta',
      index: 0,
      delta: { type: 'text_delta', text },
    });
  }

  /** A chunk that is not valid JSON. */
  malformed(): string {
    return this.api === 'openai'
      ? 'data: {"id":"broken","choices":[{"delta":{"content":"tru\n\n'
      : 'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{\n\n';
  }

  /** An in-stream error event. */
  error(type?: string, message?: string): string {
    if (this.api === 'openai') {
      return this.frame(undefined, {
        error: {
          message: message ?? 'The server had an error while streaming (chaos upstream).',
          type: type ?? 'server_error',
          code: type ?? null,
        },
      });
    }
    return this.frame('error', {
      type: 'error',
      error: { type: type ?? 'overloaded_error', message: message ?? 'Overloaded' },
    });
  }

  /** Frames after the last content piece: the finish reason and the end marker. */
  finish(pieces: number, includeUsage: boolean): string {
    if (this.api === 'openai') {
      let out = this.openaiChunk({}, 'stop');
      if (includeUsage) {
        out += this.frame(undefined, {
          id: this.id,
          object: 'chat.completion.chunk',
          created: this.created,
          model: this.model,
          choices: [],
          usage: usage(10, pieces),
        });
      }
      return out + 'data: [DONE]\n\n';
    }
    return (
      this.frame('content_block_stop', { type: 'content_block_stop', index: 0 }) +
      this.frame('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: 'end_turn', stop_sequence: null },
        usage: { output_tokens: pieces },
      }) +
      this.frame('message_stop', { type: 'message_stop' })
    );
  }
}
