/**
 * Tallying weighted votes.
 *
 * - Score of a proposal = mean of the weights cast for it × 10, rounded half-up to 2 decimals. A model
 *   that did not weight a proposal is left out of that proposal's mean (per-proposal denominators) and
 *   counts as an abstention in its participation.
 * - Approval is inclusive and compares the rounded score: `score >= threshold` approves.
 * - Veto: only voters of the general tier, only with weight ≤ 2 and a `veto` reason. Veto share (percent)
 *   `>= rejectPercent` (80) → `vetoed`; `>= revisionPercent` (50) → `revision`. Shares are compared
 *   exactly (`vetoes × 100 >= percent × denominator`) and reported rounded to 2 decimals.
 * - Quorum is checked for the round (number of vote files, general fraction) and for each proposal
 *   (weights cast for it); a proposal short of quorum is `no_quorum`.
 * @packageDocumentation
 */
import type { Proposal } from './proposal.js';
import { type QuorumRules, type TallyRules, thresholdFor } from './rules.js';
import { VETO_MAX_WEIGHT, type VoteFile } from './vote-file.js';

/** Final status of a proposal. */
export type ProposalStatus = 'approved' | 'rejected' | 'vetoed' | 'revision' | 'no_quorum';

/** The tally of one proposal (snake_case: it is written to `results.json` as is). */
export interface ProposalTally {
  readonly id: string;
  readonly title: string;
  readonly category: string;
  readonly threshold: number;
  /** Mean weight × 10, 2 decimals; `null` when nobody weighted it. */
  readonly score: number | null;
  /** Weights cast for this proposal. */
  readonly votes: number;
  /** Seats that cast no weight for this proposal. */
  readonly abstentions: number;
  /** `votes / seats`, 4 decimals. */
  readonly participation: number;
  readonly vetoes: number;
  /** Veto share in percent, 2 decimals. */
  readonly veto_share: number;
  readonly status: ProposalStatus;
}

/** The quorum check of a round. */
export interface QuorumReport {
  readonly met: boolean;
  readonly votes: number;
  readonly general_votes: number;
  readonly general_seats: number;
  readonly min_votes: number | null;
  readonly min_general_fraction: number | null;
  readonly mode: 'all' | 'any';
}

/** What {@link tally} needs. */
export interface TallyInput {
  readonly proposals: readonly Proposal[];
  readonly votes: readonly VoteFile[];
  /** Tier of each voting model, by the vote file's `model`; unknown models are not generals. */
  readonly tiers: Readonly<Record<string, string>>;
  /** General seats of the round (the denominator of the general fraction). */
  readonly generalSeats: number;
  /** Seats of the round, for participation (defaults to the number of votes). */
  readonly seats?: number;
  readonly rules: TallyRules;
}

/** The tally of a round. */
export interface TallyResult {
  readonly quorum: QuorumReport;
  readonly proposals: readonly ProposalTally[];
}

/** Rounds half-up to `digits` decimals (with an epsilon against binary representation). */
export function roundTo(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round((value + Number.EPSILON * Math.abs(value)) * f) / f;
}

/** True when `votes` (of which `generalVotes` from generals) meet the quorum. */
export function quorumMet(
  rules: QuorumRules,
  votes: number,
  generalVotes: number,
  generalSeats: number,
): boolean {
  const checks: boolean[] = [];
  if (rules.minVotes !== undefined) checks.push(votes >= rules.minVotes);
  if (rules.minGeneralFraction !== undefined) {
    // exact: generalVotes / generalSeats >= fraction, without division by zero
    checks.push(generalSeats > 0 && generalVotes >= rules.minGeneralFraction * generalSeats - 1e-9);
  }
  if (checks.length === 0) return votes >= 1;
  return rules.mode === 'any' ? checks.some(Boolean) : checks.every(Boolean);
}

/** Tallies a round. Votes from the same model twice are an input error: only the first one counts. */
export function tally(input: TallyInput): TallyResult {
  const { rules } = input;
  const isGeneral = (model: string) => input.tiers[model] === rules.generalTier;
  const seenModels = new Set<string>();
  const votes = input.votes.filter((v) => !seenModels.has(v.model) && seenModels.add(v.model));
  const generalVotes = votes.filter((v) => isGeneral(v.model)).length;
  const seats = Math.max(input.seats ?? votes.length, votes.length);
  const roundMet = quorumMet(rules.quorum, votes.length, generalVotes, input.generalSeats);
  const quorum: QuorumReport = {
    met: roundMet,
    votes: votes.length,
    general_votes: generalVotes,
    general_seats: input.generalSeats,
    min_votes: rules.quorum.minVotes ?? null,
    min_general_fraction: rules.quorum.minGeneralFraction ?? null,
    mode: rules.quorum.mode,
  };

  const proposals = input.proposals.map((proposal): ProposalTally => {
    let sum = 0;
    let count = 0;
    let generalCount = 0;
    let vetoes = 0;
    for (const vote of votes) {
      const w = vote.weights.find((x) => x.proposal_id === proposal.id);
      if (!w) continue;
      sum += w.weight;
      count++;
      if (isGeneral(vote.model)) {
        generalCount++;
        if (w.veto !== undefined && w.veto.trim() !== '' && w.weight <= VETO_MAX_WEIGHT) vetoes++;
      }
    }
    const threshold = thresholdFor(proposal, rules.thresholds);
    const score = count > 0 ? roundTo((sum * 10) / count, 2) : null;
    const vetoDenominator = rules.veto.denominator === 'eligible' ? input.generalSeats : generalCount;
    const atLeast = (percent: number) => vetoDenominator > 0 && vetoes * 100 >= percent * vetoDenominator;
    let status: ProposalStatus;
    if (!roundMet || !quorumMet(rules.quorum, count, generalCount, input.generalSeats)) status = 'no_quorum';
    else if (atLeast(rules.veto.rejectPercent)) status = 'vetoed';
    else if (atLeast(rules.veto.revisionPercent)) status = 'revision';
    else status = score !== null && score >= threshold ? 'approved' : 'rejected';
    return {
      id: proposal.id,
      title: proposal.title,
      category: proposal.category,
      threshold,
      score,
      votes: count,
      abstentions: seats - count,
      participation: seats > 0 ? roundTo(count / seats, 4) : 0,
      vetoes,
      veto_share: vetoDenominator > 0 ? roundTo((vetoes * 100) / vetoDenominator, 2) : 0,
      status,
    };
  });
  return { quorum, proposals };
}
