/**
 * Per-request loggers that cost nothing until used. Fastify gives every request a pino child bound to
 * its request id; building one serialises the bindings on every request, even when nothing is logged
 * (the access log off is the common case under load). A {@link LazyRequestLogger} holds the parent and
 * the bindings and builds the child on the first log call. {@link withLazyChildren} makes a logger's
 * `child()` hand these out, so Fastify takes them through its own child factory (a custom factory's result
 * is checked method by method on every request).
 * @packageDocumentation
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LogFn, Logger } from 'pino';

/** A logger's own `child` (pino's, before {@link withLazyChildren} replaced it). */
type ChildOf = (
  this: FastifyBaseLogger,
  bindings: Bindings,
  options?: ChildLoggerOptions,
) => FastifyBaseLogger;

/** A request logger whose pino child is created on first use. */
export class LazyRequestLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
    /** How the real child is made (the parent's own `child` when that now hands out lazy ones). */
    private readonly makeChild: ChildOf = parent.child as ChildOf,
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
    this.real ??= this.makeChild.call(this.parent, this.bindings, this.options);
    return this.real;
  }
}

/**
 * Makes `logger.child()` (and the children's, which pino derives from their parent) return
 * {@link LazyRequestLogger}s; the real pino child is made on a lazy one's first log call. Returns `logger`.
 */
export function withLazyChildren(logger: Logger): Logger {
  const makeChild = logger.child as unknown as ChildOf;
  const lazy = function (this: FastifyBaseLogger, bindings: Bindings, options?: ChildLoggerOptions) {
    return new LazyRequestLogger(this, bindings, options ?? {}, makeChild);
  };
  Object.defineProperty(logger, 'child', { value: lazy, writable: true, configurable: true });
  return logger;
}
