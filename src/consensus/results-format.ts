/**
 * `results.json`: the record of a round (this project's format; the chain's `finalize` block hashes its
 * raw bytes). It carries the rules, seats and voter tiers so `verifyMinutes` can re-tally the votes.
 * @packageDocumentation
 */
import { z } from 'zod';
import { describeIssues } from './field-errors.js';
import type { ParseResult } from './proposal.js';
import type { TallyRules } from './rules.js';
import type { ProposalTally, QuorumReport } from './tally.js';

/** The results file name inside a minutes folder. */
export const RESULTS_FILE = 'results.json';
/** The readable report's file name. */
export const RESULTS_MARKDOWN_FILE = 'results.md';

/** How a round ended. */
export type RoundStatus = 'finalised' | 'emergency_finalised' | 'quorum_failed' | 'emergency_pending';

/** How a voter ended. */
export type VoterStatus = 'voted' | 'substituted' | 'timed_out' | 'failed' | 'malformed';

/** What went wrong with a voter that did not vote. */
export type VoterFailure = 'timed_out' | 'failed' | 'malformed';

/**
 * One voter in the report. A failed voter that was replaced has `status: 'substituted'`, `failure` saying
 * what happened to it and `substituted_by` naming the substitute; the substitute has its own record with
 * `role: 'substitute'` and `substitute_for`. Nobody's vote is ever filed under another model's id.
 */
export interface VoterRecord {
  readonly id: string;
  readonly tier: string;
  readonly role: 'voter' | 'substitute';
  readonly status: VoterStatus;
  readonly attempts: number;
  readonly failure?: VoterFailure;
  readonly substituted_by?: string;
  readonly substitute_for?: string;
  readonly vote_file?: string;
  /** Last error or validation problem, secrets never included. */
  readonly detail?: string;
}

/** Participation counts of a round (seats = voters originally asked). */
export interface ParticipationReport {
  readonly seats: number;
  readonly voted: number;
  readonly substituted: number;
  readonly substitute_votes: number;
  readonly timed_out: number;
  readonly failed: number;
  readonly malformed: number;
  /** Votes filed (including substitutes) / seats, 4 decimals. */
  readonly rate: number;
}

/** The emergency authorisation a round was finalised under. */
export interface EmergencyRecord {
  readonly reduced_quorum: number;
  readonly signers: readonly string[];
  readonly nonce: string;
  readonly expires_at: string;
  readonly authorised_at: string;
}

/** The `results.json` document. */
export interface RoundResults {
  readonly minute_id: string;
  readonly round_id: string;
  readonly status: RoundStatus;
  readonly generated_at: string;
  readonly rules: TallyRules;
  readonly quorum: QuorumReport;
  readonly participation: ParticipationReport;
  readonly voters: readonly VoterRecord[];
  readonly proposals: readonly ProposalTally[];
  readonly emergency: EmergencyRecord | null;
}

/** Serialises results exactly as written (2-space JSON, trailing newline). */
export function serialiseResults(results: RoundResults): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}

const rulesSchema = z.object({
  thresholds: z.object({
    standard: z.number(),
    governanceCritical: z.number(),
    infrastructure: z.number(),
    overrides: z.record(z.string(), z.number()).optional(),
  }),
  quorum: z.object({
    minVotes: z.number().optional(),
    minGeneralFraction: z.number().optional(),
    mode: z.enum(['all', 'any']),
  }),
  veto: z.object({
    rejectPercent: z.number(),
    revisionPercent: z.number(),
    denominator: z.enum(['voting', 'eligible']),
  }),
  generalTier: z.string(),
});

/** What verification needs from a results file (tolerates extra fields). */
export const resultsCheckSchema = z.object({
  minute_id: z.string().optional(),
  round_id: z.string().optional(),
  status: z.string(),
  rules: rulesSchema,
  quorum: z.object({ general_seats: z.number().int().nonnegative() }),
  participation: z.object({ seats: z.number().int().nonnegative() }),
  voters: z.array(z.object({ id: z.string(), tier: z.string(), vote_file: z.string().optional() })),
  proposals: z.array(z.object({ id: z.string(), score: z.number().nullable(), status: z.string() })),
  emergency: z.object({ reduced_quorum: z.number().int().positive() }).nullable().optional(),
});

/** The parts of `results.json` used by verification. */
export type ResultsForCheck = z.infer<typeof resultsCheckSchema>;

/** Parses the parts of a results file needed to re-tally it. */
export function parseResultsForCheck(json: unknown): ParseResult<ResultsForCheck> {
  const parsed = resultsCheckSchema.safeParse(json);
  if (!parsed.success) return { ok: false, errors: describeIssues(parsed.error) };
  return { ok: true, value: parsed.data };
}

/** Counts participation from the voter records (seats = records with role `voter`). */
export function participationOf(voters: readonly VoterRecord[]): ParticipationReport {
  const seats = voters.filter((v) => v.role === 'voter');
  const count = (pred: (v: VoterRecord) => boolean) => seats.filter(pred).length;
  const substituteVotes = voters.filter((v) => v.role === 'substitute' && v.status === 'voted').length;
  const voted = count((v) => v.status === 'voted');
  const failureOf = (v: VoterRecord): VoterStatus => (v.status === 'substituted' ? v.failure! : v.status);
  return {
    seats: seats.length,
    voted,
    substituted: count((v) => v.status === 'substituted'),
    substitute_votes: substituteVotes,
    timed_out: count((v) => failureOf(v) === 'timed_out'),
    failed: count((v) => failureOf(v) === 'failed'),
    malformed: count((v) => failureOf(v) === 'malformed'),
    rate: seats.length > 0 ? Math.round(((voted + substituteVotes) / seats.length) * 10_000) / 10_000 : 0,
  };
}
