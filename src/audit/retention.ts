/**
 * Truncation detection and retention for the SQLite audit log.
 *
 * - **Head file.** After every committed batch the log writes `<db>.head` (`seq:hash` of its newest
 *   record). A log opened on a database whose newest record is older than the head file (its tail was cut
 *   off, or the database replaced by an older copy) does not reuse the lost numbers: it continues after
 *   the recorded head and first writes an `audit.truncation_detected` record, so the gap stays visible to
 *   every later `audit verify`.
 * - **Expected head.** `audit verify --expect-head <seq:hash>` checks a head noted elsewhere earlier.
 * - **Retention.** {@link pruneAuditDatabase} moves the records before a seq to an archive file and keeps
 *   a checkpoint (the last pruned record's seq and hash) in the database: verification of the remaining
 *   chain starts from that anchor, and the archive verifies on its own (`audit verify --json`).
 * @packageDocumentation
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { type AuditChainHead, GENESIS_HASH } from './audit-record.js';
import { AUDIT_TABLE, type AuditRow, rowToRecord } from './sqlite-audit-store.js';

/** Table of retention checkpoints (created by the first prune). */
export const CHECKPOINT_TABLE = 'audit_checkpoints';

const CHECKPOINT_SCHEMA = `CREATE TABLE IF NOT EXISTS ${CHECKPOINT_TABLE} (
  seq INTEGER PRIMARY KEY, hash TEXT NOT NULL, at TEXT NOT NULL, archive TEXT NOT NULL
) STRICT;`;

/** The head file of a database file. */
export function headFileOf(dbPath: string): string {
  return `${dbPath}.head`;
}

/** Formats a head as `seq:hash`. */
export function formatHead(head: AuditChainHead): string {
  return `${head.seq}:${head.hash}`;
}

/** Parses `seq:hash`; undefined when it is not one. */
export function parseHead(text: string): AuditChainHead | undefined {
  const m = /^(\d{1,15}):([0-9a-f]{64})$/.exec(text.trim());
  return m ? { seq: Number(m[1]), hash: m[2]! } : undefined;
}

/** Reads a head file; undefined when missing or unreadable. */
export function readHeadFile(dbPath: string): AuditChainHead | undefined {
  const file = headFileOf(dbPath);
  if (!existsSync(file)) return undefined;
  try {
    return parseHead(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Writes a head file (one small write; a torn one is ignored when read). */
export function writeHeadFile(dbPath: string, head: AuditChainHead): void {
  writeFileSync(headFileOf(dbPath), `${formatHead(head)}\n`);
}

/** The newest checkpoint (the anchor the remaining chain starts from), if records were pruned. */
export function readCheckpoint(db: Database.Database): AuditChainHead | undefined {
  const table = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?`)
    .get(CHECKPOINT_TABLE);
  if (!table) return undefined;
  return db.prepare(`SELECT seq, hash FROM ${CHECKPOINT_TABLE} ORDER BY seq DESC LIMIT 1`).get() as
    | AuditChainHead
    | undefined;
}

/** The newest record's seq and hash, or the checkpoint when every record was pruned. */
export function headOf(db: Database.Database): AuditChainHead | undefined {
  const last = db.prepare(`SELECT seq, hash FROM ${AUDIT_TABLE} ORDER BY seq DESC LIMIT 1`).get() as
    | AuditChainHead
    | undefined;
  return last ?? readCheckpoint(db);
}

/**
 * Checks a head noted earlier (`seq:hash`) against the database: the record must still be there with that
 * hash. Returns a problem in words, or undefined when it matches.
 */
export function checkExpectedHead(db: Database.Database, expected: AuditChainHead): string | undefined {
  const row = db.prepare(`SELECT hash FROM ${AUDIT_TABLE} WHERE seq = ?`).get(expected.seq) as
    | { hash: string }
    | undefined;
  if (row)
    return row.hash === expected.hash ? undefined : `record ${expected.seq} was rewritten (hash differs)`;
  const checkpoint = readCheckpoint(db);
  if (checkpoint && expected.seq <= checkpoint.seq) {
    return checkpoint.seq === expected.seq && checkpoint.hash !== expected.hash
      ? `record ${expected.seq} (the checkpoint) has another hash`
      : undefined; // pruned into an archive: verify the archive for it
  }
  const head = headOf(db);
  return `truncated: expected head ${expected.seq} is missing (the log ends at ${head ? head.seq : 0})`;
}

/** The archive written by {@link pruneAuditDatabase}: the anchor before its first record, and the records. */
export interface AuditArchive {
  readonly from: AuditChainHead;
  readonly records: unknown[];
}

/**
 * Moves every record with `seq < beforeSeq` to `archivePath` (JSON, written before anything is deleted)
 * and anchors the remaining chain with a checkpoint, in one transaction. The newest record is never
 * pruned. Returns how many records were moved.
 * @throws Error naming the problem (nothing to prune, archive exists, …)
 */
export function pruneAuditDatabase(db: Database.Database, beforeSeq: number, archivePath: string): number {
  if (existsSync(archivePath)) throw new Error(`${archivePath} exists already; choose a new archive file`);
  const head = headOf(db);
  if (!head) throw new Error('the audit log is empty');
  const last = Math.min(beforeSeq - 1, head.seq - 1);
  const from = readCheckpoint(db) ?? { seq: 0, hash: GENESIS_HASH };
  if (last <= from.seq) throw new Error(`nothing to prune before seq ${beforeSeq}`);
  const rows = db
    .prepare(`SELECT * FROM ${AUDIT_TABLE} WHERE seq > ? AND seq <= ? ORDER BY seq`)
    .all(from.seq, last) as AuditRow[];
  const records = rows.map((r) => rowToRecord(r) ?? r);
  const anchorRow = rows.at(-1);
  if (!anchorRow || anchorRow.seq !== last)
    throw new Error(`record ${last} is missing; verify the log first`);
  const archive: AuditArchive = { from, records };
  writeFileSync(archivePath, `${JSON.stringify(archive)}\n`, { flag: 'wx' });
  db.exec(CHECKPOINT_SCHEMA);
  db.transaction(() => {
    db.prepare(`INSERT INTO ${CHECKPOINT_TABLE} (seq, hash, at, archive) VALUES (?, ?, ?, ?)`).run(
      anchorRow.seq,
      anchorRow.hash,
      new Date().toISOString(),
      archivePath,
    );
    db.exec(`DROP TRIGGER IF EXISTS ${AUDIT_TABLE}_no_delete`);
    db.prepare(`DELETE FROM ${AUDIT_TABLE} WHERE seq <= ?`).run(last);
    db.exec(`CREATE TRIGGER ${AUDIT_TABLE}_no_delete BEFORE DELETE ON ${AUDIT_TABLE}
      BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;`);
  })();
  return rows.length;
}
