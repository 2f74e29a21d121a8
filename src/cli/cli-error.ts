/**
 * The error a command throws for a user's mistake: printed as one line, no stack trace.
 * @packageDocumentation
 */
import { DURATION_MESSAGE, parseDurationText } from '../core/duration.js';

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

/**
 * Parses a duration like `30s`, `500ms`, `2m`, `1m30s` or plain milliseconds (the config's grammar),
 * naming the option when it is wrong.
 */
export function parseDurationOption(value: string, option: string): number {
  const ms = parseDurationText(value, 1);
  if (ms === undefined) throw new CliError(`${option}: ${DURATION_MESSAGE}, got "${value}"`);
  return ms;
}
