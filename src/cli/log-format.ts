/**
 * Which log format `serve` uses: readable lines for a person at a terminal, JSON lines otherwise.
 * @packageDocumentation
 */
import type { LogFormat } from '../gateway/logger.js';
import { CliError } from './cli-error.js';

/** Values of `--log-format`. */
export const LOG_FORMAT_CHOICES = ['auto', 'pretty', 'json'] as const;

/**
 * The format for `--log-format <value>`: `pretty` or `json` as given; `auto` (or no flag) is `pretty`
 * when the log output is a terminal and `json` when it is a pipe or a file.
 * @throws CliError naming the flag for any other value
 */
export function chooseLogFormat(flag: string | undefined, outputIsTTY: boolean): LogFormat {
  if (flag === undefined || flag === 'auto') return outputIsTTY ? 'pretty' : 'json';
  if (flag === 'pretty' || flag === 'json') return flag;
  throw new CliError(`--log-format: expected one of ${LOG_FORMAT_CHOICES.join(', ')}, got "${flag}"`);
}
