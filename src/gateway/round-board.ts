/**
 * The voting rounds that run in the gateway's process, as the admin API and the dashboard show them: each
 * voter's status, the quorum against the votes filed, the current pass's deadline and the emergency state.
 * A round reports here when it is started with options passed through {@link RoundBoard.track}; the
 * gateway itself starts no rounds (the `vote` CLI runs them in its own process), so the board is empty
 * unless an embedding program runs rounds on the gateway's engine.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { ConsensusEvent } from '../consensus/events.js';
import type { RoundOptions } from '../consensus/round-options.js';
import type { QuorumRules } from '../consensus/rules.js';
import { quorumMet } from '../consensus/tally.js';
import { type Clock, systemClock } from '../core/clock.js';
import { EventEmitter } from '../core/event-emitter.js';
import type { Subscription } from '../server/backend.js';
import type { RoundsSource, RoundView, RoundVoterView } from '../server/live-sources.js';

interface Entry {
  view: RoundView;
  deadlineMs: number | null;
  generalTiers: ReadonlyMap<string, boolean>;
  quorumRules: QuorumRules | null;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Tracked rounds that never started (e.g. refused options) are forgotten beyond this many. */
const MAX_PENDING = 100;

/** Live views of voting rounds, updated from their events. */
export class RoundBoard implements RoundsSource {
  private readonly rounds = new Map<string, Entry>();
  /** Rounds passed through `track` that have not started yet (a round whose options are refused never does). */
  private readonly pending = new Map<string, Entry>();
  private readonly updates = new EventEmitter<RoundView>();

  /**
   * @param clock - wall time for deadlines and update stamps
   * @param keepFinished - finished rounds kept for display
   */
  constructor(
    private readonly clock: Clock = systemClock,
    private readonly keepFinished = 10,
  ) {}

  /** Returns `options` with an `onEvent` that also reports to this board (the caller's is still called). */
  track(options: RoundOptions): RoundOptions {
    const roundId = options.roundId ?? `${options.minuteId}-${randomBytes(4).toString('hex')}`;
    const general = new Map<string, boolean>();
    for (const v of [...options.voters, ...(options.substitutes ?? [])])
      if (!general.has(v.id)) general.set(v.id, v.tier === options.rules.generalTier);
    const generalSeats = options.voters.filter((v) => general.get(v.id)).length;
    const q = options.rules.quorum;
    this.pending.set(roundId, {
      deadlineMs: options.deadlineMs,
      generalTiers: general,
      quorumRules: q,
      view: {
        roundId,
        minuteId: options.minuteId,
        state: 'running',
        startedAt: this.clock.wallNow(),
        deadlineAt: null,
        extension: 0,
        voters: options.voters.map((v) => ({
          id: v.id,
          role: 'voter',
          status: 'pending',
          attempt: 0,
          general: general.get(v.id) ?? false,
        })),
        votes: 0,
        generalVotes: 0,
        generalSeats,
        quorum: {
          minVotes: q.minVotes ?? null,
          minGeneralFraction: q.minGeneralFraction ?? null,
          mode: q.mode,
          met: false,
        },
        emergency: null,
        updatedAt: this.clock.wallNow(),
      },
    });
    const user = options.onEvent;
    return {
      ...options,
      roundId,
      onEvent: (event) => {
        this.observe(event);
        user?.(event);
      },
    };
  }

