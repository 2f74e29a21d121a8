/**
 * A tiny typed event emitter. Emitting with no listener costs one length check; a listener that throws
 * is isolated (reported to `onListenerError`, never to the emitter's caller).
 * @packageDocumentation
 */

/** Something that can be undone, e.g. a listener subscription. */
export interface Disposable {
  dispose(): void;
}

/** A listener for events of type `T`. */
export type Listener<T> = (event: T) => void;

/** Typed emitter for one event type. */
export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];

  /** @param onListenerError - called when a listener throws (defaults to ignoring it). */
  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  /** True when at least one listener is registered (check before building an expensive event). */
  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }

  /** Subscribes; returns a handle that unsubscribes. */
  on(listener: Listener<T>): Disposable {
    this.listeners = [...this.listeners, listener];
    return {
      dispose: () => {
        this.listeners = this.listeners.filter((l) => l !== listener);
      },
    };
  }

  /** Delivers `event` to every listener; a throwing listener does not stop the others. */
  emit(event: T): void {
    const ls = this.listeners;
    if (ls.length === 0) return;
    for (const l of ls) {
      try {
        l(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  /** Removes every listener. */
  clear(): void {
    this.listeners = [];
  }
}
