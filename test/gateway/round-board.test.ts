import { describe, expect, it } from 'vitest';
import type { ConsensusEvent } from '../../src/consensus/events.js';
import type { RoundOptions } from '../../src/consensus/round-options.js';
import { makeRules } from '../../src/consensus/rules.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { RoundBoard } from '../../src/gateway/round-board.js';
import type { RoundView } from '../../src/server/live-sources.js';

function options(extra: Partial<RoundOptions> = {}): RoundOptions {
  return {
    minutesDir: '/nowhere',
    minuteId: '0007',
    voters: [
      { id: 'a', tier: 'general', capabilities: ['voting'] },
      { id: 'b', tier: 'general', capabilities: ['voting'] },
      { id: 'c', tier: 'collaborator', capabilities: ['voting'] },
    ],
    substitutes: [{ id: 'sub', tier: 'general', capabilities: ['voting'] }],
    rules: makeRules({ quorum: { minVotes: 2, minGeneralFraction: 1, mode: 'all' } }),
    backend: { ask: async () => ({ ok: false, kind: 'transient', error: new Error('unused') }) } as never,
    deadlineMs: 30_000,
    perVoterDeadlineMs: 10_000,
    maxAttempts: 2,
    ...extra,
  };
}

describe('RoundBoard', () => {
  it('follows a round: voter statuses, substitutes, quorum, deadline, emergency', async () => {
    const clock = new FakeClock(0, 1_000_000);
    const board = new RoundBoard(clock);
    const seen: RoundView[] = [];
    board.onUpdate((r) => seen.push(r));
    const userEvents: ConsensusEvent[] = [];
    const tracked = board.track(options({ onEvent: (e) => userEvents.push(e) }));
    const id = tracked.roundId!;
    expect(id).toMatch(/^0007-[0-9a-f]{8}$/);
    const emit = tracked.onEvent!;
    emit({
      type: 'round.started',
      round_id: id,
      minute_id: '0007',
      voters: ['a', 'b', 'c'],
      at: new Date(1_000_000).toISOString(),
    });
    let view = board.list()[0]!;
    expect(view).toMatchObject({ state: 'running', deadlineAt: 1_030_000, generalSeats: 2, votes: 0 });
    emit({ type: 'voter.status', round_id: id, voter: 'a', status: 'voted', attempt: 1 });
    emit({ type: 'voter.status', round_id: id, voter: 'b', status: 'failed', attempt: 2 });
    emit({
      type: 'voter.status',
      round_id: id,
      voter: 'sub',
      status: 'asking',
      attempt: 1,
      substitute_for: 'b',
    });
    view = board.list()[0]!;
    expect(view.voters.map((v) => [v.id, v.status, v.role])).toEqual([
      ['a', 'voted', 'voter'],
      ['b', 'failed', 'voter'],
      ['sub', 'asking', 'substitute'],
      ['c', 'pending', 'voter'],
    ]);
    expect(view.quorum.met).toBe(false);
    emit({
      type: 'voter.status',
      round_id: id,
      voter: 'sub',
      status: 'voted',
      attempt: 1,
      substitute_for: 'b',
    });
    view = board.list()[0]!;
    expect(view).toMatchObject({ votes: 2, generalVotes: 2, quorum: { met: true, minVotes: 2 } });
    await clock.advance(5_000);
    emit({ type: 'round.extended', round_id: id, extension: 1, voters: ['c'] });
    expect(board.list()[0]).toMatchObject({ extension: 1, deadlineAt: 1_035_000 });
    emit({ type: 'round.emergency_pending', round_id: id, votes: 2, failed_voters: ['c'], state_file: 'x' });
    expect(board.list()[0]).toMatchObject({
      state: 'emergency_pending',
      deadlineAt: null,
      emergency: { failedVoters: ['c'], signers: [], refused: null },
    });
    emit({
      type: 'round.emergency_authorised',
      round_id: id,
      signers: ['op1', 'op2'],
      reduced_quorum: 2,
      nonce: 'n',
    });
    expect(board.list()[0]!.emergency?.signers).toEqual(['op1', 'op2']);
    expect(userEvents).toHaveLength(8);
    expect(seen).toHaveLength(8);
  });

  it('keeps a bounded number of finished rounds', () => {
    const board = new RoundBoard(new FakeClock(), 2);
    for (let i = 0; i < 5; i++) {
      const t = board.track(options({ roundId: `r${i}` }));
      t.onEvent!({ type: 'round.quorum_failed', round_id: `r${i}`, votes: 0 });
    }
    const live = board.track(options({ roundId: 'live' }));
    board.track(options({ roundId: 'refused' })); // e.g. runRound refused its options: it never starts
    live.onEvent!({ type: 'round.started', round_id: 'live', minute_id: '0007', voters: [], at: '' });
    expect(board.list().map((r) => r.roundId)).toEqual(['r3', 'r4', 'live']);
  });
});
