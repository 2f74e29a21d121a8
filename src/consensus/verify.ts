/**
 * Verifying a minutes folder: recomputes every file hash and block hash, checks the links, and
 * re-tallies the votes against `results.json` (see `tally-recheck.ts`). Each defect is reported with
 * its block index and kind.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, normalize, sep } from 'node:path';
import { blockHash, type ChainBlock, isWellFormedHash, parseChain, sha256Hex } from './chain.js';
import { recheckTally } from './tally-recheck.js';

/** The chain file name inside a minutes folder. */
export const CHAIN_FILE = 'voting_chain.json';

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
  | 'index_out_of_sequence'
  | 'misplaced_finalize'
  | 'invalid_chain'
  | 'invalid_vote_file'
  | 'tally_mismatch';

/** One defect. */
export interface ChainDefect {
  readonly kind: DefectKind;
  /** The block's `index` as stored (absent for folder-level defects). */
  readonly block?: number;
  /** The proposal concerned (for `tally_mismatch`). */
  readonly proposal?: string;
  readonly message: string;
}

/** The report of {@link verifyMinutes}. */
export interface ChainReport {
  readonly folder: string;
  readonly minuteId: string | null;
  readonly blocks: number;
  readonly voteBlocks: number;
  readonly finalised: boolean;
  /** True when the votes were re-tallied against `results.json`. */
  readonly tallyChecked: boolean;
  readonly defects: readonly ChainDefect[];
  /** Observations that are not defects (e.g. a round not finalised yet). */
  readonly notes: readonly string[];
  /** True when there is no defect. */
  readonly ok: boolean;
}

type Bytes = Buffer | null;

async function readBytes(path: string): Promise<Bytes> {
  try {
    return await readFile(path);
  } catch {
    return null;
  }
}

function safeJoin(folder: string, relative: string): string | null {
  if (relative === '' || isAbsolute(relative)) return null;
  const n = normalize(relative);
  if (n === '..' || n.startsWith(`..${sep}`) || n.startsWith('../')) return null;
  return join(folder, n);
}

function lineEndingVariants(bytes: Buffer): string[] {
  const text = bytes.toString('utf8');
  const lf = text.replace(/\r\n/g, '\n');
  return [lf, lf.replace(/\n/g, '\r\n')];
}

