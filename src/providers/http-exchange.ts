/**
 * One HTTP request/response over an undici dispatcher, driven by a dispatch handler rather than
 * undici's `request()`: no `Readable` body, no `AbortSignal`, one promise per call. A buffered exchange
 * collects the whole body; a streaming exchange hands the body over as a pull-based async iterable that
 * pauses the socket while the reader falls behind. Transport errors and cancellations come back as
 * values, never as rejections.
 * @packageDocumentation
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';

/** What to send. */
export interface ExchangeRequest {
  readonly origin: string;
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

/** A fully read response, or the error that ended the exchange. */
export type BufferedResult =
  | {
      readonly ok: true;
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly text: string;
    }
  | { readonly ok: false; readonly error: unknown };

/** A response whose headers arrived (body still flowing), or the error that ended the exchange first. */
export type StreamingResult =
  | {
      readonly ok: true;
      readonly status: number;
      readonly headers: IncomingHttpHeaders;
      readonly body: ExchangeBody;
    }
  | { readonly ok: false; readonly error: unknown };

/** Where an exchange reports its end (so the caller's timers stop). */
export interface ExchangeOwner {
  /** Binds the exchange's cancel function (called once, synchronously, at dispatch). */
  attach(cancel: (reason: Error) => void): void;
}

function textOf(chunks: Buffer[]): string {
  if (chunks.length === 0) return '';
  if (chunks.length === 1) return chunks[0]!.toString('utf8');
  return Buffer.concat(chunks).toString('utf8');
}

/** Dispatches `request` to a handler made around the promise's `resolve`, bound to `owner` for cancelling. */
function dispatchWith<R>(
  dispatcher: Dispatcher,
  request: ExchangeRequest,
  owner: ExchangeOwner,
  handlerFor: (resolve: (result: R) => void) => ExchangeHandler,
): Promise<R> {
  return new Promise<R>((resolve) => {
    const handler = handlerFor(resolve);
    owner.attach(handler.cancel);
    dispatcher.dispatch(request, handler);
  });
}

/** Sends a request and reads the whole body. */
export function exchangeBuffered(
  dispatcher: Dispatcher,
  request: ExchangeRequest,
  owner: ExchangeOwner,
): Promise<BufferedResult> {
  return dispatchWith(dispatcher, request, owner, (resolve) => new BufferedHandler(resolve));
}

/** Shared cancellation: before the request is written the reason is kept and applied on connect. */
abstract class ExchangeHandler implements Dispatcher.DispatchHandler {
  protected controller: Dispatcher.DispatchController | undefined;
  protected cancelled: Error | undefined;

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.cancelled) controller.abort(this.cancelled);
  }

  /** Cancels the exchange: aborts it when it is on the wire, else settles now and aborts on connect. */
  readonly cancel = (reason: Error): void => {
    if (this.cancelled || this.isFinished()) return;
    this.cancelled = reason;
    if (this.controller) this.controller.abort(reason);
    else this.fail(reason);
  };

  onResponseError(_c: Dispatcher.DispatchController, error: Error): void {
    this.fail(error);
  }

  protected abstract isFinished(): boolean;
  protected abstract fail(error: Error): void;
}

class BufferedHandler extends ExchangeHandler {
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private settled = false;

  constructor(private readonly resolve: (result: BufferedResult) => void) {
    super();
  }

  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.status = status;
    this.headers = headers;
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve({ ok: true, status: this.status, headers: this.headers, text: textOf(this.chunks) });
  }

  protected isFinished(): boolean {
    return this.settled;
  }

  protected fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.resolve({ ok: false, error });
  }
}

/** Sends a request and resolves once the response headers arrive; the body is read from `body`. */
export function exchangeStreaming(
  dispatcher: Dispatcher,
  request: ExchangeRequest,
  owner: ExchangeOwner,
): Promise<StreamingResult> {
  return dispatchWith(dispatcher, request, owner, (resolve) => new StreamingHandler(resolve));
}

/** Chunks buffered before the socket is paused. */
const HIGH_WATER_CHUNKS = 16;

/** Bytes a drained body (see {@link ExchangeBody.drain}) may still receive before it is aborted. */
export const DRAIN_MAX_BYTES = 64 * 1024;

const NOTHING = (): void => {};

/**
 * A response body as an async iterable of byte chunks (iterate once). `destroy()` aborts the exchange
 * when it has not ended; an error that ends the exchange rejects the pending read.
 */
