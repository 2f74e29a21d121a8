/**
 * Running a voting round: every voter is asked in parallel under its own deadline; a failed voter may be
 * replaced by a same-tier substitute voting under its own id; the round finalises, ends `quorum_failed`,
 * or stops `emergency_pending` for an operator-signed authorisation.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Clock, systemClock } from '../core/clock.js';
import type { OperatorKey } from './authorisation.js';
import { buildBallotMessages } from './ballot.js';
import { ChainBuilder } from './chain.js';
import { type ConsensusEvent, safeCall, type VoterProgress, type VoterProgressStatus } from './events.js';
import {
  appendVoteBlocks,
  readChainFile,
  writeAtomically,
  writeChainFile,
  writeFinalRecords,
  writeVoteFiles,
} from './minutes-writer.js';
import type { NonceStore } from './nonce-store.js';
import { type Proposal, parseProposals } from './proposal.js';
import {
  participationOf,
  RESULTS_FILE,
  type RoundResults,
  type RoundStatus,
  type VoterRecord,
} from './results-format.js';
import { PENDING_FILE, type RoundState, writeRoundState } from './round-state.js';
import { type ConsensusRules, checkRules } from './rules.js';
import { type TallyResult, tally } from './tally.js';
import type { VoteFile } from './vote-file.js';
import { askVoter, type VoteBackend } from './voter-session.js';

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
  /** Where used nonces are remembered (default: `emergency_nonces.json` in the minutes folder). */
  readonly nonceStore?: NonceStore;
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

type MutableRecord = { -readonly [K in keyof VoterRecord]: VoterRecord[K] } & {
  weights?: VoteFile['weights'];
  at?: number;
};

const iso = (ms: number) => new Date(ms).toISOString();

/** Returns the ballot; writes `proposals.json` when the proposals were given and the file is absent. */
async function resolveProposals(o: RoundOptions): Promise<readonly Proposal[]> {
  const path = join(o.minutesDir, 'proposals.json');
  if (o.proposals) {
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (!exists)
      await writeAtomically(
        path,
        `${JSON.stringify({ minute_id: o.minuteId, proposals: o.proposals }, null, 2)}\n`,
      );
    return o.proposals;
  }
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`proposals: cannot read ${path}: ${(error as Error).message}`);
  }
  const parsed = parseProposals(json);
  if (!parsed.ok) throw new Error(`${path}: ${parsed.errors.join('; ')}`);
  return parsed.value.proposals;
}

