import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsensusEvent } from '../../src/consensus/events.js';
import type { RoundOptions } from '../../src/consensus/round-options.js';
import { runRound } from '../../src/consensus/round-runner.js';
import { makeRules } from '../../src/consensus/rules.js';
import { verifyMinutes } from '../../src/consensus/verify.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { type Behaviour, drive, FakeBackend, generals, PROPOSALS, tempDir } from './fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function setup(script: Record<string, Behaviour[]> = {}, overrides: Partial<RoundOptions> = {}) {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const clock = new FakeClock(0, Date.UTC(2025, 8, 18));
  const backend = new FakeBackend(clock, script);
  const events: ConsensusEvent[] = [];
  const eventTimes: number[] = [];
  const options: RoundOptions = {
    minutesDir: dir,
    minuteId: '0005',
    proposals: PROPOSALS,
    voters: generals(10),
    rules: makeRules({
      quorum: { minVotes: 5, minGeneralFraction: 0.6, mode: 'all' },
      allowSubstitution: false,
    }),
    backend,
    clock,
    deadlineMs: 1_000,
    perVoterDeadlineMs: 500,
    maxAttempts: 2,
    roundId: '0005-test',
    onEvent: (e) => {
      events.push(e);
      eventTimes.push(clock.now());
    },
    ...overrides,
  };
  /** Fake time from the round's start until the last voter reached a final status. */
  const votingEndedAt = () => {
    let start = 0;
    let at = 0;
    events.forEach((e, i) => {
      if (e.type === 'round.started') start = eventTimes[i]!;
      if (e.type === 'voter.status' && !['pending', 'asking', 'retrying'].includes(e.status)) {
        at = eventTimes[i]!;
      }
    });
    return at - start;
  };
  return { dir, clock, backend, events, options, votingEndedAt };
}

const FAILING: Record<string, Behaviour[]> = {
  g1: [{ kind: 'hang' }],
  g2: [{ kind: 'error' }],
  g3: [{ kind: 'malformed' }],
};

