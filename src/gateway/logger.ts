/**
 * The gateway's logger: pino JSON lines (for machines and log shippers), or readable, coloured lines
 * through pino-pretty (for a person at a terminal). pino-pretty is loaded only when asked for.
 * @packageDocumentation
 */
import pino, { type Logger } from 'pino';

/** `json`: one JSON object a line; `pretty`: `HH:MM:ss.l INFO: message key=value` lines. */
export type LogFormat = 'json' | 'pretty';

/** Options of {@link createGatewayLogger}. */
export interface GatewayLoggerOptions {
  /** pino level (`info`, `debug`, `silent`, …). */
  readonly level: string;
  /** Output format (default `json`). */
  readonly format?: LogFormat;
  /** Colour the pretty lines (default: when the output is a terminal and `NO_COLOR` is unset). */
  readonly colorize?: boolean;
  /** File descriptor to write to (default 1, stdout). */
  readonly fd?: number;
}

/** Creates the gateway's pino logger in the requested format. */
export async function createGatewayLogger(options: GatewayLoggerOptions): Promise<Logger> {
  const base = { level: options.level, name: 'hive-resilience' };
  const fd = options.fd ?? 1;
  if ((options.format ?? 'json') === 'json') return pino(base, pino.destination(fd));
  const { default: pretty } = await import('pino-pretty');
  const colorize = options.colorize ?? (fd === 1 ? process.stdout.isTTY : process.stderr.isTTY) === true;
  return pino(
    base,
    pretty({
      colorize: colorize && !process.env.NO_COLOR,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,name',
      singleLine: true,
      destination: fd,
      sync: true,
    }),
  );
}