/** Verifies the minutes folder at `folder`. Never throws for bad content: it reports it. */
export async function verifyMinutes(folder: string): Promise<ChainReport> {
  const defects: ChainDefect[] = [];
  const notes: string[] = [];
  const done = (
    minuteId: string | null,
    chain: readonly ChainBlock[],
    tallyChecked: boolean,
  ): ChainReport => ({
    folder,
    minuteId,
    blocks: chain.length,
    voteBlocks: chain.filter((b) => b.type === 'vote').length,
    finalised: chain.some((b) => b.type === 'finalize'),
    tallyChecked,
    defects,
    notes,
    ok: defects.length === 0,
  });

  const chainBytes = await readBytes(join(folder, CHAIN_FILE));
  if (!chainBytes) {
    defects.push({ kind: 'missing_file', message: `${CHAIN_FILE} not found` });
    return done(null, [], false);
  }
  let chainJson: unknown;
  try {
    chainJson = JSON.parse(chainBytes.toString('utf8'));
  } catch (error) {
    defects.push({
      kind: 'invalid_chain',
      message: `${CHAIN_FILE} is not JSON: ${(error as Error).message}`,
    });
    return done(null, [], false);
  }
  const parsed = parseChain(chainJson);
  if (!parsed.ok) {
    for (const e of parsed.errors) defects.push({ kind: 'invalid_chain', message: `${CHAIN_FILE} ${e}` });
    return done(null, [], false);
  }
  const chain = parsed.value.chain;

  const fileBytes = await Promise.all(
    chain.map((b) => {
      const path = safeJoin(folder, b.vote_file);
      return path ? readBytes(path) : Promise.resolve(null);
    }),
  );

  const seenHashes = new Set<string>();
  const seenIndexes = new Set<number>();
  const seenFiles = new Set<string>();
  chain.forEach((block, pos) => {
    const at = block.index;
    const add = (kind: DefectKind, message: string) => defects.push({ kind, block: at, message });
    const previous = pos > 0 ? chain[pos - 1] : undefined;

    let hashesWellFormed = true;
    for (const field of ['block_hash', 'vote_file_hash'] as const) {
      if (!isWellFormedHash(block[field])) {
        hashesWellFormed = false;
        add('malformed_hash', `${field} is not 64 lowercase hex characters: ${JSON.stringify(block[field])}`);
      }
    }
    if (block.previous_hash !== '' && !isWellFormedHash(block.previous_hash)) {
      add('malformed_hash', `previous_hash is not 64 lowercase hex characters: ${block.previous_hash}`);
    }
    if (hashesWellFormed && blockHash(block) !== block.block_hash) {
      add('block_hash_mismatch', `block_hash ${block.block_hash} != recomputed ${blockHash(block)}`);
    }
    const expectedPrevious = previous ? previous.block_hash : '';
    if (block.previous_hash !== expectedPrevious) {
      add(
        'broken_link',
        previous
          ? `previous_hash does not match block ${previous.index}'s block_hash`
          : 'the first block must have an empty previous_hash',
      );
    }
    if (previous && block.index !== previous.index + 1) {
      add('index_out_of_sequence', `index ${block.index} follows ${previous.index}`);
    }
    if (block.type === 'finalize' && pos !== chain.length - 1) {
      add('misplaced_finalize', 'a finalize block must be the last block');
    }
    const duplicateOf = seenHashes.has(block.block_hash)
      ? 'block_hash'
      : seenIndexes.has(block.index)
        ? 'index'
        : seenFiles.has(block.vote_file)
          ? `vote_file ${block.vote_file}`
          : null;
    if (duplicateOf) add('duplicate_block', `same ${duplicateOf} as an earlier block`);
    seenHashes.add(block.block_hash);
    seenIndexes.add(block.index);
    seenFiles.add(block.vote_file);

    if (!safeJoin(folder, block.vote_file)) {
      add('unsafe_path', `vote_file ${JSON.stringify(block.vote_file)} points outside the minutes folder`);
      return;
    }
    const bytes = fileBytes[pos];
    if (!bytes) {
      add('missing_file', `${block.vote_file} not found`);
      return;
    }
    if (!isWellFormedHash(block.vote_file_hash)) return;
    const actual = sha256Hex(bytes);
    if (actual === block.vote_file_hash) return;
    if (lineEndingVariants(bytes).some((v) => sha256Hex(v) === block.vote_file_hash)) {
      add('line_ending_drift', `${block.vote_file} matches its hash only after CRLF/LF normalisation`);
    } else {
      add(
        'vote_file_hash_mismatch',
        `${block.vote_file} hashes to ${actual}, chain says ${block.vote_file_hash}`,
      );
    }
  });

  const tallyChecked = await recheckTally({ folder, chain, fileBytes, readBytes }, defects, notes);
  if (!chain.some((b) => b.type === 'finalize'))
    notes.push('the chain has no finalize block (round not finalised)');
  return done(parsed.value.minute_id, chain, tallyChecked);
}

/** A human-readable report, one line per defect. */
export function formatChainReport(report: ChainReport): string {
  const lines = [
    `minutes ${report.minuteId ?? '?'} (${report.folder}): ${report.blocks} blocks, ${report.voteBlocks} votes, ` +
      `${report.finalised ? 'finalised' : 'not finalised'}`,
  ];
  for (const d of report.defects) {
    const where =
      d.block !== undefined
        ? `block ${d.block}`
        : d.proposal !== undefined
          ? `proposal ${d.proposal}`
          : 'folder';
    lines.push(`  ✗ ${where}: ${d.kind}: ${d.message}`);
  }
  for (const n of report.notes) lines.push(`  · ${n}`);
  lines.push(
    report.ok
      ? `OK: chain valid${report.tallyChecked ? ', tally matches results' : ''}`
      : `INVALID: ${report.defects.length} defect${report.defects.length === 1 ? '' : 's'}`,
  );
  return `${lines.join('\n')}\n`;
}
