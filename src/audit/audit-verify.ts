/**
 * Chain verification: recomputes every hash and link and names each edited, deleted, inserted or
 * reordered record. Works on a stream of records (SQLite) or an array (a JSON export).
 *
 * Limits, by design of a keyless hash chain: someone who can rewrite the *whole* tail after a point
 * (recomputing every later hash), or who deletes only the newest records, leaves a chain that still
 * verifies. Keep `headSeq`/`headHash` from a report somewhere else (a ticket, another system) and
 * compare later to detect that.
 * @packageDocumentation
 */
import { type AuditRecord, computeAuditHash, GENESIS_HASH, isAuditRecord } from './audit-record.js';
import type { AuditDefect, AuditDefectKind, AuditVerifyOptions, AuditVerifyReport } from './verify-report.js';

interface Slot {
  readonly record: AuditRecord;
  readonly selfOk: boolean;
  inserted: boolean;
  seqDefect: boolean;
}

interface PendingDefect {
  seq: number;
  kind: AuditDefectKind;
  message: string;
  dropped?: boolean;
  offset?: number;
}

const MAX_MOVE_CANDIDATES = 256;

/**
 * Incremental verifier: {@link ChainVerifier.push} records in stored order, then
 * {@link ChainVerifier.finish}. Holds one record of look-ahead plus the defects found.
 */
export class ChainVerifier {
  private readonly defects: PendingDefect[] = [];
  private readonly seen = new Set<number>();
  private readonly mismatched: { slot: Slot; defect: PendingDefect; linkDefects: PendingDefect[] }[] = [];
  private prev: Slot | undefined;
  private current: Slot | undefined;
  private expected = 1;
  private count = 0;
  private truncated = false;
  private readonly anchorHash: string;

  /**
   * @param laterSeqs - every seq in the input, when known (arrays), to tell a deletion from a record
   *   moved later; for seq-ordered storage leave it out.
   * @param anchor - the record before the first one (a retention checkpoint); default: the genesis
   */
  constructor(
    private readonly laterSeqs?: ReadonlySet<number>,
    private readonly maxDefects = 1000,
    private readonly anchor: { readonly seq: number; readonly hash: string } = { seq: 0, hash: GENESIS_HASH },
  ) {
    this.expected = anchor.seq + 1;
    this.anchorHash = anchor.hash;
  }

  /** Adds a row that is not a valid record (e.g. unparsable data). */
  pushMalformed(seq: number, message: string): void {
    this.count++;
    this.add({ seq, kind: 'malformed', message });
  }

  /** Adds the next stored record. */
  push(record: AuditRecord): void {
    this.count++;
    const { hash: _ignored, ...unsigned } = record;
    const slot: Slot = {
      record,
      selfOk: safeHash(unsigned) === record.hash,
      inserted: false,
      seqDefect: false,
    };
    if (this.current) this.settle(this.current, slot);
    this.prev = this.current;
    this.current = slot;
  }

  /** Completes verification and returns the report. */
  finish(): AuditVerifyReport {
    if (this.current) this.settle(this.current, undefined);
    this.detectMoves();
    const defects: AuditDefect[] = [];
    for (const d of collapseMoves(this.defects.filter((x) => !x.dropped))) {
      defects.push({ seq: d.seq, kind: d.kind, message: d.message });
    }
    const head = this.current?.record;
    return {
      ok: defects.length === 0 && !this.truncated,
      records: this.count,
      defects,
      truncated: this.truncated,
      headSeq: head?.seq ?? this.anchor.seq,
      headHash: head?.hash ?? this.anchorHash,
    };
  }

