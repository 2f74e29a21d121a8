/**
 * Lazily linked cancellation scopes. A scope creates its `AbortController`, and links it to its
 * parent, only when something reads its `signal`; aborting a scope nobody listens to costs a flag.
 * @packageDocumentation
 */
import type { CancelSignal } from './cancel-signal.js';

let neverAborted: AbortSignal | undefined;

/** A shared signal that never aborts (for calls that have no caller signal and no deadline). */
export function neverAbortedSignal(): AbortSignal {
  neverAborted ??= new AbortController().signal;
  return neverAborted;
}

/**
 * One level of cancellation (the caller, a timeout, one hedged attempt). Must be {@link dispose}d by
 * its owner when the work it covers ends: that removes the one listener it may have put on its parent.
 */
export class SignalScope {
  private controller: AbortController | undefined = undefined;
  private parentSignal: CancelSignal | undefined = undefined;
  private onParentAbort: (() => void) | undefined = undefined;
  private abortedFlag = false;
  private abortReason: unknown = undefined;

  /**
   * @param parent - the enclosing scope, if any
   * @param external - a caller's signal (used only when there is no parent)
   */
  constructor(
    readonly parent: SignalScope | undefined,
    readonly external: CancelSignal | undefined = undefined,
  ) {}

  /** True when this scope or any ancestor (or the caller's signal) is aborted. No allocation. */
  get aborted(): boolean {
    if (this.abortedFlag) return true;
    if (this.parent) return this.parent.aborted;
    return this.external?.aborted === true;
  }

  /** The reason of the first abort seen along the chain. */
  get reason(): unknown {
    if (this.abortedFlag) return this.abortReason;
    if (this.parent) return this.parent.reason;
    return this.external?.reason;
  }

  /** The scope's signal, created (and linked to the parent) on first read. */
  get signal(): AbortSignal {
    if (this.controller) return this.controller.signal;
    const controller = new AbortController();
    this.controller = controller;
    if (this.abortedFlag) {
      controller.abort(this.abortReason);
      return controller.signal;
    }
    const parentSignal = this.parent ? this.parent.signal : this.external;
    if (parentSignal) {
      if (parentSignal.aborted) {
        controller.abort(parentSignal.reason);
      } else {
        const listener = () => controller.abort(parentSignal.reason);
        this.onParentAbort = listener;
        this.parentSignal = parentSignal;
        parentSignal.addEventListener('abort', listener, { once: true });
      }
    }
    return controller.signal;
  }

  /** Aborts this scope (and through real signals every child that has one). Idempotent. */
  abort(reason?: unknown): void {
    if (this.abortedFlag) return;
    this.abortedFlag = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  /** Removes the listener this scope put on its parent's signal, if any. Idempotent. */
  dispose(): void {
    if (this.parentSignal && this.onParentAbort) {
      this.parentSignal.removeEventListener('abort', this.onParentAbort);
      this.parentSignal = undefined;
    }
  }

  /**
   * Calls `fn` once when this scope aborts; returns an unsubscribe function. Creates the signal
   * (slow path only: waits, sleeps).
   */
  onAbort(fn: () => void): () => void {
    const signal = this.signal;
    if (signal.aborted) {
      fn();
      return noop;
    }
    signal.addEventListener('abort', fn, { once: true });
    return () => signal.removeEventListener('abort', fn);
  }
}

function noop(): void {}
