import { describe, expect, it } from 'vitest';
import { normaliseProposalId, parseProposals } from '../../src/consensus/proposal.js';
import {
  checkWeights,
  parseVoteFile,
  serialiseVoteFile,
  voteFilePath,
} from '../../src/consensus/vote-file.js';
import { PROPOSALS } from './fixtures.js';

describe('proposals.json', () => {
  it('normalises ids', () => {
    expect(normaliseProposalId('P056')).toBe('056');
    expect(normaliseProposalId('056')).toBe('056');
    expect(normaliseProposalId(56)).toBe('056');
    expect(normaliseProposalId('BIP-01')).toBe('BIP-01');
  });

  it('accepts an array or an object with proposals, with categories and thresholds', () => {
    const a = parseProposals([{ id: 'P056', title: 'A', category: 'Infrastructure' }]);
    expect(a.ok && a.value.proposals[0]).toMatchObject({ id: '056', category: 'infrastructure' });
    const b = parseProposals({
      minute_id: '0005',
      proposals: [{ id: '028', title: 'B', category: 'governance', threshold: 80 }],
    });
    expect(b.ok && b.value).toMatchObject({
      minuteId: '0005',
      proposals: [{ id: '028', category: 'governance-critical', threshold: 80 }],
    });
  });

  it('names the field at fault', () => {
    const r = parseProposals([{ title: 'no id' }]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.join()).toMatch(/\[0\]\.id/);
    const dup = parseProposals([{ id: '056' }, { id: 'P056' }]);
    expect(!dup.ok && dup.errors.join()).toMatch(/proposals\[1\]\.id: duplicate proposal id 056/);
  });
});

describe('vote files', () => {
  const full = {
    minute_id: '0005',
    model: 'gpt-5',
    timestamp: '2025-09-18T00:27:18Z',
    weights: PROPOSALS.map((p) => ({ proposal_id: `P${p.id}`, weight: 5, comment: 'ok' })),
  };

  it('parses a valid vote and normalises ids', () => {
    const r = parseVoteFile(full, { proposals: PROPOSALS });
    expect(r.ok && r.value.weights.map((w) => w.proposal_id)).toEqual(['056', '028', '012']);
  });

  it.each([
    [{ weight: 11 }, /weights\[0\]\.weight: must be an integer from 1 to 10/],
    [{ weight: 2.5 }, /weights\[0\]\.weight: must be an integer/],
    [{ comment: '' }, /weights\[0\]\.comment: a comment is required/],
    [{ weight: 5, veto: 'no' }, /weights\[0\]\.veto: a veto needs weight <= 2/],
    [{ proposal_id: '999' }, /weights\[0\]\.proposal_id: unknown proposal 999/],
  ])('rejects %o with a field-named error', (patch, message) => {
    const bad = { ...full, weights: [{ ...full.weights[0]!, ...patch }, ...full.weights.slice(1)] };
    const r = parseVoteFile(bad, { proposals: PROPOSALS });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.join('\n')).toMatch(message);
  });

  it('requires every proposal weighted unless partial votes are allowed', () => {
    const partial = { weights: full.weights.slice(0, 1) };
    const strict = checkWeights(partial, { proposals: PROPOSALS });
    expect(!strict.ok && strict.errors.join()).toMatch(/not weighted: 028, 012/);
    expect(checkWeights(partial, { proposals: PROPOSALS, requireComplete: false }).ok).toBe(true);
    const twice = checkWeights(
      { weights: [full.weights[0], full.weights[0]] },
      { proposals: PROPOSALS, requireComplete: false },
    );
    expect(!twice.ok && twice.errors.join()).toMatch(/weighted twice/);
  });

  it('names missing top-level fields', () => {
    const r = parseVoteFile({ ...full, model: undefined }, { proposals: PROPOSALS });
    expect(!r.ok && r.errors.join()).toMatch(/^model:/);
  });

  it('serialises in the CMMV-Hive key order with a trailing newline', () => {
    const r = parseVoteFile(full, { proposals: PROPOSALS });
    if (!r.ok) throw new Error('expected valid');
    const text = serialiseVoteFile(r.value);
    expect(Object.keys(JSON.parse(text))).toEqual(['minute_id', 'model', 'timestamp', 'weights']);
    expect(text.endsWith('\n')).toBe(true);
    expect(voteFilePath('openai/gpt-5')).toBe('votes/openai_gpt-5.json');
  });
});
