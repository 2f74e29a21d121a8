/**
 * Cancellation without `AbortController`. {@link CancelSignal} is the part of `AbortSignal` that
 * cancellation needs, so an `AbortSignal` is one; {@link CancelSource} is a cheap one to create per
 * request (a plain object with at most a couple of listeners), for callers on a hot path that rarely
 * cancel, such as a server watching for clients that go away. Code that must hand a real `AbortSignal`
 * on (to `fetch`, say) converts with {@link asAbortSignal}.
 * @packageDocumentation
 */

/** What cancellation needs of a signal. `AbortSignal` satisfies it. */
export interface CancelSignal {
  /** True once cancelled. */
  readonly aborted: boolean;
  /** Why it was cancelled (`undefined` before). */
  readonly reason: unknown;
  /** Calls `listener` when cancelled (at most once per registration). */
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  /** Removes a listener added with {@link CancelSignal.addEventListener}. */
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** A cancellation source that is its own signal: `abort()` it; hand it on as a {@link CancelSignal}. */
export class CancelSource implements CancelSignal {
  aborted = false;
  reason: unknown = undefined;
  private first: (() => void) | undefined = undefined;
  private more: Array<() => void> | undefined = undefined;

  addEventListener(_type: 'abort', listener: () => void): void {
    if (this.aborted) return;
    if (this.first === undefined) this.first = listener;
    else if (this.more === undefined) this.more = [listener];
    else this.more.push(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.first === listener) {
      this.first = this.more?.shift();
      return;
    }
    const i = this.more?.indexOf(listener) ?? -1;
    if (i >= 0) this.more!.splice(i, 1);
  }

  /** Cancels (idempotent) and calls each listener once; a throwing listener does not stop the others. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason ?? new DOMException('This operation was aborted', 'AbortError');
    const first = this.first;
    const more = this.more;
    this.first = undefined;
    this.more = undefined;
    const call = (fn: () => void): void => {
      try {
        fn();
      } catch {
        // A listener's failure is its own; cancellation goes on.
      }
    };
    if (first) call(first);
    if (more) for (const fn of more) call(fn);
  }
}

/**
 * An `AbortSignal` that follows `signal`: `signal` itself when it is one, else a linked one;
 * `unlink()` removes the link (a no-op for a real signal). `undefined` stays `undefined`.
 */
export function asAbortSignal(signal: CancelSignal | undefined): {
  signal: AbortSignal | undefined;
  unlink: () => void;
} {
  if (signal === undefined || signal instanceof AbortSignal) return { signal, unlink: noop };
  const controller = new AbortController();
  if (signal.aborted) {
    controller.abort(signal.reason);
    return { signal: controller.signal, unlink: noop };
  }
  const onAbort = (): void => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return { signal: controller.signal, unlink: () => signal.removeEventListener('abort', onAbort) };
}

function noop(): void {}
