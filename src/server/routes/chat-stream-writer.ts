/**
 * The streaming half of `POST /v1/chat/completions`: the engine's stream events written to the socket as
 * Server-Sent Events (`data: {chunk}` … `data: [DONE]`), the events at hand written at once, with
 * backpressure and a stall limit for clients that stop reading; a failure after the first chunk ends the
 * stream with `data: {"error":…}` and no `[DONE]`.
 * @packageDocumentation
 */
import type { ServerResponse } from 'node:http';
import type { OutcomeKind } from '../../core/outcome.js';
import { nextNow } from '../../core/stream-commit.js';
import type { EngineStream } from '../../engine/types.js';
import type { StreamEvent, Usage } from '../../providers/types.js';
import { errorEvent } from './chat-trail.js';
import { SseWriter } from './sse-writer.js';

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
 * Writes the engine's stream events as SSE as they arrive (those at hand in one write; waiting for
 * `drain` when the client reads slowly, at most `stallMs` without progress) and ends the response with the
 * terminal event; closes the engine stream when done or when the client goes away. A chunk the provider
 * kept the upstream text or frame of is forwarded as it came.
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
  // Whether the socket may have changed since it was last looked at: after a wait, or after a write. The
  // events of one upstream read are taken without either, so the socket is not asked again for each.
  let look = true;
  try {
    for (;;) {
      if (look && raw.destroyed) {
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
        // A plain chunk (forwarded unparsed) has no usage by construction: reading it would parse it. A
        // chunk that kept its upstream frame goes out as those bytes.
        if (event.plain !== true && event.chunk.usage) out.usage = event.chunk.usage;
        const frame = event.frameBytes;
        const wrote =
          frame !== undefined
            ? writer.writeFrame(frame, event.frameStart!, event.frameEnd!)
            : writer.write(`data: ${event.text ?? JSON.stringify(event.chunk)}\n\n`);
        // A client that stops reading is its own problem: it is disconnected after `stallMs`, and the
        // engine stream is closed as aborted (neutral: never a failure of the model).
        if ((look || wrote) && raw.writableNeedDrain) {
          writer.flush();
          if (!(await drained(raw, stallMs))) {
            out.errorType = 'aborted';
            raw.destroy();
            return out;
          }
          look = true; // it waited: the client may have gone meanwhile
        } else look = wrote;
        // Events that came in the same upstream read are at hand: no promise per event, one write for
        // them all (flushed before waiting for the next read).
        const now = nextNow(iterator);
        if (now !== undefined) next = now;
        else {
          writer.flush();
          next = await iterator.next();
          look = true;
        }
        continue;
      }
      if (event.type === 'done') {
        // The upstream's own `data: [DONE]` frame goes out with the frames before it (one slice of a read).
        if (event.frameBytes === undefined) writer.end(DONE);
        else {
          writer.writeFrame(event.frameBytes, event.frameStart!, event.frameEnd!);
          writer.end('');
        }
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
