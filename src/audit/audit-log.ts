/**
 * The audit log contract shared by the memory and SQLite implementations.
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';
import type { AuditInput, AuditRecord } from './audit-record.js';
import type { AuditVerifyReport } from './verify-report.js';

/** Filter for {@link AuditLog.query}. Results are in ascending `seq` order unless `order` is `desc`. */
export interface AuditQuery {
  /** Only records of this type. */
  readonly type?: string;
  /** Only records by this actor. */
  readonly actor?: string;
  /** Only records with `seq > sinceSeq` (pass the last seq you saw to tail the log). */
  readonly sinceSeq?: number;
  /** Most records returned (default {@link DEFAULT_QUERY_LIMIT}, at most {@link MAX_QUERY_LIMIT}). */
  readonly limit?: number;
  /** `asc` (default): oldest first; `desc`: newest first (e.g. "last 50"). */
  readonly order?: 'asc' | 'desc';
  /**
   * Which instance's chain, where several instances keep one each in a data directory
   * (`InstanceAuditLogs`): an instance id, or `*` for every chain merged by time (then `sinceSeq`
   * applies to each chain). A single log ignores it.
   */
  readonly instance?: string;
}

/** Default `limit` of a query. */
export const DEFAULT_QUERY_LIMIT = 100;
/** Largest accepted `limit`. */
export const MAX_QUERY_LIMIT = 10_000;

/**
 * An append-only, tamper-evident (hash-chained) audit log.
 *
 * `append` hashes the record synchronously, so the chain order is the call order, and never throws
 * for storage failures (they go to `onError`); it throws a `TypeError` only for invalid input.
 */
export interface AuditLog {
  /** Appends a record (redacted and hashed now, stored at the latest by the end of the tick). */
  append(input: AuditInput): void;
  /** Writes every pending record now. Storage failures go to `onError`, never to the caller. */
  flush(): Promise<void> | void;
  /**
   * Writes every record appended so far (synchronously) and reports whether all of them are stored, so a
   * caller can acknowledge a change only once its record is durable. Storage failures go to `onError`.
   */
  commit(): boolean;
  /** Reads stored records (pending ones are flushed first). @throws RangeError for a bad filter. */
  query(filter?: AuditQuery): AuditRecord[];
  /** Recomputes every hash and link and reports each defect. */
  verify(): AuditVerifyReport;
  /** Flushes and releases resources; later appends are reported to `onError` and dropped. */
  close(): void;
}

/** Options shared by audit log implementations. */
export interface AuditLogOptions {
  /** Source of `ts` (default: the system clock). */
  readonly clock?: Clock;
  /** Receives storage failures and appends after close (default: a process warning). */
  readonly onError?: (error: Error) => void;
  /** This instance's id, written into every record's `data.instance` (several instances, one chain each). */
  readonly instance?: string;
}

/** Checks a query filter and fills in defaults. @throws RangeError naming the bad field. */
export function normaliseAuditQuery(
  filter: AuditQuery = {},
): Required<Omit<AuditQuery, 'type' | 'actor' | 'instance'>> &
  Pick<AuditQuery, 'type' | 'actor' | 'instance'> {
  const { type, actor, sinceSeq = 0, limit = DEFAULT_QUERY_LIMIT, order = 'asc', instance } = filter;
  if (type !== undefined && typeof type !== 'string')
    throw new RangeError('audit query "type" must be a string');
  if (actor !== undefined && typeof actor !== 'string')
    throw new RangeError('audit query "actor" must be a string');
  if (!Number.isInteger(sinceSeq) || sinceSeq < 0) {
    throw new RangeError(`audit query "sinceSeq" must be a non-negative integer, got ${String(sinceSeq)}`);
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new RangeError(
      `audit query "limit" must be an integer in 1..${MAX_QUERY_LIMIT}, got ${String(limit)}`,
    );
  }
  if (order !== 'asc' && order !== 'desc')
    throw new RangeError('audit query "order" must be "asc" or "desc"');
  if (
    instance !== undefined &&
    (typeof instance !== 'string' || !/^(\*|[A-Za-z0-9._-]{1,64})$/.test(instance))
  )
    throw new RangeError('audit query "instance" must be an instance id or "*"');
  return { type, actor, sinceSeq, limit, order, instance };
}

/** Reports an append to a closed log (the record is dropped, never thrown at the caller). */
export function reportClosedAppend(onError: ((error: Error) => void) | undefined, input: AuditInput): void {
  reportAuditError(onError, new Error(`audit log is closed; dropped "${String(input?.type)}" record`));
}

/** Calls `onError` without letting it throw into the caller. */
export function reportAuditError(onError: ((error: Error) => void) | undefined, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  try {
    if (onError) onError(err);
    else process.emitWarning(err.message, { code: 'HIVE_AUDIT' });
  } catch {
    // a failing error handler must not break the caller
  }
}
