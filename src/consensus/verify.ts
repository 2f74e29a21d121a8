/**
 * Verifying a minutes folder: gives every block of `voting_chain.json` a verdict (hash recomputed, link,
 * index, vote file and its hash), in any layout CMMV-Hive has used (see `chain-layout.ts`); reports what
 * it cannot understand as a defect of that block and verifies the rest; reports symbolic links planted in
 * the folder; and re-tallies the votes against the published results (`tally-recheck.ts` for this
 * project's `results.json`, `published-results.ts` for CMMV-Hive's own formats).
 * @packageDocumentation
 */
import { blockHash, isWellFormedHash, sha256Hex } from './chain.js';
import { type ChainDocument, type ChainEntry, readChainDocument } from './chain-layout.js';
import { checkRelativePath, findSymlinks, readMinutesFile } from './minutes-fs.js';
import { recheckPublishedResults } from './published-results.js';
import { recheckTally, type VerifiedBlock } from './tally-recheck.js';
import type { BlockVerdict, ChainDefect, ChainReport, DefectKind } from './verify-report.js';

export * from './verify-report.js';

/** The chain file name inside a minutes folder. */
export const CHAIN_FILE = 'voting_chain.json';

function lineEndingVariants(bytes: Buffer): string[] {
  const text = bytes.toString('utf8');
  const lf = text.replace(/\r\n/g, '\n');
  return [lf, lf.replace(/\n/g, '\r\n')];
}

function hashProblem(field: string, value: string): string {
  const hex = /^[0-9a-fA-F]*$/.test(value);
  return hex && value.length !== 64
    ? `${field} has ${value.length} hex characters, not 64: it cannot be a sha256 digest (fabricated, not computed): ${value}`
    : `${field} is not 64 lowercase hex characters: ${JSON.stringify(value)}`;
}

/** Checks one readable block; appends its defects. */
async function checkBlock(
  folder: string,
  entry: ChainEntry,
  previous: ChainEntry | undefined,
  isLast: boolean,
  seen: { hashes: Set<string>; indexes: Set<number>; files: Set<string> },
  add: (kind: DefectKind, message: string) => void,
): Promise<Buffer | null> {
  const block = entry.block!;
  const genesis = entry.kind === 'genesis';
  if (entry.kind === 'unknown') {
    add(
      'unknown_block_type',
      `type ${JSON.stringify(block.type)} is not a known block type; hashes checked, content not`,
    );
  }
  if (genesis && entry.position !== 0) add('misplaced_genesis', 'a genesis block must be the first block');
  let wellFormed = isWellFormedHash(block.block_hash);
  if (!wellFormed) add('malformed_hash', hashProblem('block_hash', block.block_hash));
  const markerFileHash = genesis && block.vote_file_hash === 'genesis';
  if (!markerFileHash && !isWellFormedHash(block.vote_file_hash)) {
    wellFormed = false;
    add('malformed_hash', hashProblem('vote_file_hash', block.vote_file_hash));
  }
  const markerPrevious = genesis && block.previous_hash === 'genesis';
  // a malformed previous_hash repeating the block before's (reported there) is not this block's fault
  const inherited = previous?.block !== undefined && block.previous_hash === previous.block.block_hash;
  if (block.previous_hash !== '' && !markerPrevious && !inherited && !isWellFormedHash(block.previous_hash)) {
    add('malformed_hash', hashProblem('previous_hash', block.previous_hash));
  }
  if (isWellFormedHash(block.block_hash) && blockHash(block) !== block.block_hash) {
    add(
      'block_hash_mismatch',
      `block_hash ${block.block_hash} is not the sha256 of its fields (${blockHash(block)})` +
        (wellFormed ? '' : '; a field hashed into it is malformed') +
        (genesis ? ' (a genesis block: its hash cannot be reproduced from its fields)' : ''),
    );
  }
  const prev = previous?.block;
  if (!previous) {
    if (block.previous_hash !== '' && !markerPrevious) {
      add('broken_link', 'the first block must have an empty previous_hash (or a genesis marker)');
    }
  } else if (!prev || block.previous_hash !== prev.block_hash) {
    add('broken_link', `previous_hash does not match the block_hash of the block before it`);
  }
  if (prev && block.index !== prev.index + 1) {
    add('index_out_of_sequence', `index ${block.index} follows ${prev.index}`);
  }
  if (entry.kind === 'finalize' && !isLast)
    add('misplaced_finalize', 'a finalize block must be the last block');
  const duplicateOf = seen.hashes.has(block.block_hash)
    ? 'block_hash'
    : seen.indexes.has(block.index)
      ? 'index'
      : seen.files.has(block.vote_file)
        ? `vote_file ${block.vote_file}`
        : null;
  if (duplicateOf) add('duplicate_block', `same ${duplicateOf} as an earlier block`);
  seen.hashes.add(block.block_hash);
  seen.indexes.add(block.index);
  seen.files.add(block.vote_file);

  if (genesis && (markerFileHash || block.vote_file === 'genesis_block')) return null; // no file
  if (!checkRelativePath(block.vote_file)) {
    add('unsafe_path', `vote_file ${JSON.stringify(block.vote_file)} points outside the minutes folder`);
    return null;
  }
  const read = await readMinutesFile(folder, block.vote_file);
  if (!read.ok) {
    add(read.problem === 'unsafe' ? 'unsafe_path' : 'missing_file', read.message);
    return null;
  }
  if (!isWellFormedHash(block.vote_file_hash)) return read.bytes;
  const actual = sha256Hex(read.bytes);
  if (actual !== block.vote_file_hash) {
    if (lineEndingVariants(read.bytes).some((v) => sha256Hex(v) === block.vote_file_hash)) {
      add('line_ending_drift', `${block.vote_file} matches its hash only after CRLF/LF normalisation`);
    } else {
      add(
        'vote_file_hash_mismatch',
        `${block.vote_file} hashes to ${actual}, chain says ${block.vote_file_hash}`,
      );
    }
  }
  return read.bytes;
}

