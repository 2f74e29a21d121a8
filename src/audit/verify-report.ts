/**
 * The verification report: defect kinds, the report shape and its human-readable form.
 * @packageDocumentation
 */

/**
 * Defect kinds:
 * - `hash_mismatch`: the record's content does not match its hash (edited);
 * - `broken_link`: `prevHash` is not the previous record's hash (a predecessor was rewritten/replaced);
 * - `seq_gap`: records are missing (deleted); `seq` is the first missing one;
 * - `seq_out_of_order`: a record sits at the wrong position or was renumbered (reordered);
 * - `duplicate_seq`: a second record with a seq already seen (inserted);
 * - `inserted_record`: a record its successor does not link through (forged and inserted);
 * - `malformed`: a stored row that is not a valid record at all.
 */
export type AuditDefectKind =
  | 'hash_mismatch'
  | 'broken_link'
  | 'seq_gap'
  | 'seq_out_of_order'
  | 'duplicate_seq'
  | 'inserted_record'
  | 'malformed';

/** One problem found by verification. */
export interface AuditDefect {
  readonly seq: number;
  readonly kind: AuditDefectKind;
  readonly message: string;
}

/** Result of verifying a chain. */
export interface AuditVerifyReport {
  /** True when no defect was found. */
  readonly ok: boolean;
  /** Number of records examined. */
  readonly records: number;
  /** Defects in chain order (capped; see `truncated`). */
  readonly defects: AuditDefect[];
  /** True when more defects existed than were kept. */
  readonly truncated: boolean;
  /** seq and hash of the last record examined (anchor these elsewhere to detect truncation). */
  readonly headSeq: number;
  readonly headHash: string;
}

/** Options for verification. */
export interface AuditVerifyOptions {
  /** Most defects kept in the report (default 1000). */
  readonly maxDefects?: number;
}

/** A human-readable verification result, e.g. for `hive-resilience audit verify`. */
export function formatVerifyReport(report: AuditVerifyReport, source?: string): string {
  const where = source ? ` ${source}` : '';
  const head = `head seq ${report.headSeq}, hash ${report.headHash}`;
  if (report.ok) return `audit log${where}: OK, ${report.records} records verified (${head})`;
  const lines = [
    `audit log${where}: TAMPERED, ${report.defects.length}${report.truncated ? '+' : ''} defect(s) in ${report.records} records (${head})`,
  ];
  for (const d of report.defects) lines.push(`  seq ${d.seq}  ${d.kind.padEnd(16)}  ${d.message}`);
  if (report.truncated) lines.push('  ... more defects not shown');
  return lines.join('\n');
}
