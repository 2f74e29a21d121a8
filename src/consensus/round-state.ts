/**
 * The state of a round left `emergency_pending`: written to `emergency_pending.json` in the minutes folder
 * so that {@link finaliseWithAuthorisation} can finish it later (another process, e.g. the CLI).
 *
 * The file is only a record inside an untrusted folder: it names no path (a minutes folder is resolved
 * from where it is found, so a copied or moved folder still works), and its copy of the operator keys and
 * threshold can only make an authorisation stricter, never looser.
 * @packageDocumentation
 */
import { z } from 'zod';
import type { OperatorKey } from './authorisation.js';
import { sha256Hex } from './chain.js';
import { describeIssues } from './field-errors.js';
import { readMinutesFile, writeMinutesFile } from './minutes-fs.js';
import type { Proposal } from './proposal.js';
import type { VoterRecord } from './results-format.js';
import type { ConsensusRules } from './rules.js';
import { CHAIN_FILE } from './verify.js';

/** The pending-state file name. */
export const PENDING_FILE = 'emergency_pending.json';

/** A round waiting for an emergency authorisation. */
export interface RoundState {
  readonly status: 'pending' | 'finalised';
  readonly round_id: string;
  readonly minute_id: string;
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
  /** The emergency configuration of the round, as a record (the registered operator set decides). */
  readonly emergency: { readonly threshold: number; readonly operator_keys: readonly OperatorKey[] };
  /** The `model` of the finalize block. */
  readonly reporter?: string;
}

const stateSchema = z.object({
  status: z.enum(['pending', 'finalised']),
  round_id: z.string().min(1),
  minute_id: z.string().min(1),
  created_at: z.string(),
  rules: z.record(z.string(), z.unknown()),
  proposals: z.array(z.object({ id: z.string().min(1), title: z.string(), category: z.string() })).min(1),
  voters: z.array(z.object({ id: z.string().min(1), tier: z.string(), status: z.string() })),
  tiers: z.record(z.string(), z.string()),
  seats: z.int().nonnegative(),
  general_seats: z.int().nonnegative(),
  votes: z.int().nonnegative(),
  failed_voters: z.array(z.string()),
  emergency: z.object({
    threshold: z.int().min(1),
    operator_keys: z.array(z.object({ name: z.string(), publicKey: z.string() })),
  }),
  reporter: z.string().optional(),
});

/** Writes the pending state into the minutes folder `minutesDir`. */
export async function writeRoundState(minutesDir: string, state: RoundState): Promise<void> {
  await writeMinutesFile(minutesDir, PENDING_FILE, `${JSON.stringify(state, null, 2)}\n`);
}

/**
 * Loads the pending state of a minutes folder; `undefined` when there is none.
 * @throws Error naming the file and the first field at fault when the file is unreadable, unsafe (a
 * symbolic link) or not a pending state
 */
export async function loadRoundState(minutesDir: string): Promise<RoundState | undefined> {
  const read = await readMinutesFile(minutesDir, PENDING_FILE);
  if (!read.ok) {
    if (read.problem === 'missing') return undefined;
    throw new Error(read.message);
  }
  let json: unknown;
  try {
    json = JSON.parse(read.bytes.toString('utf8'));
  } catch (error) {
    throw new Error(`${PENDING_FILE}: not JSON: ${(error as Error).message}`);
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${PENDING_FILE}: ${describeIssues(parsed.error)[0]}`);
  // a recorded path from older versions (`minutes_dir`) is dropped: the folder is where the file was found
  const { minutes_dir: _ignored, ...state } = json as RoundState & { minutes_dir?: unknown };
  return state;
}

/**
 * The digest an emergency authorisation request binds (`minutes_sha256`): the lowercase hex sha256 of
 * `<sha256 of emergency_pending.json>\n<sha256 of voting_chain.json>` (raw bytes of each file). Any edit
 * of the pending state (rules, proposals, voters, seats) or of the chain changes it.
 * @throws Error naming the file when either is missing or unsafe
 */
export async function minutesDigest(minutesDir: string): Promise<string> {
  const parts: string[] = [];
  for (const file of [PENDING_FILE, CHAIN_FILE]) {
    const read = await readMinutesFile(minutesDir, file);
    if (!read.ok) throw new Error(read.message);
    parts.push(sha256Hex(read.bytes));
  }
  return sha256Hex(parts.join('\n'));
}
