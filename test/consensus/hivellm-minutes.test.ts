/**
 * `chain verify` on copies of the real CMMV-Hive minutes 0001–0005 (fixtures/hivellm-minutes, byte-for-byte
 * from hivellm/gov): every chain layout they used gets a verdict per block, the fabricated and mismatching
 * hashes are named, and the published results are re-tallied against the vote files.
 */
import { cp } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerConsensusCommands } from '../../src/cli/commands/consensus.js';
import type { ChainReport } from '../../src/consensus/verify.js';
import { tempDir } from './fixtures.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'hivellm-minutes');
let root: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  root = await tempDir();
  await cp(FIXTURES, join(root.dir, 'minutes'), { recursive: true });
});
afterAll(() => root.cleanup());

async function chainVerify(minutes: string, json: boolean): Promise<{ code: number; stdout: string }> {
  const out = { code: 0, stdout: '' };
  const program = new Command('hive-resilience').exitOverride();
  registerConsensusCommands(program, {
    stdout: (t) => {
      out.stdout += t;
    },
    stderr: () => {},
    setExitCode: (c) => {
      out.code = c;
    },
  });
  const folder = join(root.dir, 'minutes', minutes);
  await program.parseAsync([
    'node',
    'hive-resilience',
    'chain',
    'verify',
    folder,
    ...(json ? ['--json'] : []),
  ]);
  return out;
}

const ok: string[] = [];
type Expected = Array<[index: number, kind: string, defects: string[]]>;
const votes = (from: number, to: number): Expected =>
  Array.from({ length: to - from + 1 }, (_, i) => [from + i, 'vote', ok]);

const EXPECTED: Record<string, { layout: string; verdicts: Expected; tallied: string[] }> = {
  '0001': {
    layout: 'object',
    verdicts: [
      ...votes(1, 3),
      [4, 'vote', ['malformed_hash', 'vote_file_hash_mismatch']],
      ...votes(5, 8),
      [9, 'vote', ['malformed_hash', 'malformed_hash']],
      [10, 'vote', ok],
    ],
    tallied: ['results.json', 'final_report.json'],
  },
  '0002': {
    layout: 'array',
    verdicts: [
      [0, 'genesis', ['block_hash_mismatch']],
      [1, 'vote', ok],
      [2, 'vote', ['line_ending_drift']],
      ...votes(3, 5),
      ...[6, 7, 8, 9, 10].map((i): [number, string, string[]] => [i, 'vote', ['line_ending_drift']]),
    ],
    tallied: ['results.json', 'final_report.json'],
  },
  '0003': {
    layout: 'object',
    verdicts: [
      ...votes(1, 8),
      [9, 'vote', ['malformed_hash', 'malformed_hash']],
      [10, 'vote', ok],
      [11, 'finalize', ['block_hash_mismatch', 'vote_file_hash_mismatch']],
    ],
    tallied: ['results.json', 'final_report.json'],
  },
  '0004': {
    layout: 'object',
    verdicts: [
      ...votes(1, 4),
      [5, 'vote', ['line_ending_drift']],
      ...[6, 7, 8].map((i): [number, string, string[]] => [
        i,
        'vote',
        ['block_hash_mismatch', 'vote_file_hash_mismatch'],
      ]),
      ...votes(9, 11),
      [12, 'vote', ['line_ending_drift']],
    ],
    tallied: ['results.json', 'final_report.json'],
  },
  '0005': {
    layout: 'object',
    verdicts: [
      [1, 'vote', ['block_hash_mismatch', 'vote_file_hash_mismatch']],
      [2, 'vote', ok],
      [3, 'vote', ['block_hash_mismatch']],
      [4, 'vote', ok],
      [5, 'vote', ['block_hash_mismatch']],
      [6, 'vote', ['block_hash_mismatch']],
      [7, 'vote', ok],
      [8, 'vote', ['block_hash_mismatch']],
      ...votes(9, 13),
    ],
    tallied: ['results.json', 'final_report.json', 'report.json'],
  },
};

describe('chain verify on the real CMMV-Hive minutes 0001–0005', () => {
  it.each(Object.keys(EXPECTED))('gives minutes %s a verdict for every block', async (minutes) => {
    const expected = EXPECTED[minutes]!;
    const run = await chainVerify(minutes, true);
    const report = JSON.parse(run.stdout) as ChainReport;
    expect(run.code).toBe(1);
    expect(report.layout).toBe(expected.layout);
    expect(report.verdicts.map((v) => [v.index, v.kind, v.defects])).toEqual(expected.verdicts);
    for (const v of report.verdicts) expect(v.verdict).toBe(v.defects.length === 0 ? 'ok' : 'defective');
    expect(report.tallyChecked).toBe(true);
    expect(report.resultsChecked).toEqual(expected.tallied);
    expect(report.defects.filter((d) => d.kind === 'invalid_chain' || d.kind === 'unreadable_block')).toEqual(
      [],
    );
  });

  it('names the fabricated hashes of 0003 and 0001 (not 64 hex characters: no sha256 made them)', async () => {
    const m3 = (await chainVerify('0003', false)).stdout;
    expect(m3).toMatch(
      /block 9: malformed_hash: block_hash has 61 hex characters, not 64: it cannot be a sha256 digest \(fabricated/,
    );
    expect(m3).toMatch(/block 9: malformed_hash: vote_file_hash has 63 hex characters/);
    expect(m3).toMatch(/✗ block 11 \(finalize: finalization claude-4-sonnet final_report\.json\)/);
    const m1 = (await chainVerify('0001', false)).stdout;
    expect(m1).toMatch(/block 4: malformed_hash: block_hash has 65 hex characters/);
    // block 5 repeats block 4's bad hash as its link: reported once, at block 4
    expect(m1).toMatch(/✓ block 5 \(vote: vote grok-3 votes\/grok-3\.json\): ok/);
  });

  it('re-tallies the published results: 0003 approved 031 below its threshold, 0002 swapped two counts', async () => {
    const report = (m: string) => chainVerify(m, true).then((r) => JSON.parse(r.stdout) as ChainReport);
    const tally = (r: ChainReport) => r.defects.filter((d) => d.kind === 'tally_mismatch');
    const m3 = tally(await report('0003'));
    expect(m3.map((d) => d.message)).toContain(
      'results.json 031: status published approved, but the re-tally 57.0 is below its published threshold 60',
    );
    expect(m3.map((d) => d.message)).toContain(
      'results.json 031: published percentage 64, score 64; re-tally 57% (sum 57 over 10 vote(s))',
    );
    // 0002 renumbered its proposals: rows are paired by title, so P-038 (Cross-IDE) is votes' P-049
    expect(tally(await report('0002')).map((d) => d.message)).toEqual([
      'results.json P-038: published score 2, approval_rate 20%; re-tally 10% (1 SUPPORT of 10 vote(s))',
      'results.json P-039: published score 1, approval_rate 10%; re-tally 20% (2 SUPPORT of 10 vote(s))',
      'final_report.json P-038: published supportPercentage 20, supportScore 2/10; re-tally 10% (1 SUPPORT of 10 vote(s))',
      'final_report.json P-039: published supportPercentage 10, supportScore 1/10; re-tally 20% (2 SUPPORT of 10 vote(s))',
    ]);
    // 0004 and 0005: every published sum, count, mean and percentage matches the votes
    expect(tally(await report('0004'))).toEqual([]);
    expect(tally(await report('0005'))).toEqual([]);
    expect(new Set(tally(await report('0001')).map((d) => d.proposal)).size).toBe(15);
  });
});
