/**
 * Reading a `voting_chain.json` in any layout CMMV-Hive has used, block by block: an object with a
 * `chain` array (minutes 0001, 0003–0005 and this project) or a bare array (minutes 0002); `vote`,
 * `snapshot_proposal_voting`, `finalize` and `finalization` blocks; a first block marked as genesis
 * (`type` containing `genesis`, `previous_hash` or `vote_file_hash` equal to `genesis`, no vote file).
 * A block that cannot be read is kept as an entry with its problems, so verification can report it and
 * verify the others.
 * @packageDocumentation
 */

/** What a block is, as far as the verifier understands it. */
export type BlockKind = 'vote' | 'finalize' | 'genesis' | 'unknown';

/** Block types that carry a vote file. */
export const VOTE_BLOCK_TYPES: readonly string[] = ['vote', 'snapshot_proposal_voting'];
/** Block types that close a chain with a results or report file. */
export const FINALIZE_BLOCK_TYPES: readonly string[] = ['finalize', 'finalization'];

/** A block's fields as stored; `previous_hash` `null` is read as the empty string. */
export interface LooseBlock {
  readonly index: number;
  readonly timestamp: string;
  readonly previous_hash: string;
  readonly type: string;
  readonly model: string;
  readonly vote_file: string;
  readonly vote_file_hash: string;
  readonly block_hash: string;
}

/** One entry of the chain array. */
export interface ChainEntry {
  /** 0-based position in the array. */
  readonly position: number;
  /** The fields, when every hashed field has the right type. */
  readonly block: LooseBlock | undefined;
  readonly kind: BlockKind;
  /** Why the block could not be read (empty when `block` is set). */
  readonly problems: readonly string[];
}

/** A chain document, as read. */
export interface ChainDocument {
  readonly layout: 'object' | 'array';
  readonly minuteId: string | null;
  readonly entries: readonly ChainEntry[];
}

const STRING_FIELDS = ['timestamp', 'type', 'model', 'vote_file', 'vote_file_hash', 'block_hash'] as const;

function isGenesis(b: Record<string, unknown>): boolean {
  return (
    (typeof b.type === 'string' && b.type.toLowerCase().includes('genesis')) ||
    b.previous_hash === 'genesis' ||
    b.vote_file_hash === 'genesis'
  );
}

function kindOf(b: Record<string, unknown>): BlockKind {
  if (isGenesis(b)) return 'genesis';
  const type = typeof b.type === 'string' ? b.type : '';
  if (VOTE_BLOCK_TYPES.includes(type)) return 'vote';
  if (FINALIZE_BLOCK_TYPES.includes(type)) return 'finalize';
  return 'unknown';
}

/** Reads one raw array element into an entry. */
export function readEntry(raw: unknown, position: number): ChainEntry {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { position, block: undefined, kind: 'unknown', problems: ['is not an object'] };
  }
  const b = raw as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof b.index !== 'number' || !Number.isInteger(b.index)) {
    problems.push(`index: expected an integer, got ${JSON.stringify(b.index) ?? 'nothing'}`);
  }
  for (const f of STRING_FIELDS) {
    if (typeof b[f] !== 'string')
      problems.push(`${f}: expected a string, got ${JSON.stringify(b[f]) ?? 'nothing'}`);
  }
  if (b.previous_hash !== null && typeof b.previous_hash !== 'string') {
    problems.push(
      `previous_hash: expected a string or null, got ${JSON.stringify(b.previous_hash) ?? 'nothing'}`,
    );
  }
  const kind = kindOf(b);
  if (problems.length > 0) return { position, block: undefined, kind, problems };
  const block: LooseBlock = {
    index: b.index as number,
    timestamp: b.timestamp as string,
    previous_hash: (b.previous_hash as string | null) ?? '',
    type: b.type as string,
    model: b.model as string,
    vote_file: b.vote_file as string,
    vote_file_hash: b.vote_file_hash as string,
    block_hash: b.block_hash as string,
  };
  return { position, block, kind, problems };
}

/**
 * Reads a parsed `voting_chain.json` value; an error message when it is neither an object with a `chain`
 * array nor an array.
 */
export function readChainDocument(json: unknown): ChainDocument | string {
  if (Array.isArray(json)) {
    return { layout: 'array', minuteId: null, entries: json.map(readEntry) };
  }
  if (typeof json === 'object' && json !== null) {
    const doc = json as Record<string, unknown>;
    if (!Array.isArray(doc.chain)) return 'chain: expected an array of blocks';
    const id = doc.minute_id;
    return {
      layout: 'object',
      minuteId: typeof id === 'string' || typeof id === 'number' ? String(id) : null,
      entries: doc.chain.map(readEntry),
    };
  }
  return '(root): expected an object with a "chain" array, or an array of blocks';
}
