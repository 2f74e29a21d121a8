/**
 * The refresh loop of `status --watch`: render, draw (clearing the screen on a terminal, a timestamped
 * block otherwise), wait, repeat until the signal aborts. A gateway that cannot be reached shows as a
 * line in the block; the loop goes on and picks it up again when it is back.
 * @packageDocumentation
 */

/** Options of {@link watchStatus}. */
export interface WatchStatusOptions {
  /** Builds the text to show (may throw: the error's message is shown instead). */
  render(): Promise<string>;
  /** Time between refreshes, in ms. */
  readonly intervalMs: number;
  /** Writes to the output. */
  write(text: string): void;
  /** True when the output is a terminal (redraw in place instead of appending). */
  readonly terminal: boolean;
  /** Ends the loop. */
  readonly signal: AbortSignal;
  /** Waits between refreshes (default: a timer that ends early when `signal` aborts). */
  readonly wait?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Wall-clock time for the header (default `new Date()`). */
  readonly now?: () => Date;
}

const CLEAR = '\x1b[H\x1b[2J';

function defaultWait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Runs the refresh loop until `signal` aborts; returns the number of refreshes drawn. */
export async function watchStatus(options: WatchStatusOptions): Promise<number> {
  const wait = options.wait ?? defaultWait;
  const now = options.now ?? (() => new Date());
  let cycles = 0;
  while (!options.signal.aborted) {
    let body: string;
    try {
      body = await options.render();
    } catch (error) {
      body = `${error instanceof Error ? error.message : String(error)}\n`;
    }
    if (options.signal.aborted) break;
    const time = now().toISOString().slice(11, 19);
    const header = `every ${options.intervalMs / 1000}s · ${time} · Ctrl-C to stop\n\n`;
    options.write(options.terminal ? `${CLEAR}${header}${body}` : `${header}${body}\n`);
    cycles++;
    await wait(options.intervalMs, options.signal);
  }
  return cycles;
}
