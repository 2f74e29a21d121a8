import { describe, expect, it } from 'vitest';
import { buildBallotMessages, extractVoteJson, readBallotAnswer } from '../../src/consensus/ballot.js';
import { PROPOSALS, voteAnswer } from './fixtures.js';

describe('ballot', () => {
  it('lists every proposal with id and title and asks for JSON only', () => {
    const [system, user] = buildBallotMessages('0005', 'gpt-5', PROPOSALS);
    expect(system!.content).toMatch(/ONLY with the JSON vote object/);
    for (const p of PROPOSALS) expect(user!.content).toContain(`${p.id}: ${p.title}`);
    expect(user!.content).toContain('Add breakers.');
  });

  it('extracts JSON from code fences, prose and think blocks', () => {
    expect(extractVoteJson(voteAnswer('m'))).toHaveProperty('weights');
    expect(extractVoteJson('Sure! {"weights": [], "x": "}"} hope that helps')).toEqual({
      weights: [],
      x: '}',
    });
    expect(extractVoteJson('<think>{"weights": 1}</think>nothing')).toBeUndefined();
  });

  it('judges answers: valid, malformed (field named), off-task', () => {
    expect(readBallotAnswer(voteAnswer('m'), PROPOSALS).ok).toBe(true);
    const bad = readBallotAnswer('{"weights":[{"proposal_id":"056","weight":0,"comment":"x"}]}', PROPOSALS);
    expect(bad).toMatchObject({ ok: false, reason: 'malformed' });
    expect(!bad.ok && bad.errors.join()).toMatch(/weights\[0\]\.weight/);
    expect(readBallotAnswer('The weather is nice.', PROPOSALS)).toMatchObject({
      ok: false,
      reason: 'off_task',
    });
    expect(readBallotAnswer('{"weights": [', PROPOSALS)).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
