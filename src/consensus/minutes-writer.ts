/**
 * Writing a minutes folder: `votes/<model>.json`, `voting_chain.json`, `results.json` and `results.md`.
 * Every hash in the chain is computed over the exact bytes written. Every write inside the folder goes
 * through {@link writeMinutesFile} (no symbolic link is followed, no name leaves the folder).
 * @packageDocumentation
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type ChainBuilder, parseChain, serialiseChain, sha256Hex, type VotingChain } from './chain.js';
import { readMinutesFile, replaceFile, writeMinutesFile } from './minutes-fs.js';
import {
  RESULTS_FILE,
  RESULTS_MARKDOWN_FILE,
  type RoundResults,
  serialiseResults,
} from './results-format.js';
import { renderResultsMarkdown } from './results-markdown.js';
import { CHAIN_FILE } from './verify.js';
import { serialiseVoteFile, type VoteFile, voteFilePaths } from './vote-file.js';

/** A vote as filed: where it was written and the sha256 of its bytes. */
export interface FiledVote {
  readonly vote: VoteFile;
  readonly file: string;
  readonly hash: string;
}

/**
 * Writes `text` to `path` (outside a minutes folder, e.g. a state directory) atomically, creating its
 * directory: see {@link replaceFile}.
 */
export async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await replaceFile(path, text);
}

/**
 * Writes each vote to its own file under `votes/` (see {@link voteFilePaths}: two ids that sanitise to the
 * same name get distinct files), returning where and the hash of the bytes written.
 */
export async function writeVoteFiles(dir: string, votes: readonly VoteFile[]): Promise<FiledVote[]> {
  const paths = voteFilePaths(votes.map((v) => v.model));
  const filed: FiledVote[] = [];
  for (const vote of votes) {
    const file = paths.get(vote.model)!;
    const text = serialiseVoteFile(vote);
    await writeMinutesFile(dir, file, text);
    filed.push({ vote, file, hash: sha256Hex(text) });
  }
  return filed;
}

/** Appends one vote block per filed vote (in the given order, block timestamp = the vote's timestamp). */
export function appendVoteBlocks(builder: ChainBuilder, filed: readonly FiledVote[]): void {
  for (const f of filed) builder.appendVote(f.vote.model, f.file, f.hash, f.vote.timestamp);
}

/** Writes `voting_chain.json`. */
export async function writeChainFile(dir: string, chain: VotingChain): Promise<void> {
  await writeMinutesFile(dir, CHAIN_FILE, serialiseChain(chain));
}

/** Reads `voting_chain.json`; `undefined` when absent, an error message when unreadable or unsafe. */
export async function readChainFile(dir: string): Promise<VotingChain | undefined | string> {
  const read = await readMinutesFile(dir, CHAIN_FILE);
  if (!read.ok) return read.problem === 'missing' ? undefined : read.message;
  try {
    const parsed = parseChain(JSON.parse(read.bytes.toString('utf8')));
    return parsed.ok ? parsed.value : `${CHAIN_FILE}: ${parsed.errors.join('; ')}`;
  } catch (error) {
    return `${CHAIN_FILE}: ${(error as Error).message}`;
  }
}

/**
 * Writes `results.json` and `results.md`, appends the `finalize` block naming `results.json` and its hash,
 * and writes the chain. Returns the results hash.
 */
export async function writeFinalRecords(
  dir: string,
  builder: ChainBuilder,
  results: RoundResults,
  timestamp: string,
  reporter?: string,
): Promise<string> {
  const text = serialiseResults(results);
  await writeMinutesFile(dir, RESULTS_FILE, text);
  await writeMinutesFile(dir, RESULTS_MARKDOWN_FILE, renderResultsMarkdown(results));
  const hash = sha256Hex(text);
  builder.appendFinalize(RESULTS_FILE, hash, timestamp, reporter);
  await writeChainFile(dir, builder.toJSON());
  return hash;
}
