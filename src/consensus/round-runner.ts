/**
 * Running a voting round: every voter is asked in parallel under its own deadline; a failed voter may be
 * replaced by a same-tier substitute voting under its own id; the round finalises, ends `quorum_failed`,
 * or stops `emergency_pending` for an operator-signed authorisation.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdir } from 'node:fs/promises';
import { systemClock } from '../core/clock.js';
import { buildBallotMessages } from './ballot.js';
import { ChainBuilder } from './chain.js';
import { type ConsensusEvent, safeCall, type VoterProgress, type VoterProgressStatus } from './events.js';
import { assertNoSymlinks, type UnsafeMinutesPathError } from './minutes-fs.js';
import {
  appendVoteBlocks,
  readChainFile,
  writeChainFile,
  writeFinalRecords,
  writeVoteFiles,
} from './minutes-writer.js';
import {
  participationOf,
  RESULTS_FILE,
  type RoundResults,
  type RoundStatus,
  type VoterRecord,
} from './results-format.js';
import { checkOptions, type RoundOptions, type RoundOutcome, resolveProposals } from './round-options.js';
import { PENDING_FILE, type RoundState, writeRoundState } from './round-state.js';
import type { ConsensusRules } from './rules.js';
import { tally } from './tally.js';
import type { VoteFile } from './vote-file.js';
import { askVoter } from './voter-session.js';

type MutableRecord = { -readonly [K in keyof VoterRecord]: VoterRecord[K] } & {
  weights?: VoteFile['weights'];
  at?: number;
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Runs a round. Throws only for invalid options or an unreadable, already-used or unsafe minutes folder
 * (one holding a symbolic link: {@link UnsafeMinutesPathError} names it), with a message naming the field
 * or path; model failures never throw, they end in the voter's status.
 */
export async function runRound(o: RoundOptions): Promise<RoundOutcome> {
  checkOptions(o);
  const clock = o.clock ?? systemClock;
  await mkdir(o.minutesDir, { recursive: true });
  await assertNoSymlinks(o.minutesDir);
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
    await writeRoundState(o.minutesDir, state);
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
