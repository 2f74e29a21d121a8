/**
 * Embeddings in the OpenAI shape (`POST /v1/embeddings`): the request, the response, a reader that
 * checks an upstream's answer (and the vector length the config promises), and the simulated vectors.
 * @packageDocumentation
 */

/** An embeddings request (OpenAI shape); unknown fields pass through to OpenAI-compatible upstreams. */
export interface EmbeddingRequest {
  model: string;
  /** One text, several texts, or token arrays. */
  input: string | string[] | number[] | number[][];
  encoding_format?: 'float' | 'base64';
  dimensions?: number;
  user?: string;
  [extra: string]: unknown;
}

/** One vector of an {@link EmbeddingResponse}. */
export interface Embedding {
  object: 'embedding';
  index: number;
  /** Floats, or base64 of little-endian float32 when `encoding_format: base64` was asked for. */
  embedding: number[] | string;
}

/** An embeddings response (OpenAI shape). */
export interface EmbeddingResponse {
  object: 'list';
  data: Embedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** Extra call options for embeddings: the vector length the model is configured to return. */
export interface EmbeddingCallOptions {
  readonly dimensions?: number | undefined;
}

/**
 * Reads an upstream's embeddings answer; returns it, or why it is unusable (not the shape, a vector that
 * is not numbers, or a float vector whose length is not `dimensions` when given; a base64 vector's length
 * is not checked).
 */
export function readEmbeddingResponse(payload: unknown, dimensions?: number): EmbeddingResponse | string {
  if (typeof payload !== 'object' || payload === null) return 'the answer is not a JSON object';
  const p = payload as Record<string, unknown>;
  if (!Array.isArray(p['data'])) return 'the answer has no "data" array';
  const data: Embedding[] = [];
  for (const [i, item] of (p['data'] as unknown[]).entries()) {
    const e = (item as { embedding?: unknown } | null)?.embedding;
    const ok =
      typeof e === 'string' ||
      (Array.isArray(e) && e.every((x) => typeof x === 'number' && Number.isFinite(x)));
    if (!ok) return `data[${i}].embedding is not a vector`;
    const vector = e as number[] | string;
    if (dimensions !== undefined && typeof vector !== 'string' && vector.length !== dimensions) {
      return `data[${i}].embedding has ${vector.length} dimensions, the model is configured for ${dimensions}`;
    }
    const index = (item as { index?: unknown }).index;
    data.push({ object: 'embedding', index: typeof index === 'number' ? index : i, embedding: vector });
  }
  const usage = (p['usage'] ?? {}) as { prompt_tokens?: unknown; total_tokens?: unknown };
  const prompt = typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : 0;
  return {
    object: 'list',
    data,
    model: typeof p['model'] === 'string' ? p['model'] : '',
    usage: {
      prompt_tokens: prompt,
      total_tokens: typeof usage.total_tokens === 'number' ? usage.total_tokens : prompt,
    },
  };
}

/** The texts of an embeddings input (token arrays count as one text each). */
export function inputTexts(input: EmbeddingRequest['input']): string[] {
  if (typeof input === 'string') return [input];
  if (input.length > 0 && typeof input[0] === 'number') return [JSON.stringify(input)];
  return (input as Array<string | number[]>).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
}

/** A deterministic unit vector for `text` (the simulated provider's and the chaos upstream's answer). */
export function simulatedVector(text: string, dimensions: number): number[] {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  const v: number[] = [];
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    const x = Math.sin(h + i * 7919);
    v.push(x);
    norm += x * x;
  }
  const n = Math.sqrt(norm) || 1;
  return v.map((x) => Math.round((x / n) * 1e6) / 1e6);
}

/** A simulated embeddings answer for `request` (`dimensions` values per vector). */
export function simulatedEmbeddings(request: EmbeddingRequest, dimensions: number): EmbeddingResponse {
  const texts = inputTexts(request.input);
  const tokens = texts.reduce((sum, t) => sum + Math.max(1, Math.ceil(t.length / 4)), 0);
  return {
    object: 'list',
    data: texts.map((t, index) => ({
      object: 'embedding',
      index,
      embedding: simulatedVector(t, dimensions),
    })),
    model: request.model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}
