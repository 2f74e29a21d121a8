/**
 * The tally re-check of minutes verification: recomputes the tally from the vote files of the chain
 * and compares it with `results.json`. See {@link recheckTally}.
 * @packageDocumentation
 */
import { join } from 'node:path';
import type { ChainBlock } from './chain.js';
import { parseProposals } from './proposal.js';
import { parseResultsForCheck, RESULTS_FILE } from './results-format.js';
import { emergencyRules } from './rules.js';
import { tally } from './tally.js';
import type { ChainDefect } from './verify.js';
import { parseVoteFile, type VoteFile } from './vote-file.js';

/** What {@link recheckTally} works from. */
export interface TallyRecheckInput {
  /** The minutes folder. */
  readonly folder: string;
  /** The parsed chain. */
  readonly chain: readonly ChainBlock[];
  /** Each block's vote-file bytes, by chain position (null when missing or unsafe). */
  readonly fileBytes: readonly (Buffer | null)[];
  /** Reads a file, null when it cannot be read. */
  readonly readBytes: (path: string) => Promise<Buffer | null>;
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Re-tallies the vote files of a chain and compares the result with `results.json`: each disagreeing,
 * missing or unknown proposal is a `tally_mismatch`, an unparsable vote file an `invalid_vote_file`
 * (both appended to `defects`). Returns false when the re-tally cannot run (no results, or results or
 * proposals lacking what it needs), with a note saying why unless the finalize block names the missing
 * results file (its `missing_file` defect already says so); otherwise true.
 */
export async function recheckTally(
  input: TallyRecheckInput,
  defects: ChainDefect[],
  notes: string[],
): Promise<boolean> {
  const { folder, chain, fileBytes, readBytes } = input;
  const resultsBytes = await readBytes(join(folder, RESULTS_FILE));
  if (!resultsBytes) {
    if (chain.some((b) => b.type === 'finalize' && b.vote_file === RESULTS_FILE)) return false;
    notes.push(`${RESULTS_FILE} not found: votes not re-tallied`);
    return false;
  }
  const results = parseResultsForCheck(parseJson(resultsBytes));
  const proposalBytes = await readBytes(join(folder, 'proposals.json'));
  const proposals = proposalBytes ? parseProposals(parseJson(proposalBytes)) : null;
  if (!results.ok || !proposals?.ok) {
    notes.push(
      !results.ok
        ? `${RESULTS_FILE} lacks what a re-tally needs (${results.errors[0]}): votes not re-tallied`
        : 'proposals.json missing or invalid: votes not re-tallied',
    );
    return false;
  }
  const votes: VoteFile[] = [];
  chain.forEach((block, pos) => {
    const bytes = fileBytes[pos];
    if (block.type !== 'vote' || !bytes) return;
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
  });
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
  return true;
}
