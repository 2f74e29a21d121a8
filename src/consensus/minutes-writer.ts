/**
 * Writing a minutes folder: `votes/<model>.json`, `voting_chain.json`, `results.json` and `results.md`.
 * Every hash in the chain is computed over the exact bytes written.
 * @packageDocumentation
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type ChainBuilder, parseChain, serialiseChain, sha256Hex, type VotingChain } from './chain.js';
import {
  RESULTS_FILE,
  RESULTS_MARKDOWN_FILE,
  type RoundResults,
  serialiseResults,
} from './results-format.js';
import { renderResultsMarkdown } from './results-markdown.js';
import { CHAIN_FILE } from './verify.js';
import { serialiseVoteFile, type VoteFile, voteFilePath } from './vote-file.js';

/** A vote as filed: where it was written and the sha256 of its bytes. */
export interface FiledVote {
  readonly vote: VoteFile;
  readonly file: string;
  readonly hash: string;
}

/** Writes `text` to `path` via a temporary file and a rename (no half-written records). */
export async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** Writes each vote to `votes/<model>.json`, returning where and the hash of the bytes written. */
export async function writeVoteFiles(dir: string, votes: readonly VoteFile[]): Promise<FiledVote[]> {
  return Promise.all(
    votes.map(async (vote) => {
      const file = voteFilePath(vote.model);
      const text = serialiseVoteFile(vote);
      await writeAtomically(join(dir, file), text);
      return { vote, file, hash: sha256Hex(text) };
    }),
  );
}

/** Appends one vote block per filed vote (in the given order, block timestamp = the vote's timestamp). */
export function appendVoteBlocks(builder: ChainBuilder, filed: readonly FiledVote[]): void {
  for (const f of filed) builder.appendVote(f.vote.model, f.file, f.hash, f.vote.timestamp);
}

/** Writes `voting_chain.json`. */
export async function writeChainFile(dir: string, chain: VotingChain): Promise<void> {
  await writeAtomically(join(dir, CHAIN_FILE), serialiseChain(chain));
}

/** Reads `voting_chain.json`; `undefined` when absent, an error message when unreadable. */
export async function readChainFile(dir: string): Promise<VotingChain | undefined | string> {
  let text: string;
  try {
    text = await readFile(join(dir, CHAIN_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = parseChain(JSON.parse(text));
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
  await writeAtomically(join(dir, RESULTS_FILE), text);
  await writeAtomically(join(dir, RESULTS_MARKDOWN_FILE), renderResultsMarkdown(results));
  const hash = sha256Hex(text);
  builder.appendFinalize(RESULTS_FILE, hash, timestamp, reporter);
  await writeChainFile(dir, builder.toJSON());
  return hash;
}
