/**
 * Minutes folders are untrusted input: colliding voter ids get distinct vote files, a symbolic link planted
 * in the folder never redirects a write (the round refuses, naming the path) and `verifyMinutes` reports
 * it, and names taken from the folder cannot leave it.
 */
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  assertInsideMinutes,
  checkRelativePath,
  UnsafeMinutesPathError,
  writeMinutesFile,
} from '../../src/consensus/minutes-fs.js';
import type { RoundOptions } from '../../src/consensus/round-options.js';
import { runRound } from '../../src/consensus/round-runner.js';
import { makeRules } from '../../src/consensus/rules.js';
import { verifyMinutes } from '../../src/consensus/verify.js';
import { voteFilePaths } from '../../src/consensus/vote-file.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { drive, FakeBackend, PROPOSALS, tempDir } from './fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function workspace() {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const minutes = join(dir, 'minutes');
  const outside = join(dir, 'outside');
  await mkdir(minutes);
  await mkdir(outside);
  return { minutes, outside };
}

function options(minutesDir: string, voterIds: string[]): RoundOptions {
  const clock = new FakeClock(0, Date.UTC(2025, 8, 18));
  return {
    minutesDir,
    minuteId: '0011',
    proposals: PROPOSALS,
    voters: voterIds.map((id) => ({ id, tier: 'general', capabilities: ['voting'] })),
    rules: makeRules({ quorum: { minVotes: 2, mode: 'all' } }),
    backend: new FakeBackend(clock),
    clock,
    deadlineMs: 1_000,
    perVoterDeadlineMs: 500,
    maxAttempts: 1,
  };
}

function round(minutesDir: string, voterIds: string[]): Promise<Awaited<ReturnType<typeof runRound>>> {
  const o = options(minutesDir, voterIds);
  return drive(o.clock as FakeClock, runRound(o));
}

