/**
 * The streaming half of `POST /v1/chat/completions`: the engine's stream events written to the socket as
 * Server-Sent Events (`data: {chunk}` … `data: [DONE]`), coalesced per tick, with backpressure and a stall
 * limit for clients that stop reading; a failure after the first chunk ends the stream with
 * `data: {"error":…}` and no `[DONE]`.
 * @packageDocumentation
 */
import type { ServerResponse } from 'node:http';
import type { OutcomeKind } from '../../core/outcome.js';
import { nextNow } from '../../core/stream-commit.js';
import type { EngineStream } from '../../engine/types.js';
import type { StreamEvent, Usage } from '../../providers/types.js';
import { errorEvent } from './chat-trail.js';

/**
 * Waits until the client has taken what was written (`drain`) or went away; false when it took nothing
 * for `stallMs` (the bytes still queued for its socket did not go down: a client that stopped reading).
 * A slow client that keeps reading is waited on. Progress is read from what is still queued
 * (`writableLength`), not from `socket.bytesWritten`, which counts queued bytes as written and so never
 * moves while the gateway waits. The timer exists only while a client is waited on.
 */
function drained(raw: ServerResponse, stallMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let queued = raw.writableLength;
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      clearTimeout(timer);
      raw.off('drain', done);
      raw.off('close', done);
    };
    const done = (): void => {
      stop();
      resolve(true);
    };
    const check = (): void => {
      const now = raw.writableLength;
      if (now >= queued) {
        stop();
        resolve(false);
        return;
      }
      queued = now;
      timer = setTimeout(check, stallMs);
    };
    timer = setTimeout(check, stallMs);
    raw.on('drain', done);
    raw.on('close', done);
  });
}

const DONE = 'data: [DONE]\n\n';

/** How a pumped stream ended: the usage its chunks reported, and the failure kind when it failed. */
export interface PumpResult {
  usage: Usage | undefined;
  errorType: OutcomeKind | undefined;
}

/**
 * Pending SSE text written at once rather than at the end of the tick: a batch no larger than a socket's
 * default high-water mark, so a slow client's backlog (and the wait for its `drain`) stays as it was with
 * one write per event.
 */
const FLUSH_AT = 16 * 1024;

/**
 * Coalesces the SSE text of the events that arrive together: events are appended to one pending string,
 * written once per tick (after the promise callbacks that delivered them) or as soon as it reaches
 * {@link FLUSH_AT}, and the last event goes out with `end()`. A stream whose events came in one upstream
 * read is one socket write, headers included.
 */
class SseWriter {
  private pending = '';
  /** Upstream frames waiting as they came: `[bytesStart, bytesEnd)` of one network read. */
  private bytes: Uint8Array | undefined;
  private bytesStart = 0;
  private bytesEnd = 0;
  private scheduled = false;
  private readonly flushTick = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(private readonly raw: ServerResponse) {}

  /** Queues `text` for this tick's write (written now when the batch is large). */
  write(text: string): void {
    if (this.bytes !== undefined) this.flushBytes();
    this.pending = this.pending === '' ? text : this.pending + text;
    if (this.pending.length >= FLUSH_AT) this.flush();
    else this.schedule();
  }

  /**
   * Queues the upstream's own frame `bytes[start, end)`: frames that follow each other in one network read
   * go out as one slice of it (written now when the batch is large).
   */
  writeFrame(bytes: Uint8Array, start: number, end: number): void {
    if (this.pending !== '') this.flushText();
    if (this.bytes === bytes && start === this.bytesEnd) this.bytesEnd = end;
    else {
      if (this.bytes !== undefined) this.flushBytes();
      this.bytes = bytes;
      this.bytesStart = start;
      this.bytesEnd = end;
    }
    if (this.bytesEnd - this.bytesStart >= FLUSH_AT) this.flushBytes();
    else this.schedule();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    process.nextTick(this.flushTick);
  }

  private flush(): void {
    if (this.bytes !== undefined) this.flushBytes();
    else this.flushText();
  }

  private flushText(): void {
    const text = this.pending;
    this.pending = '';
    if (text !== '' && !this.raw.destroyed) this.raw.write(text);
  }

  private flushBytes(): void {
    const bytes = this.bytes!;
    this.bytes = undefined;
    if (this.raw.destroyed) return;
    this.raw.write(
      this.bytesStart === 0 && this.bytesEnd === bytes.length
        ? bytes
        : bytes.subarray(this.bytesStart, this.bytesEnd),
    );
  }

  /** Ends the response with what is pending and `text`. */
  end(text: string): void {
    if (this.bytes !== undefined) this.flushBytes();
    const all = this.pending === '' ? text : this.pending + text;
    this.pending = '';
    this.raw.end(all);
  }
}

/**
 * Writes the engine's stream events as SSE as they arrive (coalesced per tick; waiting for `drain` when
 * the client reads slowly, at most `stallMs` without progress) and ends the response with the terminal
 * event; closes the engine stream when done or when the client goes away. A chunk the provider kept the upstream text of is forwarded as it
 * came.
 */
export async function pumpEvents(
  raw: ServerResponse,
  first: IteratorResult<StreamEvent>,
  iterator: AsyncIterator<StreamEvent>,
  stream: EngineStream,
  target: string,
  stallMs: number,
): Promise<PumpResult> {
  let next = first;
  const out: PumpResult = { usage: undefined, errorType: undefined };
  const writer = new SseWriter(raw);
  try {
    for (;;) {
      if (raw.destroyed) {
        out.errorType = 'aborted';
        return out;
      }
      if (next.done) {
        out.errorType = 'malformed';
        writer.end(errorEvent(stream, target, 'The upstream stream ended without finishing'));
        return out;
      }
      const event = next.value;
      if (event.type === 'chunk') {
        // A plain chunk (forwarded unparsed) has no usage by construction: reading it would parse it.
        if (event.plain !== true && event.chunk.usage) out.usage = event.chunk.usage;
        const frame = event.frameBytes;
        if (frame !== undefined) writer.writeFrame(frame, event.frameStart!, event.frameEnd!);
        else writer.write(`data: ${event.text ?? JSON.stringify(event.chunk)}\n\n`);
        // A client that stops reading is its own problem: it is disconnected after `stallMs`, and the
        // engine stream is closed as aborted (neutral: never a failure of the model).
        if (raw.writableNeedDrain && !(await drained(raw, stallMs))) {
          out.errorType = 'aborted';
          raw.destroy();
          return out;
        }
        // Events that came in the same upstream read are at hand: no promise per event.
        next = nextNow(iterator) ?? (await iterator.next());
        continue;
      }
      if (event.type === 'done') {
        writer.end(DONE);
        return out;
      }
      out.errorType = event.failure.kind;
      writer.end(errorEvent(stream, target, 'The stream failed after it started', event.failure));
      return out;
    }
  } catch {
    out.errorType = 'malformed';
    if (!raw.destroyed) writer.end(errorEvent(stream, target, 'The stream failed after it started'));
    return out;
  } finally {
    stream.close();
    if (!raw.destroyed && !raw.writableEnded) writer.end('');
  }
}
