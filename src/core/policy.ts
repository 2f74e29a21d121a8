/**
 * The contract every policy and every composed pipeline implements.
 * @packageDocumentation
 */
import type { CancelSignal } from './cancel-signal.js';
import type { Outcome } from './outcome.js';

/** What the executed function receives on each attempt. */
export interface AttemptContext {
  /** 0 for the first attempt, 1 for the first retry, and so on. */
  readonly attempt: number;
  /**
   * Aborts when the caller aborts, a timeout fires, or a hedge lost. Created lazily on first read:
   * a function that never reads it costs no `AbortController`.
   */
  readonly signal: AbortSignal;
}

/** Per-call options. */
export interface ExecuteOptions {
  /** The caller's cancellation signal. An abort yields an `aborted` outcome (neutral for breakers). */
  readonly signal?: CancelSignal;
}

/** A human-readable description of a pipeline, outermost policy first. */
export interface PolicyDescription {
  readonly name: string;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly inner?: PolicyDescription;
}

/** A policy, or a pipeline of policies. */
export interface Policy {
  /**
   * Runs a function that itself returns an outcome (the allocation-free path used by providers and the
   * engine). Never throws: a thrown error is classified into a failure outcome.
   */
  run<T>(
    fn: (ctx: AttemptContext) => Outcome<T> | Promise<Outcome<T>>,
    options?: ExecuteOptions,
  ): Promise<Outcome<T>>;
  /** Runs a function that returns a value or throws; never throws itself. */
  executeOutcome<T>(
    fn: (ctx: AttemptContext) => T | Promise<T>,
    options?: ExecuteOptions,
  ): Promise<Outcome<T>>;
  /** Runs a function and throws a typed error on failure (the public edge). */
  execute<T>(fn: (ctx: AttemptContext) => T | Promise<T>, options?: ExecuteOptions): Promise<T>;
  /** Describes the policy (and what it wraps). */
  describe(): PolicyDescription;
}