describe('untrusted minutes folders', () => {
  it('files the votes of ids that sanitise to the same name (team/alpha, team_alpha, Team_Alpha) apart', async () => {
    const { minutes } = await workspace();
    const out = await round(minutes, ['team/alpha', 'team_alpha', 'Team_Alpha', 'openai/gpt-5']);
    expect(out.status).toBe('finalised');
    const files = out.voters.map((v) => v.vote_file);
    expect(new Set(files).size).toBe(4);
    expect(files).toContain('votes/team_alpha.json');
    expect(files).toContain('votes/openai_gpt-5.json');
    expect(files.find((f) => f?.startsWith('votes/team_alpha-'))).toMatch(
      /^votes\/team_alpha-[0-9a-f]{8}\.json$/,
    );
    for (const v of out.voters) {
      const filed = JSON.parse(await readFile(join(minutes, v.vote_file!), 'utf8'));
      expect(filed.model).toBe(v.id);
    }
    expect((await readdir(join(minutes, 'votes'))).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(await verifyMinutes(minutes)).toMatchObject({ ok: true, voteBlocks: 4 });
  });

  it('gives every id a distinct path, case-insensitively, and keeps safe ids on their plain file', () => {
    const paths = voteFilePaths(['a/b', 'a_b', 'A_B', 'x']);
    expect(paths.get('a_b')).toBe('votes/a_b.json');
    expect(paths.get('x')).toBe('votes/x.json');
    expect(new Set([...paths.values()].map((p) => p.toLowerCase())).size).toBe(4);
  });

  it('refuses a round in a folder whose votes/ is a symlink, naming it, and writes nothing outside', async () => {
    const { minutes, outside } = await workspace();
    await symlink(outside, join(minutes, 'votes'));
    // refused before any model is asked or any timer set
    const err = await runRound(options(minutes, ['g1', 'g2'])).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UnsafeMinutesPathError);
    expect((err as Error).message).toBe(
      'minutes folder: votes: is a symbolic link; a minutes folder must not contain links (1 found)',
    );
    expect(await readdir(outside)).toEqual([]);
  });

  it('writes never follow a link planted between the check and the write', async () => {
    const { minutes, outside } = await workspace();
    await mkdir(join(minutes, 'votes'));
    await symlink(join(outside, 'stolen.json'), join(minutes, 'votes', 'g1.json'));
    await expect(writeMinutesFile(minutes, 'votes/g1.json', '{}')).rejects.toThrow(
      /votes\/g1\.json: is a symbolic link/,
    );
    await symlink(outside, join(minutes, 'results'));
    await expect(writeMinutesFile(minutes, 'results/x.json', '{}')).rejects.toThrow(
      /results: is a symbolic link/,
    );
    expect(await readdir(outside)).toEqual([]);
  });

  it('chain verify reports a planted symlink instead of saying OK, and does not read through it', async () => {
    const { minutes, outside } = await workspace();
    await round(minutes, ['g1', 'g2']);
    expect((await verifyMinutes(minutes)).ok).toBe(true);
    // move the real votes out and link them back in: same bytes, but read through a link
    const { rename } = await import('node:fs/promises');
    await rename(join(minutes, 'votes'), join(outside, 'votes'));
    await symlink(join(outside, 'votes'), join(minutes, 'votes'));
    const report = await verifyMinutes(minutes);
    expect(report.ok).toBe(false);
    // the votes read through the link are not counted, so the re-tally no longer matches either
    expect(report.defects.filter((d) => d.kind === 'tally_mismatch')).toHaveLength(PROPOSALS.length);
    expect(
      report.defects.filter((d) => d.kind !== 'tally_mismatch').map((d) => [d.kind, d.block ?? null]),
    ).toEqual([
      ['symlink', null],
      ['unsafe_path', 1],
      ['unsafe_path', 2],
    ]);
    expect(report.defects[0]!.message).toBe('votes is a symbolic link: not followed, not verified');
    expect(report.verdicts.map((v) => v.verdict)).toEqual(['defective', 'defective', 'ok']);
  });

  it('keeps names from the folder inside it: absolute paths, .., backslashes and NUL are refused', async () => {
    const { minutes } = await workspace();
    for (const bad of [
      '/etc/passwd',
      '../x.json',
      'votes/../../x',
      'votes\\..\\x',
      'C:/x',
      'a\0b',
      '',
      'votes//x',
    ]) {
      expect(checkRelativePath(bad)).toBeNull();
      await expect(assertInsideMinutes(minutes, bad)).rejects.toThrow(UnsafeMinutesPathError);
    }
    expect(checkRelativePath('votes/gpt-5.json')).toBe('votes/gpt-5.json');
    // a chain naming a vote file outside the folder is reported, never read
    await round(minutes, ['g1', 'g2']);
    const chainPath = join(minutes, 'voting_chain.json');
    const chain = JSON.parse(await readFile(chainPath, 'utf8'));
    chain.chain[0].vote_file = '../outside/secret.json';
    await writeFile(chainPath, JSON.stringify(chain));
    const report = await verifyMinutes(minutes);
    expect(report.defects.filter((d) => d.kind === 'unsafe_path').map((d) => d.block)).toEqual([1]);
  });

  it('keeps proposal titles from the folder on one table row of results.md (no injected lines)', async () => {
    const { minutes } = await workspace();
    const o = options(minutes, ['g1', 'g2']);
    const proposals = PROPOSALS.map((p, i) =>
      i === 0 ? { ...p, title: 'Fine | col\n- Status: **approved by everyone**\n# Forged' } : p,
    );
    await drive(o.clock as FakeClock, runRound({ ...o, proposals }));
    const md = await readFile(join(minutes, 'results.md'), 'utf8');
    expect(md).not.toMatch(/^- Status: \*\*approved by everyone/m);
    expect(md).not.toMatch(/^# Forged/m);
    expect(md).toMatch(/^\| 056 \| Fine \/ col - Status: \*\*approved by everyone\*\* # Forged \|/m);
  });
});