/** Verifies the minutes folder at `folder`. Never throws for bad content: it reports it. */
export async function verifyMinutes(folder: string): Promise<ChainReport> {
  const defects: ChainDefect[] = [];
  const notes: string[] = [];
  const verdicts: BlockVerdict[] = [];
  let doc: ChainDocument | undefined;
  let tallyChecked = false;
  let resultsChecked: string[] = [];
  const done = (): ChainReport => {
    const entries = doc?.entries ?? [];
    return {
      folder,
      minuteId: doc?.minuteId ?? null,
      layout: doc?.layout ?? null,
      blocks: entries.length,
      voteBlocks: entries.filter((e) => e.kind === 'vote').length,
      finalised: entries.some((e) => e.kind === 'finalize'),
      verdicts,
      tallyChecked,
      resultsChecked,
      defects,
      notes,
      ok: defects.length === 0,
    };
  };

  for (const link of await findSymlinks(folder)) {
    defects.push({ kind: 'symlink', message: `${link} is a symbolic link: not followed, not verified` });
  }
  const chainRead = await readMinutesFile(folder, CHAIN_FILE);
  if (!chainRead.ok) {
    if (chainRead.problem === 'missing')
      defects.push({ kind: 'missing_file', message: `${CHAIN_FILE} not found` });
    else defects.push({ kind: 'unsafe_path', message: chainRead.message });
    return done();
  }
  let json: unknown;
  try {
    json = JSON.parse(chainRead.bytes.toString('utf8'));
  } catch (error) {
    defects.push({
      kind: 'invalid_chain',
      message: `${CHAIN_FILE} is not JSON: ${(error as Error).message}`,
    });
    return done();
  }
  const read = readChainDocument(json);
  if (typeof read === 'string') {
    defects.push({ kind: 'invalid_chain', message: `${CHAIN_FILE} ${read}` });
    return done();
  }
  doc = read;

  const seen = { hashes: new Set<string>(), indexes: new Set<number>(), files: new Set<string>() };
  const blocks: VerifiedBlock[] = [];
  for (const entry of doc.entries) {
    const kinds: DefectKind[] = [];
    const block = entry.block;
    const add = (kind: DefectKind, message: string) => {
      kinds.push(kind);
      defects.push({
        kind,
        ...(block ? { block: block.index } : {}),
        position: entry.position,
        message,
      });
    };
    let bytes: Buffer | null = null;
    if (!block) add('unreadable_block', `cannot be read: ${entry.problems.join('; ')}`);
    else {
      const previous = entry.position > 0 ? doc.entries[entry.position - 1] : undefined;
      bytes = await checkBlock(folder, entry, previous, entry.position === doc.entries.length - 1, seen, add);
      blocks.push({ block, kind: entry.kind, bytes });
    }
    verdicts.push({
      position: entry.position,
      index: block?.index ?? null,
      type: block?.type ?? null,
      kind: entry.kind,
      model: block?.model ?? null,
      file: block?.vote_file ?? null,
      verdict: kinds.length === 0 ? 'ok' : 'defective',
      defects: kinds,
    });
  }

  const readBytes = async (relative: string) => {
    const r = await readMinutesFile(folder, relative);
    return r.ok ? r.bytes : null;
  };
  const input = { folder, blocks, readBytes };
  const ours = await recheckTally(input, defects, notes);
  if (ours.ours) {
    tallyChecked = ours.checked;
    resultsChecked = [...ours.files];
  } else {
    const published = await recheckPublishedResults(input, defects, notes);
    tallyChecked = published.length > 0;
    resultsChecked = published;
  }
  if (!doc.entries.some((e) => e.kind === 'finalize'))
    notes.push('the chain has no finalize block (round not finalised)');
  return done();
}
