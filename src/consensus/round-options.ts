/**
 * The inputs and outcome of a voting round, and their validation.
 * @packageDocumentation
 */
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import type { OperatorKey } from './authorisation.js';
import type { ConsensusEvent, VoterProgress } from './events.js';
import { readMinutesFile, writeMinutesFile } from './minutes-fs.js';
import { type Proposal, parseProposals } from './proposal.js';
import type { RoundResults, RoundStatus, VoterRecord } from './results-format.js';
import type { RoundState } from './round-state.js';
import { type ConsensusRules, checkRules } from './rules.js';
import type { TallyResult } from './tally.js';
import type { VoteBackend } from './voter-session.js';

/** A model that may vote. */
export interface VoterSpec {
  readonly id: string;
  readonly tier: string;
  readonly capabilities: readonly string[];
}

/** Emergency-consensus settings (the chain's `enableEmergencyConsensus`). */
export interface EmergencyOptions {
  readonly enabled: boolean;
  /** The n registered operators. */
  readonly operatorKeys: readonly OperatorKey[];
  /** k: how many distinct operators must sign. */
  readonly threshold: number;
}

/** Inputs of {@link runRound}. */
export interface RoundOptions {
  readonly minutesDir: string;
  readonly minuteId: string;
  /** The ballot; read from `<minutesDir>/proposals.json` when omitted. */
  readonly proposals?: readonly Proposal[];
  readonly voters: readonly VoterSpec[];
  /** Pool of possible substitutes (only those with the `voting` capability are used). */
  readonly substitutes?: readonly VoterSpec[];
  readonly rules: ConsensusRules;
  readonly backend: VoteBackend;
  readonly clock?: Clock;
  /** The whole round's deadline (each extension gets another one). */
  readonly deadlineMs: number;
  readonly perVoterDeadlineMs: number;
  /** Attempts per voter (malformed/off-task answers and retryable failures are retried). */
  readonly maxAttempts: number;
  readonly emergency?: EmergencyOptions;
  /** Round id (default `<minuteId>-<random hex>`); emergency authorisations name it. */
  readonly roundId?: string;
  /** The `model` of the finalize block (default `system`). */
  readonly reporter?: string;
  readonly onProgress?: (voters: readonly VoterProgress[]) => void;
  readonly onEvent?: (event: ConsensusEvent) => void;
}

/** How {@link runRound} ended. */
export interface RoundOutcome {
  readonly status: RoundStatus;
  readonly roundId: string;
  readonly voters: readonly VoterRecord[];
  readonly tally: TallyResult;
  /** Present when the round was finalised or ended `quorum_failed`. */
  readonly results?: RoundResults;
  /** Present when the round is `emergency_pending`. */
  readonly state?: RoundState;
}

/** Returns the ballot; writes `proposals.json` when the proposals were given and the file is absent. */
export async function resolveProposals(o: RoundOptions): Promise<readonly Proposal[]> {
  const path = join(o.minutesDir, 'proposals.json');
  if (o.proposals) {
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (!exists)
      await writeMinutesFile(
        o.minutesDir,
        'proposals.json',
        `${JSON.stringify({ minute_id: o.minuteId, proposals: o.proposals }, null, 2)}\n`,
      );
    return o.proposals;
  }
  const read = await readMinutesFile(o.minutesDir, 'proposals.json');
  let json: unknown;
  try {
    if (!read.ok) throw new Error(read.message);
    json = JSON.parse(read.bytes.toString('utf8'));
  } catch (error) {
    throw new Error(`proposals: cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = parseProposals(json);
  if (!parsed.ok) throw new Error(`${path}: ${parsed.errors.join('; ')}`);
  return parsed.value.proposals;
}

/** Throws an error naming every invalid option. */
export function checkOptions(o: RoundOptions): void {
  const errors = checkRules(o.rules);
  if (o.voters.length === 0) errors.push('voters: at least one voter is required');
  const ids = new Set<string>();
  o.voters.forEach((v, i) => {
    if (ids.has(v.id)) errors.push(`voters[${i}].id: duplicate voter ${v.id}`);
    ids.add(v.id);
  });
  for (const [name, v] of [
    ['deadlineMs', o.deadlineMs],
    ['perVoterDeadlineMs', o.perVoterDeadlineMs],
  ] as const) {
    if (!(v > 0)) errors.push(`${name}: must be > 0 (got ${v})`);
  }
  if (!(Number.isInteger(o.maxAttempts) && o.maxAttempts >= 1))
    errors.push(`maxAttempts: must be an integer >= 1`);
  if (
    o.emergency?.enabled &&
    !(o.emergency.threshold >= 1 && o.emergency.threshold <= o.emergency.operatorKeys.length)
  ) {
    errors.push('emergency.threshold: must be between 1 and the number of operator keys');
  }
  if (errors.length > 0) throw new Error(`invalid round options: ${errors.join('; ')}`);
}
