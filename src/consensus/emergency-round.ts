/**
 * Finishing a round left `emergency_pending`: only under an authorisation signed by k of the n registered
 * operators, for this round, unexpired, with an unused nonce. Refusals give a clear reason and are
 * emitted as `round.emergency_refused`.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '../core/clock.js';
import { type Authorisation, type OperatorKey, verifyAuthorisation } from './authorisation.js';
import { ChainBuilder } from './chain.js';
import { type ConsensusEvent, type FinaliseRefusalReason, safeCall } from './events.js';
import { readChainFile, writeFinalRecords } from './minutes-writer.js';
import { FileNonceStore, type NonceStore } from './nonce-store.js';
import { participationOf, RESULTS_FILE, type RoundResults } from './results-format.js';
import { loadRoundState, type RoundState, writeRoundState } from './round-state.js';
import { emergencyRules } from './rules.js';
import { tally } from './tally.js';
import { verifyMinutes } from './verify.js';
import { parseVoteFile, type VoteFile } from './vote-file.js';

/** The nonce file used when no store is given. */
export const NONCE_FILE = 'emergency_nonces.json';

/** Context of {@link finaliseWithAuthorisation}; each field overrides what the round state recorded. */
export interface FinaliseContext {
  /** The registered operators (pass them from configuration; the state file's copy is only a record). */
  readonly operatorKeys?: readonly OperatorKey[];
  readonly threshold?: number;
  readonly clock?: Clock;
  readonly nonceStore?: NonceStore;
  readonly onEvent?: (event: ConsensusEvent) => void;
}

/** How finalising went. */
export type FinaliseOutcome =
  | { readonly ok: true; readonly results: RoundResults; readonly signers: readonly string[] }
  | { readonly ok: false; readonly reason: FinaliseRefusalReason; readonly message: string };

/**
 * Finalises an `emergency_pending` round under the authorisation's reduced quorum: writes `results.json`,
 * `results.md` and the finalize block, marks the nonce used and the state finalised.
 */
export async function finaliseWithAuthorisation(
  state: RoundState,
  authorisation: Authorisation,
  context: FinaliseContext = {},
): Promise<FinaliseOutcome> {
  const clock = context.clock ?? systemClock;
  const dir = state.minutes_dir;
  const emit = (e: ConsensusEvent) => safeCall(context.onEvent, e);
  const refuse = (reason: FinaliseRefusalReason, message: string): FinaliseOutcome => {
    emit({ type: 'round.emergency_refused', round_id: state.round_id, reason, message });
    return { ok: false, reason, message };
  };
  const onDisk = await loadRoundState(dir);
  if (!onDisk || onDisk.round_id !== state.round_id || onDisk.status !== 'pending') {
    return refuse(
      'not_pending',
      `round ${state.round_id} is not pending an emergency authorisation in ${dir}`,
    );
  }
  const store = context.nonceStore ?? new FileNonceStore(join(dir, NONCE_FILE));
  let nonceUsed: boolean;
  try {
    nonceUsed = typeof authorisation.nonce === 'string' && (await store.has(authorisation.nonce));
  } catch (error) {
    return refuse('invalid', `used-nonce store unreadable: ${(error as Error).message}`);
  }
  const verdict = verifyAuthorisation(authorisation, {
    roundId: state.round_id,
    operatorKeys: context.operatorKeys ?? state.emergency.operator_keys,
    threshold: context.threshold ?? state.emergency.threshold,
    nowMs: clock.wallNow(),
    nonceUsed,
  });
  if (!verdict.ok) return refuse(verdict.reason, verdict.message);

  const chain = await readChainFile(dir);
  const check = await verifyMinutes(dir);
  if (typeof chain !== 'object' || !check.ok || check.finalised) {
    const why = check.defects.map((d) => `${d.kind}${d.block !== undefined ? ` at block ${d.block}` : ''}`);
    return refuse(
      'tampered',
      `the minutes no longer match their chain: ${why.join(', ') || 'already finalised'}`,
    );
  }
  const votes: VoteFile[] = [];
  for (const block of chain.chain) {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(join(dir, block.vote_file), 'utf8'));
    } catch (error) {
      return refuse('tampered', `${block.vote_file}: ${(error as Error).message}`);
    }
    const parsed = parseVoteFile(json, { proposals: state.proposals, requireComplete: false });
    if (!parsed.ok) return refuse('tampered', `${block.vote_file}: ${parsed.errors.join('; ')}`);
    votes.push(parsed.value);
  }
  if (authorisation.reduced_quorum > votes.length) {
    return refuse(
      'insufficient_votes',
      `reduced quorum ${authorisation.reduced_quorum} exceeds the ${votes.length} vote(s) filed`,
    );
  }
  const rules = emergencyRules(state.rules, authorisation.reduced_quorum);
  const result = tally({
    proposals: state.proposals,
    votes,
    tiers: state.tiers,
    generalSeats: state.general_seats,
    seats: state.seats,
    rules,
  });
  const now = new Date(clock.wallNow()).toISOString();
  await store.add(authorisation.nonce, state.round_id, now);
  const results: RoundResults = {
    minute_id: state.minute_id,
    round_id: state.round_id,
    status: 'emergency_finalised',
    generated_at: now,
    rules: state.rules,
    quorum: result.quorum,
    participation: participationOf(state.voters),
    voters: state.voters,
    proposals: result.proposals,
    emergency: {
      reduced_quorum: authorisation.reduced_quorum,
      signers: verdict.signers,
      nonce: authorisation.nonce,
      expires_at: authorisation.expires_at,
      authorised_at: now,
    },
  };
  const builder = new ChainBuilder(chain.minute_id, chain.chain);
  const hash = await writeFinalRecords(dir, builder, results, now, state.reporter);
  await writeRoundState({ ...onDisk, status: 'finalised' });
  emit({
    type: 'round.emergency_authorised',
    round_id: state.round_id,
    signers: verdict.signers,
    reduced_quorum: authorisation.reduced_quorum,
    nonce: authorisation.nonce,
  });
  emit({
    type: 'round.finalised',
    round_id: state.round_id,
    status: 'emergency_finalised',
    results_file: RESULTS_FILE,
    results_hash: hash,
  });
  return { ok: true, results, signers: verdict.signers };
}
