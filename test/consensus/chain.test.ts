import { describe, expect, it } from 'vitest';
import {
  blockHash,
  blockHashInput,
  ChainBuilder,
  isWellFormedHash,
  parseChain,
  serialiseChain,
} from '../../src/consensus/chain.js';

const VECTOR = {
  index: 1,
  timestamp: '2025-09-07T15:05:05.000Z',
  previous_hash: '',
  type: 'vote' as const,
  model: 'gpt-5',
  vote_file: 'votes/gpt-5.json',
  vote_file_hash: '0a5e005318575d9f40dc9e1fa38bd6afabd66076d4efd3bf87ce9ad299c2db26',
};

describe('voting chain', () => {
  it('matches the CMMV-Hive test vector', () => {
    expect(blockHashInput(VECTOR)).toBe(
      '1|2025-09-07T15:05:05.000Z||vote|gpt-5|votes/gpt-5.json|0a5e005318575d9f40dc9e1fa38bd6afabd66076d4efd3bf87ce9ad299c2db26',
    );
    expect(blockHash(VECTOR)).toBe('3c8572222da7e8f8359039c9d01e6f792da7fa7d80430b22a0190e2d89a854ba');
  });

  it('links blocks and closes with a finalize block', () => {
    const b = new ChainBuilder('0005');
    const first = b.appendVote('gpt-5', 'votes/gpt-5.json', VECTOR.vote_file_hash, VECTOR.timestamp);
    expect(first.block_hash).toBe('3c8572222da7e8f8359039c9d01e6f792da7fa7d80430b22a0190e2d89a854ba');
    const second = b.appendVote('claude', 'votes/claude.json', 'a'.repeat(64), VECTOR.timestamp);
    expect(second.index).toBe(2);
    expect(second.previous_hash).toBe(first.block_hash);
    const fin = b.appendFinalize('results.json', 'b'.repeat(64), VECTOR.timestamp);
    expect(fin).toMatchObject({ type: 'finalize', model: 'system', vote_file: 'results.json', index: 3 });
    expect(fin.block_hash).toBe(blockHash(fin));
    expect(() => b.appendVote('late', 'votes/late.json', 'c'.repeat(64), VECTOR.timestamp)).toThrow(
      /finalize/,
    );
  });

  it('serialises and parses back', () => {
    const b = new ChainBuilder('0005');
    b.appendVote('gpt-5', 'votes/gpt-5.json', VECTOR.vote_file_hash, VECTOR.timestamp);
    const text = serialiseChain(b.toJSON());
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = parseChain(JSON.parse(text));
    expect(parsed.ok && parsed.value.chain[0]!.block_hash).toBe(b.chain[0]!.block_hash);
    expect(parseChain({ minute_id: '1', chain: [{ index: 'x' }] }).ok).toBe(false);
  });

  it('recognises well-formed hashes only', () => {
    expect(isWellFormedHash('a'.repeat(64))).toBe(true);
    expect(isWellFormedHash('A'.repeat(64))).toBe(false);
    expect(isWellFormedHash('a'.repeat(63))).toBe(false);
  });
});
