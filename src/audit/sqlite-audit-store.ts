/**
 * The SQLite table behind {@link SqliteAuditLog}: schema, row mapping and table verification.
 * @packageDocumentation
 */
import Database from 'better-sqlite3';
import { type AuditRecord, isAuditRecord } from './audit-record.js';
import { ChainVerifier } from './audit-verify.js';
import { readCheckpoint } from './retention.js';
import type { AuditVerifyOptions, AuditVerifyReport } from './verify-report.js';

/** Name of the one audit table. */
export const AUDIT_TABLE = 'audit_records';

/**
 * Schema: one STRICT table keyed by `seq` (the rowid), plus triggers refusing UPDATE and DELETE so
 * accidental edits fail loudly (a determined editor can drop them; the hash chain still catches it).
 */
export const AUDIT_SCHEMA = `
CREATE TABLE IF NOT EXISTS ${AUDIT_TABLE} (
  seq INTEGER PRIMARY KEY,
  ts TEXT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  reason TEXT NOT NULL,
  data TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS ${AUDIT_TABLE}_type ON ${AUDIT_TABLE} (type, seq);
CREATE INDEX IF NOT EXISTS ${AUDIT_TABLE}_actor ON ${AUDIT_TABLE} (actor, seq);
CREATE TRIGGER IF NOT EXISTS ${AUDIT_TABLE}_no_update BEFORE UPDATE ON ${AUDIT_TABLE}
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS ${AUDIT_TABLE}_no_delete BEFORE DELETE ON ${AUDIT_TABLE}
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
`;

/** A stored row. */
export interface AuditRow {
  seq: number;
  ts: string;
  type: string;
  actor: string;
  reason: string;
  data: string;
  prev_hash: string;
  hash: string;
}

/** Converts a row to a record; `undefined` when its data is not a JSON object. */
export function rowToRecord(row: AuditRow): AuditRecord | undefined {
  let data: unknown;
  try {
    data = JSON.parse(row.data);
  } catch {
    return undefined;
  }
  const record = {
    seq: row.seq,
    ts: row.ts,
    type: row.type,
    actor: row.actor,
    reason: row.reason,
    data,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
  return isAuditRecord(record) ? record : undefined;
}

/** Runs a normalised query against an audit table (read-only; the caller flushed what it had pending). */
export function queryAuditTable(
  db: Database.Database,
  q: { type?: string; actor?: string; sinceSeq: number; limit: number; order: 'asc' | 'desc' },
): AuditRecord[] {
  const where = ['seq > ?'];
  const params: (string | number)[] = [q.sinceSeq];
  if (q.type !== undefined) {
    where.push('type = ?');
    params.push(q.type);
  }
  if (q.actor !== undefined) {
    where.push('actor = ?');
    params.push(q.actor);
  }
  const sql = `SELECT * FROM ${AUDIT_TABLE} WHERE ${where.join(' AND ')} ORDER BY seq ${q.order === 'asc' ? 'ASC' : 'DESC'} LIMIT ?`;
  const rows = db.prepare(sql).all(...params, q.limit) as AuditRow[];
  const out: AuditRecord[] = [];
  for (const row of rows) {
    const record = rowToRecord(row);
    if (record) out.push(record);
  }
  return out;
}

/** Streams every row of the audit table, in seq order, through a {@link ChainVerifier}. */
export function verifyAuditTable(db: Database.Database, options: AuditVerifyOptions = {}): AuditVerifyReport {
  // After a prune, the remaining chain starts from its checkpoint.
  const verifier = new ChainVerifier(undefined, options.maxDefects, readCheckpoint(db));
  const rows = db
    .prepare(`SELECT * FROM ${AUDIT_TABLE} ORDER BY seq`)
    .iterate() as IterableIterator<AuditRow>;
  for (const row of rows) {
    const record = rowToRecord(row);
    if (record) verifier.push(record);
    else verifier.pushMalformed(row.seq, `row ${row.seq} is not a valid audit record (bad data or field)`);
  }
  return verifier.finish();
}

/**
 * Opens an audit database file read-only and verifies its chain (for `hive-resilience audit verify`;
 * safe while a gateway is writing to it).
 * @throws Error naming the file when it does not exist or is not an audit database.
 */
export function verifyAuditDatabase(path: string, options: AuditVerifyOptions = {}): AuditVerifyReport {
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new Error(`cannot open audit database ${path}: ${(error as Error).message}`);
  }
  try {
    let table: unknown;
    try {
      table = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`).get(AUDIT_TABLE);
    } catch (error) {
      throw new Error(`cannot read audit database ${path}: ${(error as Error).message}`);
    }
    if (!table) throw new Error(`${path} is not an audit database (no ${AUDIT_TABLE} table)`);
    return verifyAuditTable(db, options);
  } finally {
    db.close();
  }
}
