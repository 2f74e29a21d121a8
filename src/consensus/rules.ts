/**
 * The rules of a round: thresholds, quorum, veto, substitution and extension.
 * @packageDocumentation
 */
import type { Proposal, ProposalCategory } from './proposal.js';

/** Approval thresholds in percent, by category, with optional per-proposal overrides. */
export interface ThresholdRules {
  readonly standard: number;
  readonly governanceCritical: number;
  readonly infrastructure: number;
  /** Per-proposal override by normalised id (beats both the category and the proposal file). */
  readonly overrides?: Readonly<Record<string, number>>;
}

/**
 * Quorum: a minimum number of votes and/or a fraction of the round's generals. With `mode: 'all'` every
 * given condition must hold; with `'any'` one suffices. With neither condition the quorum is one vote.
 */
export interface QuorumRules {
  readonly minVotes?: number;
  /** Fraction (0–1] of the round's generals that must have voted (substitutes fill their seat). */
  readonly minGeneralFraction?: number;
  readonly mode: 'all' | 'any';
}

/** Veto rules. Shares are percentages compared inclusively (`share >= rejectPercent`). */
export interface VetoRules {
  /** Veto share at or above which a proposal is `vetoed` (default 80). */
  readonly rejectPercent: number;
  /** Veto share at or above which a proposal goes back for `revision` (default 50). */
  readonly revisionPercent: number;
  /**
   * Denominator of the veto share: `voting` = generals who weighted the proposal (per-proposal
   * denominator, the default); `eligible` = every general seat of the round.
   */
  readonly denominator: 'voting' | 'eligible';
}

/** Everything the tally needs. */
export interface TallyRules {
  readonly thresholds: ThresholdRules;
  readonly quorum: QuorumRules;
  readonly veto: VetoRules;
  /** The tier whose members may veto and count towards the general fraction (default `general`). */
  readonly generalTier: string;
}

/** Rules of a round: the tally rules plus what to do when voters fail. */
export interface ConsensusRules extends TallyRules {
  /** Let a same-tier substitute with the `voting` capability vote (under its own id) for a failed voter. */
  readonly allowSubstitution: boolean;
  /** On quorum failure, ask the voters that did not vote again instead of ending `quorum_failed`. */
  readonly extendOnQuorumFailure?: boolean;
  /** How many extensions at most (default 1). */
  readonly maxExtensions?: number;
}

/** Default thresholds: 70 standard, 75 governance-critical, 65 infrastructure. */
export const DEFAULT_THRESHOLDS: ThresholdRules = {
  standard: 70,
  governanceCritical: 75,
  infrastructure: 65,
};

/** Default rules: CMMV-Hive's (5 votes and 60 % of generals, veto 80/50 %), substitution on. */
export const DEFAULT_RULES: ConsensusRules = {
  thresholds: DEFAULT_THRESHOLDS,
  quorum: { minVotes: 5, minGeneralFraction: 0.6, mode: 'all' },
  veto: { rejectPercent: 80, revisionPercent: 50, denominator: 'voting' },
  generalTier: 'general',
  allowSubstitution: true,
  extendOnQuorumFailure: false,
  maxExtensions: 1,
};

/** Builds rules from partial overrides of {@link DEFAULT_RULES}. */
export function makeRules(overrides: Partial<ConsensusRules> = {}): ConsensusRules {
  return {
    ...DEFAULT_RULES,
    ...overrides,
    thresholds: { ...DEFAULT_RULES.thresholds, ...overrides.thresholds },
    veto: { ...DEFAULT_RULES.veto, ...overrides.veto },
    quorum: overrides.quorum ?? DEFAULT_RULES.quorum,
  };
}

const CATEGORY_KEY: Record<ProposalCategory, keyof Omit<ThresholdRules, 'overrides'>> = {
  standard: 'standard',
  'governance-critical': 'governanceCritical',
  infrastructure: 'infrastructure',
};

/**
 * The rules an emergency round is tallied under: the round's rules with the authorised reduced quorum
 * (every filed vote counts, `mode: 'all'`). Writing results and verifying them must both use this.
 */
export function emergencyRules<R extends TallyRules>(rules: R, reducedQuorum: number): R {
  return { ...rules, quorum: { minVotes: reducedQuorum, mode: 'all' as const } };
}

/** The threshold that applies to a proposal: rule override, then the proposal's own, then its category. */
export function thresholdFor(proposal: Proposal, rules: ThresholdRules): number {
  return rules.overrides?.[proposal.id] ?? proposal.threshold ?? rules[CATEGORY_KEY[proposal.category]];
}

/** Validates rules; returns field-named problems (empty when fine). */
export function checkRules(rules: TallyRules): string[] {
  const errors: string[] = [];
  const pct = (name: string, v: number) => {
    if (!(v >= 0 && v <= 100)) errors.push(`${name}: must be a percentage 0–100 (got ${v})`);
  };
  pct('thresholds.standard', rules.thresholds.standard);
  pct('thresholds.governanceCritical', rules.thresholds.governanceCritical);
  pct('thresholds.infrastructure', rules.thresholds.infrastructure);
  pct('veto.rejectPercent', rules.veto.rejectPercent);
  pct('veto.revisionPercent', rules.veto.revisionPercent);
  if (rules.veto.revisionPercent > rules.veto.rejectPercent) {
    errors.push('veto.revisionPercent: must not exceed veto.rejectPercent');
  }
  const q = rules.quorum;
  if (q.minVotes !== undefined && !(Number.isInteger(q.minVotes) && q.minVotes >= 1)) {
    errors.push(`quorum.minVotes: must be an integer >= 1 (got ${q.minVotes})`);
  }
  if (q.minGeneralFraction !== undefined && !(q.minGeneralFraction > 0 && q.minGeneralFraction <= 1)) {
    errors.push(`quorum.minGeneralFraction: must be in (0, 1] (got ${q.minGeneralFraction})`);
  }
  return errors;
}
