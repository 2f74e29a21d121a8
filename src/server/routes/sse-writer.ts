/**
 * The socket side of a streamed answer: SSE text and upstream frames (bytes forwarded as they came)
 * coalesced into one write per batch of events at hand.
 * @packageDocumentation
 */
import { isUtf8 } from 'node:buffer';
import type { ServerResponse } from 'node:http';

/**
 * Pending output written at once rather than at the end of the tick: a batch no larger than a socket's
 * default high-water mark, so a slow client's backlog (and the wait for its `drain`) stays as it was with
 * one write per event.
 */
const FLUSH_AT = 16 * 1024;

/**
 * Coalesces what the events that arrive together write: SSE text (appended to one string) and upstream
 * frames (consecutive frames of one network read extend one slice of it). The batch is written when the
 * caller is about to wait ({@link flush}: no more events at hand) or as soon as it reaches
 * {@link FLUSH_AT}, and the last event goes out with `end()`: no timer and no tick of its own. A batch of
 * one kind is written as it is (no copy); a batch mixing text and frames is joined into one buffer first,
 * so a stream whose events came in one upstream read is still one socket write and one HTTP chunk,
 * headers included.
 */
export class SseWriter {
  /** Earlier pieces of the batch, when it mixes text and frames. */
  private parts: Array<string | Uint8Array> = [];
  /** The batch's last piece when it is text. */
  private text = '';
  /** The batch's last piece when it is frames: `[bytesStart, bytesEnd)` of one network read. */
  private bytes: Uint8Array | undefined;
  private bytesStart = 0;
  private bytesEnd = 0;
  /** Characters or bytes pending (for {@link FLUSH_AT}). */
  private size = 0;

  constructor(private readonly raw: ServerResponse) {}

  /** Queues `text` for the next write (written now when the batch is large: then true). */
  write(text: string): boolean {
    if (this.bytes !== undefined) this.closeBytes();
    this.text = this.text === '' ? text : this.text + text;
    return this.added(text.length);
  }

  /**
   * Queues the upstream's own frame `bytes[start, end)`: frames that follow each other in one network read
   * go out as one slice of it (written now when the batch is large: then true).
   */
  writeFrame(bytes: Uint8Array, start: number, end: number): boolean {
    if (this.bytes === bytes && start === this.bytesEnd) this.bytesEnd = end;
    else {
      if (this.bytes !== undefined) this.closeBytes();
      else if (this.text !== '') this.closeText();
      this.bytes = bytes;
      this.bytesStart = start;
      this.bytesEnd = end;
    }
    return this.added(end - start);
  }

  /** Ends the response with the batch and `text`. */
  end(text: string): void {
    if (text !== '') this.write(text);
    const batch = this.take();
    if (batch === undefined) this.raw.end();
    else this.raw.end(batch);
  }

  /** Counts `size` pending; writes the batch when it reached {@link FLUSH_AT} (then true). */
  private added(size: number): boolean {
    this.size += size;
    if (this.size < FLUSH_AT) return false;
    this.flush();
    return true;
  }

  /** Writes the batch (call it before waiting for more events, so what is at hand goes out now). */
  flush(): void {
    const batch = this.take();
    if (batch !== undefined && !this.raw.destroyed) this.raw.write(batch);
  }

  /** The batch as one piece (`undefined` when empty); the writer is empty after. */
  private take(): string | Uint8Array | undefined {
    this.size = 0;
    if (this.parts.length === 0) {
      if (this.bytes !== undefined) return this.takeBytes();
      const text = this.text;
      this.text = '';
      return text === '' ? undefined : text;
    }
    if (this.bytes !== undefined) this.closeBytes();
    else if (this.text !== '') this.closeText();
    const parts = this.parts;
    this.parts = [];
    return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : p)));
  }

  /**
   * The pending frames as bytes. A run that is not valid UTF-8 (an upstream's stray byte) is decoded and
   * re-encoded, so the client gets U+FFFD where the gateway would have decoded one, never invalid text.
   */
  private takeBytes(): Uint8Array {
    const bytes = this.bytes!;
    this.bytes = undefined;
    const run =
      this.bytesStart === 0 && this.bytesEnd === bytes.length
        ? bytes
        : bytes.subarray(this.bytesStart, this.bytesEnd);
    return isUtf8(run)
      ? run
      : Buffer.from(Buffer.from(run.buffer, run.byteOffset, run.length).toString('utf8'));
  }

  private closeBytes(): void {
    this.parts.push(this.takeBytes());
  }

  private closeText(): void {
    this.parts.push(this.text);
    this.text = '';
  }
}
