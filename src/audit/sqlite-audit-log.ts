/**
 * The embedded default audit log: SQLite (better-sqlite3) in WAL mode.
 *
 * Durability: records are hashed on `append` and written per tick in one transaction. A transaction
 * is atomic (WAL frames are checksummed; an incomplete commit is ignored on recovery), so a `kill -9`
 * at any moment leaves whole records and a verifying chain; records appended in the tick of the kill
 * and not yet written are lost (at the tail, so the chain still verifies). `synchronous` defaults to
 * `FULL`: in WAL mode `NORMAL` already survives a killed *process* (a commit is in the OS page cache
 * once `write()` returns), and `FULL` additionally fsyncs the WAL on every commit so a written record
 * also survives an OS crash or power loss. Batching makes that one fsync per tick, not per record.
 * @packageDocumentation
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock } from '../core/clock.js';
import {
  type AuditLog,
  type AuditLogOptions,
  type AuditQuery,
  normaliseAuditQuery,
  reportAuditError,
  reportClosedAppend,
} from './audit-log.js';
import { AuditChain, type AuditInput, type AuditRecord } from './audit-record.js';
import { canonicalJson } from './canonical-json.js';
import { formatHead, headOf, readHeadFile, writeHeadFile } from './retention.js';
import { AUDIT_SCHEMA, AUDIT_TABLE, queryAuditTable, verifyAuditTable } from './sqlite-audit-store.js';
import type { AuditVerifyReport } from './verify-report.js';

/** File name used inside `dataDir`. */
export const AUDIT_DB_FILE = 'audit.sqlite';

/** Options for {@link SqliteAuditLog}. Give `path` or `dataDir`. */
export interface SqliteAuditLogOptions extends AuditLogOptions {
  /** Database file (its directory is created if missing). */
  readonly path?: string;
  /** Data directory (created if missing); the file is `<dataDir>/audit.sqlite`. */
  readonly dataDir?: string;
  /** SQLite `synchronous` level (default `FULL`; see the module notes). */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** Pending records kept while writes fail; beyond it the oldest are dropped and reported (default 100 000). */
  readonly maxPendingRecords?: number;
}

/**
 * {@link AuditLog} on SQLite. One writer per file: the chain continues from the last stored record
 * when opened. Another process may read or verify the file at the same time.
 */
export class SqliteAuditLog implements AuditLog {
  /** The database file in use. */
  readonly path: string;
  private readonly db: Database.Database;
  private readonly chain: AuditChain;
  private readonly insertBatch: (records: readonly AuditRecord[]) => void;
  private readonly onError: ((error: Error) => void) | undefined;
  private readonly maxPending: number;
  private pending: AuditRecord[] = [];
  /** Whether `<path>.head` is kept (not for `:memory:`). */
  private readonly headFile: boolean;
  private scheduled = false;
  private closed = false;
  private readonly writeScheduled = (): void => {
    this.scheduled = false;
    this.writePending();
  };

