/**
 * An in-memory audit log: for tests, demos and embedding without a data directory.
 * @packageDocumentation
 */
import { systemClock } from '../core/clock.js';
import {
  type AuditLog,
  type AuditLogOptions,
  type AuditQuery,
  normaliseAuditQuery,
  reportClosedAppend,
} from './audit-log.js';
import { AuditChain, type AuditInput, type AuditRecord } from './audit-record.js';
import { verifyAuditRecords } from './audit-verify.js';
import type { AuditVerifyReport } from './verify-report.js';

/** {@link AuditLog} kept in an array. Records are stored immediately; `flush` is a no-op. */
export class MemoryAuditLog implements AuditLog {
  private readonly records: AuditRecord[] = [];
  private readonly chain: AuditChain;
  private closed = false;

  constructor(private readonly options: AuditLogOptions = {}) {
    this.chain = new AuditChain(options.clock ?? systemClock, undefined, options.instance);
  }

  /** Number of stored records. */
  get size(): number {
    return this.records.length;
  }

  append(input: AuditInput): void {
    if (this.closed) {
      reportClosedAppend(this.options.onError, input);
      return;
    }
    this.records.push(this.chain.next(input));
  }

  flush(): void {}

  commit(): boolean {
    return !this.closed;
  }

  query(filter?: AuditQuery): AuditRecord[] {
    const q = normaliseAuditQuery(filter);
    const out: AuditRecord[] = [];
    const n = this.records.length;
    for (let k = 0; k < n && out.length < q.limit; k++) {
      const r = this.records[q.order === 'asc' ? k : n - 1 - k]!;
      if (r.seq <= q.sinceSeq) {
        if (q.order === 'asc') continue;
        break;
      }
      if ((q.type === undefined || r.type === q.type) && (q.actor === undefined || r.actor === q.actor)) {
        out.push(structuredClone(r));
      }
    }
    return out;
  }

  verify(): AuditVerifyReport {
    return verifyAuditRecords(this.records);
  }

  /** A deep copy of every record, e.g. for a JSON export (verify it with `verifyAuditRecords`). */
  export(): AuditRecord[] {
    return structuredClone(this.records);
  }

  close(): void {
    this.closed = true;
  }
}
