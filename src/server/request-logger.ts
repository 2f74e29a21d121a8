/**
 * Per-request loggers that cost nothing until used. Fastify gives every request a pino child bound to
 * its request id; building one serialises the bindings on every request, even when nothing is logged
 * (the access log off is the common case under load). A {@link LazyRequestLogger} holds the parent and
 * the bindings and builds the child on the first log call.
 * @packageDocumentation
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LogFn } from 'pino';

/** A request logger whose pino child is created on first use. */
export class LazyRequestLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  /** The level (the parent's, or the child's once it exists). */
  get level(): string {
    return this.real?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.child$().level = level;
  }

  fatal(...args: Parameters<LogFn>): void {
    this.child$().fatal(...args);
  }
  error(...args: Parameters<LogFn>): void {
    this.child$().error(...args);
  }
  warn(...args: Parameters<LogFn>): void {
    this.child$().warn(...args);
  }
  info(...args: Parameters<LogFn>): void {
    this.child$().info(...args);
  }
  debug(...args: Parameters<LogFn>): void {
    this.child$().debug(...args);
  }
  trace(...args: Parameters<LogFn>): void {
    this.child$().trace(...args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.child$().child(bindings, options);
  }

  private child$(): FastifyBaseLogger {
    this.real ??= this.parent.child(this.bindings, this.options);
    return this.real;
  }
}

/** Fastify's `childLoggerFactory` producing {@link LazyRequestLogger}s. */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyRequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