  /** Judges `slot` now that its successor (`next`) is known. */
  private settle(slot: Slot, next: Slot | undefined): void {
    const r = slot.record;
    const prev = this.prev;
    const prevHash = prev ? prev.record.hash : this.anchorHash;
    // Two records claim the same predecessor and the chain continues through the second: the first
    // was forged to fit in (inserted).
    if (
      slot.selfOk &&
      next &&
      r.prevHash === prevHash &&
      next.record.prevHash === prevHash &&
      next.record.hash !== r.hash
    ) {
      slot.inserted = true;
      this.add({
        seq: r.seq,
        kind: 'inserted_record',
        message: `record ${r.seq} is not part of the chain (inserted)`,
      });
    }
    if (this.seen.has(r.seq)) {
      slot.seqDefect = true;
      if (!slot.inserted)
        this.add({ seq: r.seq, kind: 'duplicate_seq', message: `seq ${r.seq} appears twice` });
    } else if (r.seq < this.expected) {
      slot.seqDefect = true;
      this.add({
        seq: r.seq,
        kind: 'seq_out_of_order',
        message: `record ${r.seq} appears after record ${this.expected - 1}`,
      });
    } else if (r.seq > this.expected) {
      slot.seqDefect = true;
      if (this.laterSeqs?.has(this.expected)) {
        this.add({
          seq: r.seq,
          kind: 'seq_out_of_order',
          message: `record ${r.seq} appears before record ${this.expected}`,
        });
      } else {
        const last = r.seq - 1;
        const range = last === this.expected ? `record ${last} is` : `records ${this.expected}..${last} are`;
        this.add({ seq: this.expected, kind: 'seq_gap', message: `${range} missing (deleted)` });
      }
    }
    // An inserted record reusing its successor's seq does not take that seq from it.
    if (!(slot.inserted && next?.record.seq === r.seq)) {
      this.seen.add(r.seq);
      this.expected = Math.max(this.expected, r.seq + 1);
    }

    const linkDefects: PendingDefect[] = [];
    const explained = slot.seqDefect || (prev !== undefined && (prev.inserted || prev.seqDefect));
    if (r.prevHash !== prevHash && !explained) {
      const what = prev
        ? `record ${prev.record.seq} (rewritten or replaced)`
        : this.anchor.seq > 0
          ? `the checkpoint of record ${this.anchor.seq}`
          : 'the genesis hash';
      const d = this.add({
        seq: r.seq,
        kind: 'broken_link',
        message: `record ${r.seq} does not link to ${what}`,
      });
      if (d) linkDefects.push(d);
    }
    if (!slot.selfOk) {
      const d = this.add({
        seq: r.seq,
        kind: 'hash_mismatch',
        message: `record ${r.seq} content does not match its hash (edited)`,
      });
      if (d && this.mismatched.length < MAX_MOVE_CANDIDATES * 16) {
        this.mismatched.push({ slot, defect: d, linkDefects });
      }
    }
  }

  /** Re-reads hash mismatches: content that hashes correctly under another seq was moved there. */
  private detectMoves(): void {
    const candidateSeqs =
      this.mismatched.length <= MAX_MOVE_CANDIDATES ? this.mismatched.map((m) => m.slot.record.seq) : [];
    const movedSeqs = new Set<number>();
    for (const m of this.mismatched) {
      const r = m.slot.record;
      const candidates = new Set([r.seq - 1, r.seq + 1, ...candidateSeqs]);
      candidates.delete(r.seq);
      for (const c of candidates) {
        if (c < 1) continue;
        const { hash: _ignored, ...unsigned } = r;
        if (safeHash({ ...unsigned, seq: c }) !== r.hash) continue;
        m.defect.kind = 'seq_out_of_order';
        m.defect.message = `position ${r.seq} holds record ${c} (reordered or renumbered)`;
        m.defect.offset = r.seq - c;
        for (const l of m.linkDefects) l.dropped = true;
        movedSeqs.add(r.seq);
        break;
      }
    }
    if (movedSeqs.size === 0) return;
    // Drop broken links right after a moved record: the move explains them.
    for (const d of this.defects) {
      if (d.kind === 'broken_link' && movedSeqs.has(d.seq - 1)) d.dropped = true;
    }
  }

  private add(defect: AuditDefect): PendingDefect | undefined {
    if (this.defects.length >= this.maxDefects) {
      this.truncated = true;
      return undefined;
    }
    const d: PendingDefect = { ...defect };
    this.defects.push(d);
    return d;
  }
}

/** Merges runs of records renumbered by the same offset into one defect. */
function collapseMoves(defects: PendingDefect[]): PendingDefect[] {
  const out: PendingDefect[] = [];
  for (let i = 0; i < defects.length; i++) {
    const d = defects[i]!;
    if (d.offset === undefined) {
      out.push(d);
      continue;
    }
    let j = i;
    while (
      j + 1 < defects.length &&
      defects[j + 1]!.offset === d.offset &&
      defects[j + 1]!.seq === defects[j]!.seq + 1
    )
      j++;
    if (j === i) {
      out.push(d);
      continue;
    }
    const last = defects[j]!;
    const sign = d.offset > 0 ? '+' : '';
    out.push({
      seq: d.seq,
      kind: 'seq_out_of_order',
      message: `positions ${d.seq}..${last.seq} hold records renumbered by ${sign}${d.offset} (reordered or a record inserted/deleted before them)`,
    });
    i = j;
  }
  return out;
}

function safeHash(unsigned: Omit<AuditRecord, 'hash'>): string | undefined {
  try {
    return computeAuditHash(unsigned);
  } catch {
    return undefined;
  }
}

/** Verifies records in the order given (e.g. a JSON export). Pure. */
export function verifyAuditRecords(
  records: readonly AuditRecord[],
  options: AuditVerifyOptions & { readonly from?: { readonly seq: number; readonly hash: string } } = {},
): AuditVerifyReport {
  const seqs = new Set(records.map((r) => (isAuditRecord(r) ? r.seq : Number.NaN)));
  const verifier = new ChainVerifier(seqs, options.maxDefects, options.from);
  for (const record of records) {
    if (isAuditRecord(record)) verifier.push(record);
    else {
      const seq = (record as { seq?: unknown } | null)?.seq;
      verifier.pushMalformed(typeof seq === 'number' ? seq : 0, 'not a valid audit record');
    }
  }
  return verifier.finish();
}