describe('runRound', () => {
  it('finalises a round with all voters healthy and writes verifiable minutes', async () => {
    const { dir, clock, events, options } = await setup();
    const out = await drive(clock, runRound(options));
    expect(out.status).toBe('finalised');
    expect(out.voters.every((v) => v.status === 'voted')).toBe(true);
    expect(out.results!.participation).toMatchObject({ seats: 10, voted: 10, rate: 1 });
    expect(out.results!.proposals.every((p) => p.score === 80 && p.status === 'approved')).toBe(true);
    const vote = JSON.parse(await readFile(join(dir, 'votes/g1.json'), 'utf8'));
    expect(vote).toMatchObject({ minute_id: '0005', model: 'g1' });
    // The fake clock's day: drive() advances it while the file system works, so the minute depends on load.
    expect(vote.timestamp).toMatch(/^2025-09-18T00:\d\d:\d\d\.\d{3}Z$/);
    expect(vote.weights[0]).toEqual({ proposal_id: '056', weight: 8, comment: 'g1 on 056' });
    const report = await verifyMinutes(dir);
    expect(report.defects).toEqual([]);
    expect(report).toMatchObject({
      ok: true,
      blocks: 11,
      voteBlocks: 10,
      finalised: true,
      tallyChecked: true,
    });
    expect(await readFile(join(dir, 'results.md'), 'utf8')).toMatch(
      /\| 056 \| Resilience framework \| 80\.00 \| 65 \|/,
    );
    expect(events[0]!.type).toBe('round.started');
    expect(events.at(-1)).toMatchObject({ type: 'round.finalised', status: 'finalised' });
  });

  it('with 30 % failing (timeout, error, malformed, off-task) and no substitution: honest statuses', async () => {
    const script = { ...FAILING, g4: [{ kind: 'off_task' } as Behaviour] };
    const { dir, clock, backend, options } = await setup(script);
    const out = await drive(clock, runRound(options));
    const status = Object.fromEntries(out.voters.map((v) => [v.id, v.status]));
    expect(status).toMatchObject({
      g1: 'timed_out',
      g2: 'failed',
      g3: 'malformed',
      g4: 'malformed',
      g5: 'voted',
    });
    expect(out.status).toBe('finalised');
    expect(out.results!.participation).toMatchObject({
      seats: 10,
      voted: 6,
      timed_out: 1,
      failed: 1,
      malformed: 2,
    });
    expect(backend.calls.get('g3')).toBe(2); // malformed answers are retried up to maxAttempts
    expect(backend.quality.filter(([m, ok]) => m === 'g4' && !ok)).toHaveLength(2);
    expect(out.voters.find((v) => v.id === 'g3')!.detail).toMatch(/weight/);
    expect((await verifyMinutes(dir)).ok).toBe(true);
  });

  it('retries a malformed answer and accepts the corrected one', async () => {
    const { clock, backend, options } = await setup({ g1: [{ kind: 'malformed' }, { kind: 'vote' }] });
    const out = await drive(clock, runRound(options));
    expect(out.voters.find((v) => v.id === 'g1')).toMatchObject({ status: 'voted', attempts: 2 });
    expect(backend.quality.filter(([m]) => m === 'g1')).toEqual([
      ['g1', false],
      ['g1', true],
    ]);
  });

  it('with substitution on, a same-tier substitute votes under its own id for each failed voter', async () => {
    const subs = [
      { id: 's1', tier: 'general', capabilities: ['voting'] },
      { id: 's2', tier: 'general', capabilities: ['voting'] },
      { id: 's3', tier: 'general', capabilities: ['chat'] }, // no voting capability: never used
      { id: 'x1', tier: 'specialist', capabilities: ['voting'] }, // wrong tier: never used
    ];
    const { dir, clock, backend, options } = await setup(FAILING, {
      substitutes: subs,
      rules: makeRules({ quorum: { minVotes: 5, mode: 'all' }, allowSubstitution: true }),
    });
    const out = await drive(clock, runRound(options));
    const byId = new Map(out.voters.map((v) => [v.id, v]));
    const substituted = out.voters.filter((v) => v.status === 'substituted');
    expect(substituted).toHaveLength(2);
    for (const failed of substituted) {
      const sub = byId.get(failed.substituted_by!)!;
      expect(sub).toMatchObject({ role: 'substitute', status: 'voted', substitute_for: failed.id });
      expect(failed.failure).toMatch(/timed_out|failed|malformed/);
      const file = JSON.parse(await readFile(join(dir, `votes/${sub.id}.json`), 'utf8'));
      expect(file.model).toBe(sub.id);
    }
    // the failed voters' identities are never used for a vote
    for (const f of ['g1', 'g2', 'g3']) {
      await expect(readFile(join(dir, `votes/${f}.json`))).rejects.toThrow();
    }
    expect(backend.calls.has('s3')).toBe(false);
    expect(backend.calls.has('x1')).toBe(false);
    expect(
      out.voters.filter((v) => ['g1', 'g2', 'g3'].includes(v.id) && v.status !== 'substituted'),
    ).toHaveLength(1);
    expect(out.results!.participation).toMatchObject({
      voted: 7,
      substituted: 2,
      substitute_votes: 2,
      rate: 0.9,
    });
    const chain = JSON.parse(await readFile(join(dir, 'voting_chain.json'), 'utf8'));
    expect(chain.chain.map((b: { model: string }) => b.model)).toContain('s1');
    expect(await readFile(join(dir, 'results.md'), 'utf8')).toMatch(
      /s1 voted under its own id, substituting for g\d/,
    );
    expect((await verifyMinutes(dir)).ok).toBe(true);
  });

  it('times out voters whose answers outlast the per-voter deadline, and still completes', async () => {
    const slow: Behaviour[] = [{ kind: 'slow', delayMs: 5_000 }];
    const { clock, options, votingEndedAt } = await setup({ g1: slow, g2: slow, g3: slow, g4: slow });
    const out = await drive(clock, runRound(options));
    const timedOut = out.voters.filter((v) => v.status === 'timed_out').map((v) => v.id);
    expect(timedOut).toEqual(['g1', 'g2', 'g3', 'g4']);
    expect(out.voters.filter((v) => v.status === 'voted')).toHaveLength(6);
    expect(out.status).toBe('finalised');
    // voting ended at the per-voter deadline (500 ms, plus the drive step), not at the 5 s answers
    expect(votingEndedAt()).toBeLessThan(600);
  });

  it('asks voters in parallel: a round of slow-but-in-time voters takes one deadline, not the sum', async () => {
    const inTime: Behaviour[] = [{ kind: 'slow', delayMs: 300 }];
    const script = Object.fromEntries(generals(10).map((g) => [g.id, inTime]));
    const { clock, options, votingEndedAt } = await setup(script);
    const out = await drive(clock, runRound(options), 10);
    expect(out.voters.every((v) => v.status === 'voted')).toBe(true);
    expect(votingEndedAt()).toBeLessThan(400); // 10 × 300 ms answered within one deadline
  });

  it('ends quorum_failed when too many voters fail and emergency consensus is off', async () => {
    const script = Object.fromEntries(generals(6).map((g) => [g.id, [{ kind: 'error' } as Behaviour]]));
    const { dir, clock, events, options } = await setup(script);
    const out = await drive(clock, runRound(options));
    expect(out.status).toBe('quorum_failed');
    expect(out.results!.proposals.every((p) => p.status === 'no_quorum')).toBe(true);
    expect(events.some((e) => e.type === 'round.quorum_failed')).toBe(true);
    expect((await verifyMinutes(dir)).ok).toBe(true);
  });

  it('extends the round on quorum failure when configured', async () => {
    const flaky: Behaviour[] = [{ kind: 'error' }, { kind: 'error' }, { kind: 'vote' }];
    const script = Object.fromEntries(generals(6).map((g) => [g.id, flaky]));
    const { clock, events, options } = await setup(script, {
      rules: makeRules({
        quorum: { minVotes: 5, mode: 'all' },
        allowSubstitution: false,
        extendOnQuorumFailure: true,
      }),
    });
    const out = await drive(clock, runRound(options));
    expect(events.some((e) => e.type === 'round.extended')).toBe(true);
    expect(out.status).toBe('finalised');
    expect(out.voters.filter((v) => v.status === 'voted')).toHaveLength(10);
  });

  it('rejects bad options with a message naming the field', async () => {
    const { options } = await setup();
    await expect(runRound({ ...options, voters: [] })).rejects.toThrow(/voters: at least one/);
    await expect(runRound({ ...options, maxAttempts: 0 })).rejects.toThrow(/maxAttempts/);
    await expect(runRound({ ...options, voters: [...generals(2), ...generals(1)] })).rejects.toThrow(
      /voters\[2\]\.id: duplicate/,
    );
  });
});
