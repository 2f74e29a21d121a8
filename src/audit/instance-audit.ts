/**
 * Several instances (hosts sharing state, or `serve --workers N`) each keep their own hash chain: one
 * SQLite file per instance in the data directory (`audit-<instance>.sqlite`), every record carrying its
 * instance id in `data.instance`. This module finds those chains, verifies them all, and answers queries
 * over all of them merged by time.
 * @packageDocumentation
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type AuditLog, type AuditQuery, normaliseAuditQuery } from './audit-log.js';
import type { AuditInput, AuditRecord } from './audit-record.js';
import { AUDIT_DB_FILE } from './sqlite-audit-log.js';
import { queryAuditTable, verifyAuditDatabase } from './sqlite-audit-store.js';
import type { AuditVerifyReport } from './verify-report.js';

const INSTANCE_FILE = /^audit-([A-Za-z0-9._-]{1,64})\.sqlite$/;

/** The audit file of one instance in `dataDir`. */
export function instanceAuditFile(dataDir: string, instance: string): string {
  return join(dataDir, `audit-${instance}.sqlite`);
}

/** One chain in a data directory: `instance` is undefined for the single-instance `audit.sqlite`. */
export interface AuditChainFile {
  readonly instance: string | undefined;
  readonly path: string;
}

/** Every audit chain in `dataDir` (the single-instance file first, then instances by id). */
export function auditChainFiles(dataDir: string): AuditChainFile[] {
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return [];
  }
  const out: AuditChainFile[] = [];
  if (names.includes(AUDIT_DB_FILE)) out.push({ instance: undefined, path: join(dataDir, AUDIT_DB_FILE) });
  for (const name of names.sort()) {
    const m = INSTANCE_FILE.exec(name);
    if (m) out.push({ instance: m[1], path: join(dataDir, name) });
  }
  return out;
}

/** One chain's verification. */
export interface ChainReport extends AuditVerifyReport {
  readonly instance: string | null;
  readonly path: string;
}

/** The verification of every chain: ok when each is. */
export interface InstancesVerifyReport extends AuditVerifyReport {
  readonly chains: ChainReport[];
}

/** Verifies every chain in `dataDir`; `ok` only when there is at least one and each verifies. */
export function verifyAuditDirectory(dataDir: string): ChainReport[] {
  return auditChainFiles(dataDir).map((f) => ({
    ...verifyAuditDatabase(f.path),
    instance: f.instance ?? null,
    path: f.path,
  }));
}

/**
 * This instance's {@link AuditLog} (appends, flushes and its own chain's queries go to it), plus the
 * other instances' chains in the same data directory, read-only: `query({ instance: '*' })` merges every
 * chain by time, `query({ instance: id })` reads one, and `verify()` verifies them all.
 */
export class InstanceAuditLogs implements AuditLog {
  constructor(
    private readonly own: AuditLog,
    private readonly dataDir: string,
    private readonly instance: string,
  ) {}

  append(input: AuditInput): void {
    this.own.append(input);
  }

  flush(): Promise<void> | void {
    return this.own.flush();
  }

  commit(): boolean {
    return this.own.commit();
  }

  query(filter: AuditQuery = {}): AuditRecord[] {
    const q = normaliseAuditQuery(filter);
    if (q.instance === undefined || q.instance === this.instance)
      return this.own.query({ ...q, instance: undefined });
    const files = auditChainFiles(this.dataDir).filter(
      (f) => q.instance === '*' || f.instance === q.instance,
    );
    const merged: AuditRecord[] = [];
    for (const f of files) {
      if (f.instance === this.instance) merged.push(...this.own.query({ ...q, instance: undefined }));
      else merged.push(...readChain(f.path, q));
    }
    const dir = q.order === 'desc' ? -1 : 1;
    merged.sort((a, b) => dir * (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.seq - b.seq));
    return merged.slice(0, q.limit);
  }

  verify(): InstancesVerifyReport {
    const ownReport = this.own.verify();
    const chains = verifyAuditDirectory(this.dataDir).map((c) =>
      c.instance === this.instance ? { ...ownReport, instance: c.instance, path: c.path } : c,
    );
    const ok = chains.every((c) => c.ok) && ownReport.ok;
    return {
      ...ownReport,
      ok,
      records: chains.reduce((n, c) => n + c.records, 0),
      defects: chains.flatMap((c) =>
        c.defects.map((d) => ({ ...d, message: `${c.instance ?? 'audit'}: ${d.message}` })),
      ),
      truncated: chains.some((c) => c.truncated),
      chains,
    };
  }

  close(): void {
    this.own.close();
  }
}

function readChain(path: string, q: ReturnType<typeof normaliseAuditQuery>): AuditRecord[] {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    return queryAuditTable(db, q);
  } catch {
    return [];
  } finally {
    db?.close();
  }
}
