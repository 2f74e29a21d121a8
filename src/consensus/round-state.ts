/**
 * The state of a round left `emergency_pending`: written to `emergency_pending.json` in the minutes folder
 * so that {@link finaliseWithAuthorisation} can finish it later (another process, e.g. the CLI).
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OperatorKey } from './authorisation.js';
import { writeAtomically } from './minutes-writer.js';
import type { Proposal } from './proposal.js';
import type { VoterRecord } from './results-format.js';
import type { ConsensusRules } from './rules.js';

/** The pending-state file name. */
export const PENDING_FILE = 'emergency_pending.json';

/** A round waiting for an emergency authorisation. */
export interface RoundState {
  readonly status: 'pending' | 'finalised';
  readonly round_id: string;
  readonly minute_id: string;
  readonly minutes_dir: string;
  readonly created_at: string;
  readonly rules: ConsensusRules;
  readonly proposals: readonly Proposal[];
  readonly voters: readonly VoterRecord[];
  readonly tiers: Readonly<Record<string, string>>;
  readonly seats: number;
  readonly general_seats: number;
  /** Votes filed (voters and substitutes). */
  readonly votes: number;
  readonly failed_voters: readonly string[];
  /** The emergency configuration of the round (k of these keys must sign). */
  readonly emergency: { readonly threshold: number; readonly operator_keys: readonly OperatorKey[] };
  /** The `model` of the finalize block. */
  readonly reporter?: string;
}

/** Writes the pending state. */
export async function writeRoundState(state: RoundState): Promise<void> {
  await writeAtomically(join(state.minutes_dir, PENDING_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * Loads the pending state of a minutes folder; `undefined` when there is none. The operator keys in the
 * file are only a record: callers should pass the registered keys from their configuration.
 */
export async function loadRoundState(minutesDir: string): Promise<RoundState | undefined> {
  try {
    return JSON.parse(await readFile(join(minutesDir, PENDING_FILE), 'utf8')) as RoundState;
  } catch {
    return undefined;
  }
}
