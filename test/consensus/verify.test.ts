import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockHash } from '../../src/consensus/chain.js';
import { runRound } from '../../src/consensus/round-runner.js';
import { makeRules } from '../../src/consensus/rules.js';
import { type DefectKind, formatChainReport, verifyMinutes } from '../../src/consensus/verify.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { drive, FakeBackend, generals, PROPOSALS, tempDir } from './fixtures.js';

let base: string;
let root: { dir: string; cleanup: () => Promise<void> };
let copies = 0;

beforeAll(async () => {
  root = await tempDir();
  base = join(root.dir, 'original');
  const clock = new FakeClock(0, Date.UTC(2025, 8, 7));
  await drive(
    clock,
    runRound({
      minutesDir: base,
      minuteId: '0007',
      proposals: PROPOSALS,
      voters: generals(5),
      rules: makeRules({ quorum: { minVotes: 3, mode: 'all' } }),
      backend: new FakeBackend(clock),
      clock,
      deadlineMs: 1_000,
      perVoterDeadlineMs: 500,
      maxAttempts: 1,
    }),
  );
});
afterAll(() => root.cleanup());

interface Block {
  index: number;
  timestamp: string;
  previous_hash: string;
  type: 'vote' | 'finalize';
  model: string;
  vote_file: string;
  vote_file_hash: string;
  block_hash: string;
}

async function tampered(edit: (dir: string, chain: Block[]) => Promise<void> | void): Promise<string> {
  const dir = join(root.dir, `copy-${++copies}`);
  await cp(base, dir, { recursive: true });
  const path = join(dir, 'voting_chain.json');
  const doc = JSON.parse(await readFile(path, 'utf8')) as { minute_id: string; chain: Block[] };
  await edit(dir, doc.chain);
  await writeFile(path, `${JSON.stringify(doc, null, 2)}\n`);
  return dir;
}

const rehash = (b: Block) => {
  b.block_hash = blockHash(b);
};
const kinds = async (dir: string) =>
  (await verifyMinutes(dir)).defects.map((d) => [d.kind, d.block ?? d.proposal]);

describe('verifyMinutes', () => {
  it('accepts the untouched folder', async () => {
    const report = await verifyMinutes(base);
    expect(report).toMatchObject({ ok: true, blocks: 6, voteBlocks: 5, finalised: true, tallyChecked: true });
    expect(formatChainReport(report)).toMatch(/OK: chain valid, tally matches results/);
  });

  const cases: Array<[DefectKind, number | string, (dir: string, chain: Block[]) => Promise<void> | void]> = [
    [
      'broken_link',
      2,
      (_d, c) => {
        c[1]!.previous_hash = 'f'.repeat(64);
        rehash(c[1]!);
      },
    ],
    [
      'block_hash_mismatch',
      3,
      (_d, c) => {
        c[2]!.timestamp = '2030-01-01T00:00:00.000Z';
      },
    ],
    [
      'malformed_hash',
      2,
      (_d, c) => {
        c[1]!.block_hash = c[1]!.block_hash.toUpperCase();
      },
    ],
    [
      'vote_file_hash_mismatch',
      2,
      async (d, c) => {
        const p = join(d, c[1]!.vote_file);
        await writeFile(p, (await readFile(p, 'utf8')).replace('"weight": 8', '"weight": 9'));
      },
    ],
    [
      'line_ending_drift',
      3,
      async (d, c) => {
        const p = join(d, c[2]!.vote_file);
        await writeFile(p, (await readFile(p, 'utf8')).replace(/\n/g, '\r\n'));
      },
    ],
    ['duplicate_block', 2, (_d, c) => void c.splice(2, 0, { ...c[1]! })],
    ['missing_file', 4, async (d, c) => rm(join(d, c[3]!.vote_file))],
    [
      'unsafe_path',
      1,
      (_d, c) => {
        c[0]!.vote_file = '../original/votes/g1.json';
      },
    ],
  ];

  it.each(cases)('reports %s at block %s', async (kind, at, edit) => {
    const dir = await tampered(edit);
    const report = await verifyMinutes(dir);
    expect(report.ok).toBe(false);
    expect(report.defects.filter((d) => d.kind === kind).map((d) => d.block)).toContain(at);
    expect(formatChainReport(report)).toContain(`block ${at}: ${kind}`);
  });

  it('reports line-ending drift instead of a plain hash mismatch', async () => {
    const dir = await tampered(async (d, c) => {
      const p = join(d, c[0]!.vote_file);
      await writeFile(p, (await readFile(p, 'utf8')).replace(/\n/g, '\r\n'));
    });
    expect(await kinds(dir)).toEqual([['line_ending_drift', 1]]);
  });

  it('re-tallies the votes and names the proposal whose result disagrees', async () => {
    // rewrite every vote consistently (hashes and chain recomputed): only the tally disagrees now
    const dir = await tampered(async (d, c) => {
      const { sha256Hex } = await import('../../src/consensus/chain.js');
      for (const b of c) {
        if (b.type !== 'vote') continue;
        const p = join(d, b.vote_file);
        const vote = JSON.parse(await readFile(p, 'utf8'));
        vote.weights[1].weight = 2;
        const text = `${JSON.stringify(vote, null, 2)}\n`;
        await writeFile(p, text);
        b.vote_file_hash = sha256Hex(text);
      }
      c.forEach((b, i) => {
        b.previous_hash = i === 0 ? '' : c[i - 1]!.block_hash;
        rehash(b);
      });
    });
    expect(await kinds(dir)).toEqual([['tally_mismatch', '028']]);
  });

  it("does not read this project's results.json as a CMMV-Hive report when proposals.json is gone", async () => {
    const dir = await tampered(() => {});
    await rm(join(dir, 'proposals.json'));
    const report = await verifyMinutes(dir);
    expect(report).toMatchObject({ ok: true, tallyChecked: false, resultsChecked: [] });
    expect(report.defects).toEqual([]);
    expect(report.notes).toContain('proposals.json missing or invalid: votes not re-tallied');
  });

  it('reads a bare-array chain with a genesis block and an unknown block type, block by block', async () => {
    const dir = await tampered(() => {});
    const doc = JSON.parse(await readFile(join(dir, 'voting_chain.json'), 'utf8')) as { chain: Block[] };
    const chain = doc.chain.slice(0, 2) as Array<Omit<Block, 'type'> & { type: string }>;
    chain[1]!.type = 'attestation';
    rehash(chain[1] as Block);
    await writeFile(join(dir, 'voting_chain.json'), JSON.stringify([...chain, { index: 3, type: 'vote' }]));
    const report = await verifyMinutes(dir);
    expect(report.layout).toBe('array');
    expect(report.verdicts.map((v) => [v.index, v.kind, v.defects])).toEqual([
      [1, 'vote', []],
      [2, 'unknown', ['unknown_block_type']],
      [null, 'vote', ['unreadable_block']],
    ]);
    expect(formatChainReport(report)).toMatch(
      /block #2: unreadable_block: cannot be read: timestamp: expected a string/,
    );
  });

  it('reports a missing or unreadable chain', async () => {
    const dir = join(root.dir, 'empty');
    await cp(join(base, 'votes'), join(dir, 'votes'), { recursive: true });
    expect((await verifyMinutes(dir)).defects[0]!.kind).toBe('missing_file');
    await writeFile(join(dir, 'voting_chain.json'), '{ not json');
    expect((await verifyMinutes(dir)).defects[0]!.kind).toBe('invalid_chain');
  });
});
