/**
 * The error a command throws for a user's mistake: printed as one line, no stack trace.
 * @packageDocumentation
 */

/** A user-facing CLI failure with an exit code. */
export class CliError extends Error {
  /** @param message - one readable line; @param exitCode - process exit code (default 2 for usage) */
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Parses a TCP port option, naming the option when it is wrong. */
export function parsePort(value: string, option = '--port'): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new CliError(`${option}: expected a port 0-65535, got "${value}"`);
  return n;
}

/** Parses a duration like `30s`, `500ms`, `2m` or plain milliseconds, naming the option when it is wrong. */
export function parseDurationOption(value: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new CliError(`${option}: expected a duration like "30s", got "${value}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  return Math.round(n * (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : unit === 's' ? 1000 : 1));
}
