/**
 * Finishing a round left `emergency_pending`: only under an authorisation signed by k of the n registered
 * operators, for this round, unexpired, with an unused nonce. Refusals give a clear reason and are
 * emitted as `round.emergency_refused`.
 * @packageDocumentation
 */
import { type Clock, systemClock } from '../core/clock.js';
import { type Authorisation, type OperatorKey, verifyAuthorisation } from './authorisation.js';
import { ChainBuilder } from './chain.js';
import { type ConsensusEvent, type FinaliseRefusalReason, safeCall } from './events.js';
import { readMinutesFile } from './minutes-fs.js';
import { readChainFile, writeFinalRecords } from './minutes-writer.js';
import type { FileNonceStore, NonceStore } from './nonce-store.js';
import { participationOf, RESULTS_FILE, type RoundResults } from './results-format.js';
import { loadRoundState, minutesDigest, type RoundState, writeRoundState } from './round-state.js';
import { emergencyRules } from './rules.js';
import { tally } from './tally.js';
import { verifyMinutes } from './verify.js';
import { parseVoteFile, type VoteFile } from './vote-file.js';

/** The registered operator set: who may sign, and how many must (k). */
export interface OperatorSet {
  readonly threshold: number;
  readonly operators: readonly OperatorKey[];
}

/** Context of {@link finaliseWithAuthorisation}. */
export interface FinaliseContext {
  /**
   * The registered operators, from configuration: never the copy recorded in the minutes folder. k is
   * `operators.threshold`; the pending file's recorded threshold can only raise it.
   */
  readonly operators: OperatorSet;
  /** Raise k above the operator set's threshold; a value below it is refused (`invalid`). */
  readonly minSigners?: number;
  /** Used nonces and finalised rounds: keep it outside the minutes folder (see {@link FileNonceStore}). */
  readonly nonceStore: NonceStore;
  readonly clock?: Clock;
  readonly onEvent?: (event: ConsensusEvent) => void;
}

/** How finalising went. */
export type FinaliseOutcome =
  | { readonly ok: true; readonly results: RoundResults; readonly signers: readonly string[] }
  | { readonly ok: false; readonly reason: FinaliseRefusalReason; readonly message: string };

/**
 * Finalises the `emergency_pending` round of the minutes folder `minutesDir` under the authorisation's
 * reduced quorum: writes `results.json`, `results.md` and the finalize block into that folder, records
 * the nonce in the store and marks the state finalised. Everything is resolved relative to `minutesDir`
 * (a copied or moved folder works the same); no path is taken from the pending file.
 */
export async function finaliseWithAuthorisation(
  minutesDir: string,
  authorisation: Authorisation,
  context: FinaliseContext,
): Promise<FinaliseOutcome> {
  let release: (() => Promise<void>) | undefined;
  const roundId = typeof authorisation.round_id === 'string' ? authorisation.round_id : '?';
  try {
    release = await context.nonceStore.lock?.((t) =>
      safeCall(context.onEvent, {
        type: 'round.emergency_lock_recovered',
        round_id: roundId,
        lock_file: t.path,
        previous_owner: t.previous
          ? `pid ${t.previous.pid} on ${t.previous.host} since ${t.previous.started_at}`
          : 'unreadable',
        reason: t.reason,
      }),
    );
  } catch (error) {
    const message = `used-nonce store busy: ${(error as Error).message}`;
    safeCall(context.onEvent, {
      type: 'round.emergency_refused',
      round_id: roundId,
      reason: 'invalid',
      message,
    });
    return { ok: false, reason: 'invalid', message };
  }
  try {
    return await finaliseLocked(minutesDir, authorisation, context);
  } finally {
    await release?.();
  }
}

async function finaliseLocked(
  minutesDir: string,
  authorisation: Authorisation,
  context: FinaliseContext,
): Promise<FinaliseOutcome> {
  const clock = context.clock ?? systemClock;
  const dir = minutesDir;
  const emit = (e: ConsensusEvent) => safeCall(context.onEvent, e);
  let roundId = typeof authorisation.round_id === 'string' ? authorisation.round_id : '?';
  const refuse = (reason: FinaliseRefusalReason, message: string): FinaliseOutcome => {
    emit({ type: 'round.emergency_refused', round_id: roundId, reason, message });
    return { ok: false, reason, message };
  };
  let state: RoundState | undefined;
  try {
    state = await loadRoundState(dir);
  } catch (error) {
    return refuse('tampered', (error as Error).message);
  }
  if (state?.status !== 'pending') {
    return refuse(
      'not_pending',
      state
        ? `round ${state.round_id} in ${dir} is already finalised`
        : `${dir} has no round pending an emergency authorisation`,
    );
  }
  roundId = state.round_id;
  const registered = context.operators.threshold;
  if (context.minSigners !== undefined && context.minSigners < registered) {
    return refuse(
      'invalid',
      `threshold ${context.minSigners} is below the operator set's ${registered}: k can only be raised`,
    );
  }
  const threshold = Math.max(registered, context.minSigners ?? 0, state.emergency.threshold);
  const store = context.nonceStore;
  let nonceUsed: boolean;
  let roundDone: boolean;
  try {
    nonceUsed = typeof authorisation.nonce === 'string' && (await store.has(authorisation.nonce));
    roundDone = await store.hasRound(state.round_id);
  } catch (error) {
    return refuse('invalid', `used-nonce store unreadable: ${(error as Error).message}`);
  }
  const verdict = verifyAuthorisation(authorisation, {
    roundId: state.round_id,
    operatorKeys: context.operators.operators,
    threshold,
    nowMs: clock.wallNow(),
    nonceUsed,
  });
  if (!verdict.ok) return refuse(verdict.reason, verdict.message);
  if (authorisation.minutes_sha256 === undefined) {
    return refuse(
      'invalid',
      'the request does not bind the minutes (no minutes_sha256): make it with `emergency request`',
    );
  }
  let digest: string;
  try {
    digest = await minutesDigest(dir);
  } catch (error) {
    return refuse('tampered', (error as Error).message);
  }
  if (digest !== authorisation.minutes_sha256) {
    return refuse(
      'tampered',
      `the minutes changed since the request was made (minutes_sha256 ${digest}, the request signs ${authorisation.minutes_sha256})`,
    );
  }
  if (roundDone) {
    // e.g. a copy of a folder already finalised elsewhere, with a fresh authorisation
    return refuse('replayed', `round ${state.round_id} was already finalised under an authorisation`);
  }

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
    const read = await readMinutesFile(dir, block.vote_file);
    let json: unknown;
    try {
      if (!read.ok) throw new Error(read.message);
      json = JSON.parse(read.bytes.toString('utf8'));
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
  await writeRoundState(dir, { ...state, status: 'finalised' });
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
