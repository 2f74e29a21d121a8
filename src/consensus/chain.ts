/**
 * The voting chain (`voting_chain.json`) of CMMV-Hive: a hash-linked list of blocks, one per vote file,
 * closed by a `finalize` block that names the results file.
 *
 * `block_hash` = lowercase hex sha256 of the UTF-8 string
 * `index|timestamp|previous_hash|type|model|vote_file|vote_file_hash` (fields verbatim as stored,
 * `previous_hash` the empty string for the first block, no trailing newline).
 *
 * The `finalize` block puts the results file in `vote_file` and its sha256 in `vote_file_hash`; its
 * `model` field names the reporter, which this project writes as {@link FINALIZE_REPORTER} (`system`)
 * unless the caller names another reporter (CMMV-Hive's own scripts put the reporting model there).
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { describeIssues } from './field-errors.js';
import type { ParseResult } from './proposal.js';

/** The default `model` of a `finalize` block. */
export const FINALIZE_REPORTER = 'system';

/** Block types. `finalize` closes the chain. */
export type BlockType = 'vote' | 'finalize';

/** One block, exactly as stored. */
export interface ChainBlock {
  readonly index: number;
  readonly timestamp: string;
  readonly previous_hash: string;
  readonly type: BlockType;
  readonly model: string;
  readonly vote_file: string;
  readonly vote_file_hash: string;
  readonly block_hash: string;
}

/** The `voting_chain.json` document. */
export interface VotingChain {
  readonly minute_id: string;
  readonly chain: readonly ChainBlock[];
}

/** The fields that are hashed into `block_hash`. */
export type BlockFields = Omit<ChainBlock, 'block_hash'>;

/** Lowercase hex sha256 of a string (UTF-8) or of raw bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** True for a 64-character lowercase hex string. */
export function isWellFormedHash(value: unknown): boolean {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value);
}

/** The fields hashed into `block_hash`, with any `type` (CMMV-Hive has used several). */
export interface HashedFields {
  readonly index: number;
  readonly timestamp: string;
  readonly previous_hash: string;
  readonly type: string;
  readonly model: string;
  readonly vote_file: string;
  readonly vote_file_hash: string;
}

/** The exact string hashed into a block's `block_hash`. */
export function blockHashInput(block: HashedFields): string {
  return [
    block.index,
    block.timestamp,
    block.previous_hash,
    block.type,
    block.model,
    block.vote_file,
    block.vote_file_hash,
  ].join('|');
}

/** Computes `block_hash` for a block (any existing `block_hash` is ignored). */
export function blockHash(block: HashedFields): string {
  return sha256Hex(blockHashInput(block));
}

/**
 * Appends blocks to a chain, linking and hashing them. Indexes start at 1 (as in CMMV-Hive).
 */
export class ChainBuilder {
  private readonly blocks: ChainBlock[];

  /** @param minuteId - the minutes id; @param existing - blocks already in the chain (kept verbatim) */
  constructor(
    readonly minuteId: string,
    existing: readonly ChainBlock[] = [],
  ) {
    this.blocks = [...existing];
  }

  /** Blocks so far. */
  get chain(): readonly ChainBlock[] {
    return this.blocks;
  }

  /** True once a `finalize` block has been appended. */
  get finalised(): boolean {
    return this.blocks.some((b) => b.type === 'finalize');
  }

  /** Appends a vote block for `voteFile` whose raw bytes hash to `voteFileHash`. */
  appendVote(model: string, voteFile: string, voteFileHash: string, timestamp: string): ChainBlock {
    return this.append('vote', model, voteFile, voteFileHash, timestamp);
  }

  /** Appends the closing `finalize` block naming the results file and its hash. */
  appendFinalize(
    resultsFile: string,
    resultsHash: string,
    timestamp: string,
    reporter = FINALIZE_REPORTER,
  ): ChainBlock {
    return this.append('finalize', reporter, resultsFile, resultsHash, timestamp);
  }

  /** The `voting_chain.json` document. */
  toJSON(): VotingChain {
    return { minute_id: this.minuteId, chain: this.blocks };
  }

  private append(type: BlockType, model: string, file: string, hash: string, timestamp: string): ChainBlock {
    if (this.finalised) throw new Error('chain: cannot append after the finalize block');
    const previous = this.blocks.at(-1);
    const fields: BlockFields = {
      index: previous ? previous.index + 1 : 1,
      timestamp,
      previous_hash: previous ? previous.block_hash : '',
      type,
      model,
      vote_file: file,
      vote_file_hash: hash,
    };
    const block: ChainBlock = { ...fields, block_hash: blockHash(fields) };
    this.blocks.push(block);
    return block;
  }
}

/** Serialises a chain exactly as written: 2-space JSON with a trailing newline. */
export function serialiseChain(chain: VotingChain): string {
  const ordered = {
    minute_id: chain.minute_id,
    chain: chain.chain.map((b) => ({
      index: b.index,
      timestamp: b.timestamp,
      previous_hash: b.previous_hash,
      type: b.type,
      model: b.model,
      vote_file: b.vote_file,
      vote_file_hash: b.vote_file_hash,
      block_hash: b.block_hash,
    })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

const blockSchema = z.object({
  index: z.number().int('must be an integer').nonnegative('must be >= 0'),
  timestamp: z.string(),
  previous_hash: z
    .string()
    .nullable()
    .transform((v) => v ?? ''),
  type: z.enum(['vote', 'finalize']),
  model: z.string(),
  vote_file: z.string(),
  vote_file_hash: z.string(),
  block_hash: z.string(),
});

const chainSchema = z.object({
  minute_id: z.union([z.string(), z.number()]).transform(String),
  chain: z.array(blockSchema),
});

/** Parses a `voting_chain.json` value; a `null` `previous_hash` is read as the empty string. */
export function parseChain(json: unknown): ParseResult<VotingChain> {
  const parsed = chainSchema.safeParse(json);
  if (!parsed.success) return { ok: false, errors: describeIssues(parsed.error) };
  return { ok: true, value: parsed.data };
}