  /** Opens (creating if needed) the database. @throws Error naming the file if it cannot be opened. */
  constructor(options: SqliteAuditLogOptions) {
    const path = options.path ?? (options.dataDir ? join(options.dataDir, AUDIT_DB_FILE) : undefined);
    if (!path) throw new TypeError('SqliteAuditLog needs "path" or "dataDir"');
    const synchronous = options.synchronous ?? 'FULL';
    if (synchronous !== 'FULL' && synchronous !== 'NORMAL') {
      throw new TypeError(`SqliteAuditLog "synchronous" must be FULL or NORMAL, got ${String(synchronous)}`);
    }
    this.path = path;
    this.onError = options.onError;
    this.maxPending = options.maxPendingRecords ?? 100_000;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${synchronous}`);
      this.db.exec(AUDIT_SCHEMA);
    } catch (error) {
      throw new Error(`cannot open audit database ${path}: ${(error as Error).message}`);
    }
    // The chain continues from the newest record (or the retention checkpoint), unless the head file says
    // the log once went further: then its tail was lost, and the lost numbers are not reused.
    const stored = headOf(this.db);
    const recorded = path === ':memory:' ? undefined : readHeadFile(path);
    this.headFile = path !== ':memory:';
    const lost = recorded !== undefined && recorded.seq > (stored?.seq ?? 0);
    this.chain = new AuditChain(options.clock ?? systemClock, lost ? recorded : stored, options.instance);
    const insert = this.db.prepare(
      `INSERT INTO ${AUDIT_TABLE} (seq, ts, type, actor, reason, data, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertBatch = this.db.transaction((records: readonly AuditRecord[]) => {
      for (const r of records) {
        insert.run(r.seq, r.ts, r.type, r.actor, r.reason, canonicalJson(r.data), r.prevHash, r.hash);
      }
    });
    if (lost) {
      const found = stored ? formatHead(stored) : 'an empty log';
      const message = `audit log ${path} ends at ${found} but had reached ${formatHead(recorded)}: records ${(stored?.seq ?? 0) + 1}..${recorded.seq} are missing (truncated); the chain continues after ${recorded.seq}`;
      reportAuditError(this.onError, new Error(message));
      this.append({
        type: 'audit.truncation_detected',
        actor: 'system',
        reason: message,
        data: { expectedHead: formatHead(recorded), foundHead: stored ? formatHead(stored) : null },
      });
    }
  }

  /** Records hashed but not yet written. */
  get pendingCount(): number {
    return this.pending.length;
  }

  append(input: AuditInput): void {
    if (this.closed) {
      reportClosedAppend(this.onError, input);
      return;
    }
    this.pending.push(this.chain.next(input));
    if (!this.scheduled) {
      this.scheduled = true;
      // Not unref'd: a pending audit write must run before the process exits on its own.
      setImmediate(this.writeScheduled);
    }
  }

  flush(): void {
    this.writePending();
  }

  commit(): boolean {
    this.writePending();
    return !this.closed && this.pending.length === 0;
  }

  query(filter?: AuditQuery): AuditRecord[] {
    const q = normaliseAuditQuery(filter);
    this.assertOpen();
    this.writePending();
    return queryAuditTable(this.db, q);
  }

  verify(): AuditVerifyReport {
    this.assertOpen();
    this.writePending();
    return verifyAuditTable(this.db);
  }

  close(): void {
    if (this.closed) return;
    this.writePending();
    this.closed = true;
    if (this.pending.length > 0) {
      reportAuditError(
        this.onError,
        new Error(`audit log closed with ${this.pending.length} unwritten record(s)`),
      );
      this.pending = [];
    }
    try {
      this.db.close();
    } catch (error) {
      reportAuditError(this.onError, error);
    }
  }

  /** Writes pending records in one transaction; on failure keeps them for the next attempt. */
  private writePending(): void {
    if (this.pending.length === 0 || this.closed) return;
    const batch = this.pending;
    try {
      this.insertBatch(batch);
      this.pending = [];
      const last = batch[batch.length - 1]!;
      if (this.headFile) {
        try {
          writeHeadFile(this.path, last);
        } catch (error) {
          reportAuditError(
            this.onError,
            new Error(`audit head file not written: ${(error as Error).message}`),
          );
        }
      }
    } catch (error) {
      reportAuditError(
        this.onError,
        new Error(`audit write of ${batch.length} record(s) failed: ${(error as Error).message}`),
      );
      const excess = this.pending.length - this.maxPending;
      if (excess > 0) {
        const lost = this.pending.splice(0, excess);
        reportAuditError(
          this.onError,
          new Error(
            `audit log dropped ${excess} unwritten record(s) (seq ${lost[0]!.seq}..${lost[excess - 1]!.seq})`,
          ),
        );
      }
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('audit log is closed');
  }
}
