/**
 * The tally re-check of minutes verification: recomputes the tally from the vote files of the chain
 * and compares it with `results.json`. See {@link recheckTally}.
 * @packageDocumentation
 */
import type { BlockKind, LooseBlock } from './chain-layout.js';
import { parseProposals } from './proposal.js';
import { parseResultsForCheck, RESULTS_FILE } from './results-format.js';
import { emergencyRules } from './rules.js';
import { tally } from './tally.js';
import type { ChainDefect } from './verify-report.js';
import { parseVoteFile, type VoteFile } from './vote-file.js';

/** A readable block of the chain, with what verification knows of it. */
export interface VerifiedBlock {
  readonly block: LooseBlock;
  readonly kind: BlockKind;
  /** The bytes of its file (null when missing, unsafe or a genesis block). */
  readonly bytes: Buffer | null;
}

/** What the re-tallies work from. */
export interface TallyRecheckInput {
  /** The minutes folder. */
  readonly folder: string;
  /** The readable blocks, in chain order. */
  readonly blocks: readonly VerifiedBlock[];
  /** Reads a file of the folder (never through a symbolic link); null when it cannot be read. */
  readonly readBytes: (relative: string) => Promise<Buffer | null>;
}

/** Parses JSON bytes; `undefined` when they are not JSON. */
export function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Re-tallies the vote files of a chain and compares the result with this project's `results.json`: each
 * disagreeing, missing or unknown proposal is a `tally_mismatch`, an unparsable vote file an
 * `invalid_vote_file` (both appended to `defects`). `ours` is false when `results.json` is absent or not
 * in this project's format (CMMV-Hive's formats are re-tallied by `published-results.ts`); `checked` is
 * false then, or when `proposals.json` is missing (with a note).
 */
export async function recheckTally(
  input: TallyRecheckInput,
  defects: ChainDefect[],
  notes: string[],
): Promise<{ readonly ours: boolean; readonly checked: boolean; readonly files: readonly string[] }> {
  const { blocks, readBytes } = input;
  const no = { ours: false, checked: false, files: [] };
  const resultsBytes = await readBytes(RESULTS_FILE);
  if (!resultsBytes) return no;
  const results = parseResultsForCheck(parseJson(resultsBytes));
  if (!results.ok) return no;
  const proposalBytes = await readBytes('proposals.json');
  const proposals = proposalBytes ? parseProposals(parseJson(proposalBytes)) : null;
  if (!proposals?.ok) {
    notes.push('proposals.json missing or invalid: votes not re-tallied');
    return { ...no, ours: true };
  }
  const votes: VoteFile[] = [];
  for (const { block, kind, bytes } of blocks) {
    if (kind !== 'vote' || !bytes) continue;
    const vote = parseVoteFile(parseJson(bytes), {
      proposals: proposals.value.proposals,
      requireComplete: false,
    });
    if (vote.ok) votes.push(vote.value);
    else {
      defects.push({
        kind: 'invalid_vote_file',
        block: block.index,
        message: `${block.vote_file}: ${vote.errors.join('; ')}`,
      });
    }
  }
  const r = results.value;
  const tiers: Record<string, string> = {};
  for (const v of r.voters) tiers[v.id] = v.tier;
  const rules = r.emergency ? emergencyRules(r.rules, r.emergency.reduced_quorum) : r.rules;
  const recomputed = tally({
    proposals: proposals.value.proposals,
    votes,
    tiers,
    generalSeats: r.quorum.general_seats,
    seats: r.participation.seats,
    rules,
  });
  const recorded = new Map(r.proposals.map((p) => [p.id, p]));
  for (const p of recomputed.proposals) {
    const stored = recorded.get(p.id);
    if (!stored) {
      defects.push({
        kind: 'tally_mismatch',
        proposal: p.id,
        message: `proposal ${p.id} missing from results`,
      });
    } else if (stored.score !== p.score || stored.status !== p.status) {
      defects.push({
        kind: 'tally_mismatch',
        proposal: p.id,
        message: `proposal ${p.id}: results say ${stored.score} ${stored.status}, votes give ${p.score} ${p.status}`,
      });
    }
    recorded.delete(p.id);
  }
  for (const id of recorded.keys()) {
    defects.push({ kind: 'tally_mismatch', proposal: id, message: `results list unknown proposal ${id}` });
  }
  return { ours: true, checked: true, files: [RESULTS_FILE] };
}