  /** Applies one round event (also usable for events of rounds finalised later, e.g. by an emergency). */
  observe(event: ConsensusEvent): void {
    const waiting = this.pending.get(event.round_id);
    if (waiting) {
      this.pending.delete(event.round_id);
      this.rounds.set(event.round_id, waiting);
    }
    const entry = this.rounds.get(event.round_id) ?? this.adopt(event);
    const now = this.clock.wallNow();
    const v: Mutable<RoundView> = { ...entry.view, updatedAt: now };
    switch (event.type) {
      case 'round.started':
        v.startedAt = Date.parse(event.at) || now;
        v.deadlineAt = entry.deadlineMs === null ? null : now + entry.deadlineMs;
        break;
      case 'voter.status':
        v.voters = this.withVoter(entry, v.voters, event);
        break;
      case 'round.extended':
        v.extension = event.extension;
        v.deadlineAt = entry.deadlineMs === null ? null : now + entry.deadlineMs;
        break;
      case 'round.quorum_failed':
        v.state = 'quorum_failed';
        v.deadlineAt = null;
        break;
      case 'round.emergency_pending':
        v.state = 'emergency_pending';
        v.deadlineAt = null;
        v.emergency = { failedVoters: [...event.failed_voters], signers: [], refused: null };
        break;
      case 'round.emergency_authorised':
        v.state = 'emergency_authorised';
        v.emergency = {
          failedVoters: v.emergency?.failedVoters ?? [],
          signers: [...event.signers],
          refused: null,
        };
        break;
      case 'round.emergency_refused':
        v.emergency = {
          failedVoters: v.emergency?.failedVoters ?? [],
          signers: v.emergency?.signers ?? [],
          refused: event.message,
        };
        break;
      case 'round.finalised':
        v.state = event.status;
        v.deadlineAt = null;
        break;
    }
    v.votes = v.voters.filter((x) => x.status === 'voted').length;
    v.generalVotes = v.voters.filter((x) => x.status === 'voted' && x.general).length;
    if (entry.quorumRules)
      v.quorum = { ...v.quorum, met: quorumMet(entry.quorumRules, v.votes, v.generalVotes, v.generalSeats) };
    entry.view = v;
    this.prune();
    this.updates.emit(v);
  }

  list(): RoundView[] {
    return [...this.rounds.values()].map((e) => e.view);
  }

  onUpdate(listener: (round: RoundView) => void): Subscription {
    return this.updates.on(listener);
  }

  private withVoter(
    entry: Entry,
    voters: readonly RoundVoterView[],
    e: Extract<ConsensusEvent, { type: 'voter.status' }>,
  ): RoundVoterView[] {
    const next: RoundVoterView = {
      id: e.voter,
      role: e.substitute_for ? 'substitute' : 'voter',
      status: e.status,
      attempt: e.attempt,
      general: entry.generalTiers.get(e.voter) ?? false,
      ...(e.substitute_for ? { substituteFor: e.substitute_for } : {}),
    };
    const at = voters.findIndex((x) => x.id === e.voter);
    if (at >= 0) return voters.map((x, i) => (i === at ? { ...next, role: x.role } : x));
    const seat = voters.findIndex((x) => x.id === e.substitute_for);
    const out = [...voters];
    out.splice(seat >= 0 ? seat + 1 : out.length, 0, next);
    return out;
  }

  /** An entry for a round this board did not see start (fields it cannot know stay empty). */
  private adopt(event: ConsensusEvent): Entry {
    const entry: Entry = {
      deadlineMs: null,
      generalTiers: new Map(),
      quorumRules: null,
      view: {
        roundId: event.round_id,
        minuteId: event.type === 'round.started' ? event.minute_id : '',
        state: 'running',
        startedAt: this.clock.wallNow(),
        deadlineAt: null,
        extension: 0,
        voters: [],
        votes: 0,
        generalVotes: 0,
        generalSeats: 0,
        quorum: { minVotes: null, minGeneralFraction: null, mode: 'all', met: false },
        emergency: null,
        updatedAt: this.clock.wallNow(),
      },
    };
    this.rounds.set(event.round_id, entry);
    return entry;
  }

  private prune(): void {
    while (this.pending.size > MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    const finished = [...this.rounds].filter(([, e]) => e.view.state !== 'running');
    for (const [id] of finished.slice(0, Math.max(0, finished.length - this.keepFinished)))
      this.rounds.delete(id);
  }
}