function checkOptions(o: RoundOptions): void {
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

/**
 * Runs a round. Throws only for invalid options or an unreadable/already-used minutes folder (with a
 * message naming the field); model failures never throw, they end in the voter's status.
 */
export async function runRound(o: RoundOptions): Promise<RoundOutcome> {
  checkOptions(o);
  const clock = o.clock ?? systemClock;
  const proposals = await resolveProposals(o);
  if ((await readChainFile(o.minutesDir)) !== undefined) {
    throw new Error(`minutesDir: ${o.minutesDir} already has a voting chain; use a fresh minutes folder`);
  }
  const roundId = o.roundId ?? `${o.minuteId}-${randomBytes(4).toString('hex')}`;
  const emit = (e: ConsensusEvent) => safeCall(o.onEvent, e);
  const records: MutableRecord[] = o.voters.map((v) => ({
    id: v.id,
    tier: v.tier,
    role: 'voter',
    status: 'failed',
    attempts: 0,
  }));
  const live = new Map<MutableRecord, VoterProgressStatus>(records.map((r) => [r, 'pending']));
  const progress = (r: MutableRecord, status: VoterProgressStatus, detail?: string) => {
    live.set(r, status);
    emit({
      type: 'voter.status',
      round_id: roundId,
      voter: r.id,
      status,
      attempt: r.attempts,
      ...(r.substitute_for ? { substitute_for: r.substitute_for } : {}),
      ...(detail ? { detail } : {}),
    });
    if (o.onProgress) {
      const snapshot = [...live].map(
        ([x, s]): VoterProgress => ({
          id: x.id,
          role: x.role,
          status: s,
          attempt: x.attempts,
          ...(x.substitute_for ? { substitute_for: x.substitute_for } : {}),
        }),
      );
      safeCall(o.onProgress, snapshot);
    }
  };
  const pool = (o.substitutes ?? []).filter(
    (s) => s.capabilities.includes('voting') && !o.voters.some((v) => v.id === s.id),
  );
  const used = new Set<string>();
  emit({
    type: 'round.started',
    round_id: roundId,
    minute_id: o.minuteId,
    voters: o.voters.map((v) => v.id),
    at: iso(clock.wallNow()),
  });

  const ask = async (r: MutableRecord, signal: AbortSignal, roundEndsAt: number): Promise<boolean> => {
    const base = r.attempts;
    const result = await askVoter({
      modelId: r.id,
      messages: buildBallotMessages(o.minuteId, r.id, proposals),
      proposals,
      backend: o.backend,
      clock,
      deadlineMs: Math.min(o.perVoterDeadlineMs, roundEndsAt - clock.now()),
      maxAttempts: o.maxAttempts,
      roundSignal: signal,
      onAttempt: (n) => {
        r.attempts = base + n;
        progress(r, n === 1 ? 'asking' : 'retrying');
      },
    });
    r.attempts = base + result.attempts;
    if (result.status === 'voted') {
      Object.assign(r, { status: 'voted', weights: result.weights, at: result.atWallMs });
      delete r.detail;
      delete r.failure;
    } else Object.assign(r, { status: result.status, detail: result.detail });
    progress(r, r.status, r.detail);
    return result.status === 'voted';
  };

  const runSeat = async (seat: MutableRecord, signal: AbortSignal, roundEndsAt: number) => {
    if (await ask(seat, signal, roundEndsAt)) return;
    if (!o.rules.allowSubstitution) return;
    for (;;) {
      if (signal.aborted || clock.now() >= roundEndsAt) return;
      const sub = pool.find((s) => s.tier === seat.tier && !used.has(s.id));
      if (!sub) return;
      used.add(sub.id);
      const rec: MutableRecord = {
        id: sub.id,
        tier: sub.tier,
        role: 'substitute',
        status: 'failed',
        attempts: 0,
        substitute_for: seat.id,
      };
      records.splice(
        records.indexOf(seat) + 1 + records.filter((x) => x.substitute_for === seat.id).length,
        0,
        rec,
      );
      live.set(rec, 'pending');
      if (await ask(rec, signal, roundEndsAt)) {
        Object.assign(seat, { failure: seat.status, status: 'substituted', substituted_by: sub.id });
        progress(seat, 'substituted', `substituted by ${sub.id}`);
        return;
      }
    }
  };

  const pass = async (seats: MutableRecord[]) => {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal); // one listener per voter session, by design
    const roundEndsAt = clock.now() + o.deadlineMs;
    const timer = clock.setTimer(() => controller.abort(), o.deadlineMs);
    try {
      await Promise.all(seats.map((s) => runSeat(s, controller.signal, roundEndsAt)));
    } finally {
      clock.clearTimer(timer);
    }
  };

  const tiers: Record<string, string> = {};
  for (const v of [...o.voters, ...pool]) tiers[v.id] ??= v.tier;
  const generalSeats = o.voters.filter((v) => v.tier === o.rules.generalTier).length;
  const votesNow = (): VoteFile[] =>
    records
      .filter((r) => r.status === 'voted' && r.weights)
      .map((r) => ({ minute_id: o.minuteId, model: r.id, timestamp: iso(r.at!), weights: r.weights! }));
  const tallyNow = (rules: ConsensusRules = o.rules) =>
    tally({ proposals, votes: votesNow(), tiers, generalSeats, seats: o.voters.length, rules });

  await pass(records.filter((r) => r.role === 'voter'));
  for (
    let ext = 1;
    !tallyNow().quorum.met && o.rules.extendOnQuorumFailure && ext <= (o.rules.maxExtensions ?? 1);
    ext++
  ) {
    const open = records.filter(
      (r) => r.role === 'voter' && r.status !== 'voted' && r.status !== 'substituted',
    );
    if (open.length === 0) break;
    emit({ type: 'round.extended', round_id: roundId, extension: ext, voters: open.map((r) => r.id) });
    await pass(open);
  }

  const votes = votesNow();
  const filed = await writeVoteFiles(o.minutesDir, votes);
  const voters: VoterRecord[] = records.map(({ weights: _w, at: _a, ...rest }) => {
    const out: MutableRecord = { ...rest };
    const f = filed.find((x) => x.vote.model === rest.id);
    if (f) out.vote_file = f.file;
    else delete out.vote_file;
    return out;
  });
  const builder = new ChainBuilder(o.minuteId);
  appendVoteBlocks(builder, filed);
  const result = tallyNow();
  const failedVoters = voters
    .filter((v) => v.role === 'voter' && v.status !== 'voted' && v.status !== 'substituted')
    .map((v) => v.id);

  if (!result.quorum.met && o.emergency?.enabled && failedVoters.length > 0) {
    await writeChainFile(o.minutesDir, builder.toJSON());
    const state: RoundState = {
      status: 'pending',
      round_id: roundId,
      minute_id: o.minuteId,
      minutes_dir: o.minutesDir,
      created_at: iso(clock.wallNow()),
      rules: o.rules,
      proposals,
      voters,
      tiers,
      seats: o.voters.length,
      general_seats: generalSeats,
      votes: votes.length,
      failed_voters: failedVoters,
      emergency: { threshold: o.emergency.threshold, operator_keys: o.emergency.operatorKeys },
      ...(o.reporter !== undefined ? { reporter: o.reporter } : {}),
    };
    await writeRoundState(state);
    emit({
      type: 'round.emergency_pending',
      round_id: roundId,
      votes: votes.length,
      failed_voters: failedVoters,
      state_file: PENDING_FILE,
    });
    return { status: 'emergency_pending', roundId, voters, tally: result, state };
  }

  const status: RoundStatus = result.quorum.met ? 'finalised' : 'quorum_failed';
  if (status === 'quorum_failed')
    emit({ type: 'round.quorum_failed', round_id: roundId, votes: votes.length });
  const now = iso(clock.wallNow());
  const results: RoundResults = {
    minute_id: o.minuteId,
    round_id: roundId,
    status,
    generated_at: now,
    rules: o.rules,
    quorum: result.quorum,
    participation: participationOf(voters),
    voters,
    proposals: result.proposals,
    emergency: null,
  };
  const hash = await writeFinalRecords(o.minutesDir, builder, results, now, o.reporter);
  emit({
    type: 'round.finalised',
    round_id: roundId,
    status,
    results_file: RESULTS_FILE,
    results_hash: hash,
  });
  return { status, roundId, voters, tally: result, results };
}
