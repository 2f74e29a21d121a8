/**
 * The report of minutes verification (`chain verify`): a verdict for every block, the defects by block,
 * proposal or folder, and its human-readable form.
 * @packageDocumentation
 */
import { basename } from 'node:path';
import type { BlockKind } from './chain-layout.js';

/** Kinds of defect. */
export type DefectKind =
  | 'broken_link'
  | 'block_hash_mismatch'
  | 'malformed_hash'
  | 'vote_file_hash_mismatch'
  | 'line_ending_drift'
  | 'duplicate_block'
  | 'missing_file'
  | 'unsafe_path'
  | 'symlink'
  | 'index_out_of_sequence'
  | 'misplaced_finalize'
  | 'misplaced_genesis'
  | 'unreadable_block'
  | 'unknown_block_type'
  | 'invalid_chain'
  | 'invalid_vote_file'
  | 'tally_mismatch';

/** One defect. */
export interface ChainDefect {
  readonly kind: DefectKind;
  /** The block's `index` as stored (absent for folder-level defects). */
  readonly block?: number;
  /** The block's 0-based position in the chain array (present with `block`, or alone when unreadable). */
  readonly position?: number;
  /** The proposal concerned (for `tally_mismatch`). */
  readonly proposal?: string;
  readonly message: string;
}

/** The verdict on one block. */
export interface BlockVerdict {
  /** 0-based position in the chain array. */
  readonly position: number;
  /** `index` as stored, when readable. */
  readonly index: number | null;
  readonly type: string | null;
  readonly kind: BlockKind;
  readonly model: string | null;
  readonly file: string | null;
  /** `ok` when the block has no defect. */
  readonly verdict: 'ok' | 'defective';
  /** The kinds of its defects, in the order found. */
  readonly defects: readonly DefectKind[];
}

/** The report of `verifyMinutes`. */
export interface ChainReport {
  readonly folder: string;
  readonly minuteId: string | null;
  /** How the chain was stored (`null` when it could not be read). */
  readonly layout: 'object' | 'array' | null;
  readonly blocks: number;
  readonly voteBlocks: number;
  readonly finalised: boolean;
  /** One verdict per block, in chain order. */
  readonly verdicts: readonly BlockVerdict[];
  /** True when the votes were re-tallied against a published result. */
  readonly tallyChecked: boolean;
  /** The published result files the re-tally was compared with. */
  readonly resultsChecked: readonly string[];
  readonly defects: readonly ChainDefect[];
  /** Observations that are not defects (e.g. a round not finalised yet). */
  readonly notes: readonly string[];
  /** True when there is no defect. */
  readonly ok: boolean;
}

function where(d: ChainDefect): string {
  if (d.block !== undefined) return `block ${d.block}`;
  if (d.position !== undefined) return `block #${d.position}`;
  if (d.proposal !== undefined) return `proposal ${d.proposal}`;
  return 'folder';
}

/** A human-readable report: one line per block verdict, one per defect, then the notes and the outcome. */
export function formatChainReport(report: ChainReport): string {
  const lines = [
    `minutes ${report.minuteId ?? basename(report.folder)} (${report.folder}): ${report.blocks} blocks, ${report.voteBlocks} votes, ` +
      `${report.finalised ? 'finalised' : 'not finalised'}${report.layout === 'array' ? ' (chain stored as a bare array)' : ''}`,
  ];
  for (const v of report.verdicts) {
    const name = v.index !== null ? `block ${v.index}` : `block #${v.position}`;
    const what = [v.type ?? '?', v.model ?? '', v.file ?? ''].filter(Boolean).join(' ');
    lines.push(
      `  ${v.verdict === 'ok' ? '✓' : '✗'} ${name} (${v.kind}: ${what}): ${v.verdict === 'ok' ? 'ok' : v.defects.join(', ')}`,
    );
  }
  for (const d of report.defects) lines.push(`  ✗ ${where(d)}: ${d.kind}: ${d.message}`);
  for (const n of report.notes) lines.push(`  · ${n}`);
  const checked = report.tallyChecked ? `, tally matches ${report.resultsChecked.join(', ')}` : '';
  lines.push(
    report.ok
      ? `OK: chain valid${checked}`
      : `INVALID: ${report.defects.length} defect${report.defects.length === 1 ? '' : 's'}`,
  );
  return `${lines.join('\n')}\n`;
}
