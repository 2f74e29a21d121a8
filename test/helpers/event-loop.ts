/**
 * Waiting in tests without wall-clock sleeps.
 */

/**
 * Turns the event loop (one `setImmediate` at a time) until `done()` holds, at most `max` turns; returns
 * whether it holds. For effects that need I/O to settle (a socket closed, a pool freed), never a timer.
 */
export async function untilTrue(done: () => boolean, max = 20_000): Promise<boolean> {
  for (let i = 0; i < max && !done(); i++) await new Promise<void>((resolve) => setImmediate(resolve));
  return done();
}
