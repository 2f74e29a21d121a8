import { describe, expect, it } from 'vitest';
import type { Proposal } from '../../src/consensus/proposal.js';
import { makeRules } from '../../src/consensus/rules.js';
import { tally } from '../../src/consensus/tally.js';
import type { VoteFile } from '../../src/consensus/vote-file.js';

const P: Proposal[] = [
  { id: '056', title: 'A', category: 'standard' },
  { id: '028', title: 'B', category: 'governance-critical' },
  { id: '012', title: 'C', category: 'infrastructure' },
];
const rules = makeRules({ quorum: { minVotes: 1, mode: 'all' } });

function vote(model: string, weights: Record<string, number | [number, string]>): VoteFile {
  return {
    minute_id: '0005',
    model,
    timestamp: '2025-01-01T00:00:00.000Z',
    weights: Object.entries(weights).map(([id, w]) =>
      Array.isArray(w)
        ? { proposal_id: id, weight: w[0], comment: 'c', veto: w[1] }
        : { proposal_id: id, weight: w, comment: 'c' },
    ),
  };
}
const tiersOf = (votes: VoteFile[], tier = 'general') =>
  Object.fromEntries(votes.map((v) => [v.model, tier]));

describe('tally', () => {
  it('scores the mean weight × 10 with per-proposal denominators for partial votes', () => {
    const votes = [
      vote('a', { '056': 8, '028': 6 }),
      vote('b', { '056': 7 }),
      vote('c', { '056': 9, '028': 9, '012': 4 }),
    ];
    const r = tally({ proposals: P, votes, tiers: tiersOf(votes), generalSeats: 3, seats: 3, rules });
    const [a, b, c] = r.proposals;
    expect(a).toMatchObject({ score: 80, votes: 3, abstentions: 0, status: 'approved' });
    expect(b).toMatchObject({
      score: 75,
      votes: 2,
      abstentions: 1,
      participation: 0.6667,
      status: 'approved',
    });
    expect(c).toMatchObject({ score: 40, votes: 1, abstentions: 2, status: 'rejected' });
  });

  it('approves at exactly the threshold and rejects just below (inclusive, per category)', () => {
    // standard 70: weights 7 → 70 approved; governance 75: 7,8 → 75 approved; infrastructure 65: 6,7 → 65 approved
    const votes = [vote('a', { '056': 7, '028': 7, '012': 6 }), vote('b', { '056': 7, '028': 8, '012': 7 })];
    const r = tally({ proposals: P, votes, tiers: tiersOf(votes), generalSeats: 2, rules });
    expect(r.proposals.map((p) => [p.score, p.threshold, p.status])).toEqual([
      [70, 70, 'approved'],
      [75, 75, 'approved'],
      [65, 65, 'approved'],
    ]);
    const low = [
      vote('a', { '056': 7, '028': 7, '012': 6 }),
      vote('b', { '056': 7, '028': 7, '012': 6 }),
      vote('c', { '056': 6, '028': 8, '012': 7 }),
    ];
    const r2 = tally({ proposals: P, votes: low, tiers: tiersOf(low), generalSeats: 3, rules });
    expect(r2.proposals.map((p) => [p.score, p.status])).toEqual([
      [66.67, 'rejected'],
      [73.33, 'rejected'],
      [63.33, 'rejected'],
    ]);
  });

  it('honours per-proposal threshold overrides', () => {
    const votes = [vote('a', { '056': 6 })];
    const r = tally({
      proposals: [{ ...P[0]!, threshold: 60 }],
      votes,
      tiers: tiersOf(votes),
      generalSeats: 1,
      rules,
    });
    expect(r.proposals[0]!.status).toBe('approved');
    const r2 = tally({
      proposals: [{ ...P[0]!, threshold: 60 }],
      votes,
      tiers: tiersOf(votes),
      generalSeats: 1,
      rules: makeRules({
        quorum: { minVotes: 1, mode: 'all' },
        thresholds: { standard: 70, governanceCritical: 75, infrastructure: 65, overrides: { '056': 61 } },
      }),
    });
    expect(r2.proposals[0]!.status).toBe('rejected');
  });

  function vetoRound(vetoes: number, total: number) {
    const votes = Array.from({ length: total }, (_, i) =>
      vote(`m${i}`, i < vetoes ? { '056': [1, 'unsafe'] } : { '056': 10 }),
    );
    return tally({ proposals: [P[0]!], votes, tiers: tiersOf(votes), generalSeats: total, rules })
      .proposals[0]!;
  }

  it('vetoes at 80 %, sends back for revision at 50–79 %, ignores below 50 %', () => {
    expect(vetoRound(8, 10)).toMatchObject({ veto_share: 80, status: 'vetoed' });
    expect(vetoRound(79, 100)).toMatchObject({ veto_share: 79, status: 'revision' });
    expect(vetoRound(5, 10)).toMatchObject({ veto_share: 50, status: 'revision' });
    expect(vetoRound(49, 100).status).not.toBe('revision');
    expect(vetoRound(49, 100).veto_share).toBe(49);
  });

  it('counts vetoes only from generals with weight <= 2 and a reason', () => {
    const votes = [
      vote('a', { '056': [1, 'no'] }),
      vote('b', { '056': [2, 'no'] }),
      vote('c', { '056': 10 }),
    ];
    const tiers = { a: 'general', b: 'specialist', c: 'general' };
    const r = tally({ proposals: [P[0]!], votes, tiers, generalSeats: 2, rules }).proposals[0]!;
    expect(r).toMatchObject({ vetoes: 1, veto_share: 50, status: 'revision' });
  });

  it('applies the quorum: minimum votes and general fraction', () => {
    const votes = [vote('a', { '056': 9 }), vote('b', { '056': 9 }), vote('c', { '056': 9 })];
    const strict = makeRules({ quorum: { minVotes: 5, minGeneralFraction: 0.6, mode: 'all' } });
    const r = tally({ proposals: [P[0]!], votes, tiers: tiersOf(votes), generalSeats: 5, rules: strict });
    expect(r.quorum.met).toBe(false);
    expect(r.proposals[0]!.status).toBe('no_quorum');
    const any = makeRules({ quorum: { minVotes: 5, minGeneralFraction: 0.6, mode: 'any' } });
    expect(
      tally({ proposals: [P[0]!], votes, tiers: tiersOf(votes), generalSeats: 5, rules: any }).quorum.met,
    ).toBe(true);
    expect(
      tally({ proposals: [P[0]!], votes, tiers: tiersOf(votes), generalSeats: 6, rules: any }).quorum.met,
    ).toBe(false);
  });
});
