/**
 * A {@link ProviderStream} over an SSE response body. A provider supplies a {@link StreamTranslator}
 * that turns SSE events into chunks or a terminal event; this class owns the reading, the TTFT/idle
 * limits and the rule that a stream ends with exactly one `done` or `error` event.
 * @packageDocumentation
 */

import type { CallWatch } from './call-watch.js';
import type { ClassifyContext } from './classify.js';
import { abortedFailure } from './classify.js';
import { type SseEvent, SseParser } from './sse.js';
import type { ChatCompletionChunk, ProviderStream, StreamEvent } from './types.js';

/** What one SSE event means: a chunk to emit, the end of the stream, or nothing (ping, metadata). */
export type TranslateResult =
  | { readonly chunk: ChatCompletionChunk; readonly text?: string }
  | { readonly end: Extract<StreamEvent, { type: 'done' } | { type: 'error' }> }
  | null;

/** Provider-specific meaning of the SSE events. */
export interface StreamTranslator {
  /** Translates one event. */
  translate(event: SseEvent): TranslateResult;
  /** The terminal event for a body that ended without the provider's end marker. */
  endWithoutMarker(): Extract<StreamEvent, { type: 'done' } | { type: 'error' }>;
}

/** The readable body undici hands back (async iterable of bytes, destroyable). */
export interface StreamBody extends AsyncIterable<Uint8Array | string> {
  destroy(error?: Error): unknown;
}

/** Limits for a stream after its headers arrived. */
export interface StreamLimits {
  /** Time allowed until the first content chunk (already running since the request started). */
  readonly ttftTimeoutMs?: number;
  /** Time allowed between two events once content flows. */
  readonly idleTimeoutMs?: number;
}

/** True for a chunk that carries content (text, tool calls or a finish reason), not just a role. */
export function isContentChunk(chunk: ChatCompletionChunk): boolean {
  for (const choice of chunk.choices) {
    if (choice.finish_reason) return true;
    const { delta } = choice;
    if ((delta.content !== undefined && delta.content !== null && delta.content !== '') || delta.tool_calls) {
      return true;
    }
  }
  return false;
}

/** An SSE-backed provider stream. Iterate it once. */
export class SseProviderStream implements ProviderStream {
  private started = false;
  private finished = false;
  private sawContent = false;

  constructor(
    private readonly body: StreamBody,
    private readonly watch: CallWatch,
    private readonly translator: StreamTranslator,
    private readonly ctx: ClassifyContext,
    private readonly limits: StreamLimits,
  ) {}

  /** Stops reading and releases the connection. Safe to call more than once. */
  close(): void {
    if (this.finished) return;
    this.watch.closed = true;
    this.release();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    if (this.started) throw new Error('a provider stream can be iterated only once');
    this.started = true;
    if (this.finished) {
      yield { type: 'error', failure: abortedFailure(this.ctx, 'the stream was closed by its consumer') };
      return;
    }
    const parser = new SseParser();
    try {
      let terminal: StreamEvent | undefined;
      try {
        for await (const piece of this.body) {
          for (const event of parser.push(piece)) {
            const step = this.step(event);
            if (step === undefined) continue;
            if (step.type !== 'chunk') {
              terminal = step;
              break;
            }
            yield step;
          }
          if (terminal) break;
        }
        if (!terminal) {
          for (const event of parser.end()) {
            const step = this.step(event);
            if (step === undefined) continue;
            if (step.type !== 'chunk') {
              terminal = step;
              break;
            }
            yield step;
          }
        }
        if (!terminal && this.watch.closed) {
          terminal = { type: 'error', failure: this.watch.failureFor(undefined, this.ctx) };
        }
        if (!terminal && (this.watch.expired || this.watch.callerAborted)) {
          terminal = { type: 'error', failure: this.watch.failureFor(undefined, this.ctx) };
        }
      } catch (err) {
        terminal = { type: 'error', failure: this.watch.failureFor(err, this.ctx) };
      }
      this.release();
      yield terminal ?? this.translator.endWithoutMarker();
    } finally {
      this.release();
    }
  }

  private step(event: SseEvent): StreamEvent | undefined {
    const result = this.translator.translate(event);
    if (result === null) {
      if (this.sawContent) this.watch.arm(this.limits.idleTimeoutMs, 'idle');
      return undefined;
    }
    if ('end' in result) return result.end;
    if (!this.sawContent && isContentChunk(result.chunk)) this.sawContent = true;
    if (this.sawContent) this.watch.arm(this.limits.idleTimeoutMs, 'idle');
    return result.text === undefined
      ? { type: 'chunk', chunk: result.chunk }
      : { type: 'chunk', chunk: result.chunk, text: result.text };
  }

  private release(): void {
    if (this.finished) return;
    this.finished = true;
    this.watch.dispose();
    this.body.destroy();
  }
}