export class ExchangeBody implements AsyncIterable<Uint8Array> {
  private readonly queue: Buffer[] = [];
  private ended = false;
  private error: Error | undefined;
  private waiter: ((step: IteratorResult<Uint8Array>) => void) | undefined;
  private failWaiter: ((error: Error) => void) | undefined;
  private paused = false;
  /** Set by {@link drain}: runs when the response ends or fails; what arrives meanwhile is dropped. */
  private drained: (() => void) | undefined;
  private drainedBytes = 0;

  constructor(
    private readonly controller: Dispatcher.DispatchController,
    private readonly abort: (reason: Error) => void,
  ) {}

  /** @internal Called by the handler for each chunk. */
  push(chunk: Buffer): void {
    if (this.drained) {
      this.drainedBytes += chunk.length;
      if (this.drainedBytes > DRAIN_MAX_BYTES) this.abort(new Error('the response went on after its end'));
      return;
    }
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = undefined;
      this.failWaiter = undefined;
      wake({ done: false, value: chunk });
      return;
    }
    this.queue.push(chunk);
    if (this.queue.length >= HIGH_WATER_CHUNKS && !this.paused) {
      this.paused = true;
      this.controller.pause();
    }
  }

  /** @internal Called by the handler at the end of the body. */
  end(): void {
    this.ended = true;
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = undefined;
      this.failWaiter = undefined;
      wake({ done: true, value: undefined });
    }
    this.settleDrain();
  }

  /** @internal Called by the handler when the exchange fails after the headers. */
  fail(error: Error): void {
    if (this.ended || this.error) return;
    this.error = error;
    if (this.failWaiter) {
      const fail = this.failWaiter;
      this.waiter = undefined;
      this.failWaiter = undefined;
      fail(error);
    }
    this.settleDrain();
  }

  /**
   * Reads no more, but lets the response finish so undici can reuse its connection: what still arrives is
   * dropped (past {@link DRAIN_MAX_BYTES} the exchange is aborted), and `done` runs once the response ended
   * or failed. False, without calling `done`, when it already ended or failed. The caller bounds the time.
   */
  drain(done: () => void): boolean {
    if (this.ended || this.error || this.drained) return false;
    this.drained = done;
    this.queue.length = 0;
    if (this.paused) {
      this.paused = false;
      this.controller.resume();
    }
    return true;
  }

  private settleDrain(): void {
    const done = this.drained;
    if (done === undefined) return;
    this.drained = NOTHING;
    done();
  }

  /** Stops the exchange if it is still running. Safe to call more than once. */
  destroy(): void {
    if (this.ended || this.error) return;
    this.abort(new Error('the response body was discarded'));
  }

  /** Reads the rest of the body as UTF-8 text. Rejects when the exchange fails. */
  async text(): Promise<string> {
    const chunks: Buffer[] = [];
    for await (const chunk of this) chunks.push(chunk as Buffer);
    return textOf(chunks);
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return { next: () => this.next() };
  }

  /**
   * A chunk that already arrived, without a promise (the response's first bytes usually come in the read
   * that brought its headers); `undefined` when none is queued: then `next()` waits for one or the end.
   */
  readNow(): Buffer | undefined {
    const chunk = this.queue.shift();
    if (chunk !== undefined && this.paused && this.queue.length === 0) {
      this.paused = false;
      this.controller.resume();
    }
    return chunk;
  }

  private next(): Promise<IteratorResult<Uint8Array>> {
    const chunk = this.readNow();
    if (chunk !== undefined) return Promise.resolve({ done: false, value: chunk });
    if (this.error) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }
}

class StreamingHandler extends ExchangeHandler {
  private body: ExchangeBody | undefined;
  private finished = false;

  constructor(private readonly resolve: (result: StreamingResult) => void) {
    super();
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ): void {
    this.body = new ExchangeBody(controller, this.cancel);
    this.resolve({ ok: true, status, headers, body: this.body });
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.body?.push(chunk);
  }

  onResponseEnd(): void {
    this.finished = true;
    this.body?.end();
  }

  protected isFinished(): boolean {
    return this.finished;
  }

  protected fail(error: Error): void {
    if (this.finished) return;
    this.finished = true;
    // Before the headers the promise is still pending; after them the body carries the error.
    if (this.body) this.body.fail(error);
    else this.resolve({ ok: false, error });
  }
}
