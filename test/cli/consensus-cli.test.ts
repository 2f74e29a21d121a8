/**
 * The consensus commands run in-process: `vote` over simulated models, `chain verify` on clean and
 * tampered minutes, and the emergency flow keygen → request → sign → authorise.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rename, stat, symlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteAuditLog } from '../../src/audit/sqlite-audit-log.js';
import { CliError } from '../../src/cli/cli-error.js';
import { registerConsensusCommands } from '../../src/cli/commands/consensus.js';
import { PROPOSALS, tempDir } from '../consensus/fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  error?: CliError;
}

/** Runs `hive-resilience <args>` in-process with the consensus commands; captures output and exit code. */
async function cli(...args: string[]): Promise<Run> {
  const run: Run = { code: 0, stdout: '', stderr: '' };
  const program = new Command('hive-resilience').exitOverride().configureOutput({
    writeOut: (t) => {
      run.stdout += t;
    },
    writeErr: (t) => {
      run.stderr += t;
    },
  });
  registerConsensusCommands(program, {
    stdout: (t) => {
      run.stdout += t;
    },
    stderr: (t) => {
      run.stderr += t;
    },
    setExitCode: (c) => {
      run.code = c;
    },
  });
  try {
    await program.parseAsync(['node', 'hive-resilience', ...args]);
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    run.error = error;
    run.code = error.exitCode;
  }
  return run;
}

const voteAnswer = (model: string) =>
  JSON.stringify({
    weights: PROPOSALS.map((p) => ({ proposal_id: p.id, weight: 9, comment: `${model} likes ${p.id}` })),
  });

function simulated(id: string, extra: Record<string, unknown> = {}) {
  return {
    provider: 'simulated',
    tier: 'general',
    capabilities: ['voting'],
    maxRetries: 0,
    simulated: { latencyMs: 5, answer: voteAnswer(id), ...extra },
  };
}

/** A temp workspace: a minutes folder with proposals.json, a config file, a data dir. */
async function workspace(models: Record<string, unknown>, chains: Record<string, unknown> = {}) {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const minutes = join(dir, '0007');
  await mkdir(minutes);
  await writeFile(
    join(minutes, 'proposals.json'),
    JSON.stringify({ minute_id: '0007', proposals: PROPOSALS }),
  );
  const config = join(dir, 'hive.json');
  await writeFile(config, JSON.stringify({ models, chains }));
  return { dir, minutes, config, data: join(dir, 'data') };
}

describe('hive-resilience vote', () => {
  it('finalises a round over simulated voters, writes the minutes, audits every event, exits 0', async () => {
    const ws = await workspace({ a: simulated('a'), b: simulated('b'), c: simulated('c') });
    const run = await cli(
      'vote',
      ws.minutes,
      '--config',
      ws.config,
      '--data-dir',
      ws.data,
      '--voter-deadline',
      '5s',
    );
    expect(run.error).toBeUndefined();
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/: finalised/);
    expect(run.stdout).toMatch(/056\s+score\s+90 \/ 65\s+approved/);
    expect(run.stdout).toMatch(/a\s+voted/);
    expect(run.stderr).toMatch(/\[\s*\d+\.\d+s\] a\s+asking/);
    expect(run.stderr).toMatch(/\[\s*\d+\.\d+s\] c\s+voted/);
    for (const f of [
      'votes/a.json',
      'votes/b.json',
      'votes/c.json',
      'voting_chain.json',
      'results.json',
      'results.md',
    ]) {
      expect((await stat(join(ws.minutes, f))).isFile()).toBe(true);
    }
    const audit = new SqliteAuditLog({ dataDir: ws.data });
    try {
      const types = audit.query({ limit: 1000 }).map((r) => r.type);
      expect(types[0]).toBe('consensus.round.started');
      expect(types.filter((t) => t === 'consensus.voter.status').length).toBeGreaterThanOrEqual(6);
      expect(types.at(-1)).toBe('consensus.round.finalised');
    } finally {
      audit.close();
    }

    const verify = await cli('chain', 'verify', ws.minutes);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/OK: chain valid, tally matches results/);
  });

  it('with the embedded default config the simulated answers are not votes: malformed, exit 4', async () => {
    const ws = await workspace({});
    const run = await cli(
      'vote',
      ws.minutes,
      '--data-dir',
      ws.data,
      '--voter-deadline',
      '10s',
      '--attempts',
      '1',
    );
    expect(run.error).toBeUndefined();
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(/quorum_failed/);
    expect(run.stdout).toMatch(/sim-steady\s+malformed/);
    expect(run.stdout).toMatch(/sim-flaky\s+(malformed|failed)/);
    expect(JSON.parse(await readFile(join(ws.minutes, 'results.json'), 'utf8')).status).toBe('quorum_failed');
  });

  it('names the bad input: missing folder, missing proposals.json, invalid proposals, unknown voter, bad option', async () => {
    const ws = await workspace({ a: simulated('a') });
    const missing = await cli('vote', join(ws.dir, 'nope'), '--config', ws.config);
    expect([missing.code, missing.error?.message]).toEqual([
      2,
      expect.stringMatching(/nope is not a directory/),
    ]);
    const empty = join(ws.dir, 'empty');
    await mkdir(empty);
    const noProposals = await cli('vote', empty, '--config', ws.config);
    expect(noProposals.error?.message).toMatch(/proposals\.json: cannot read .*proposals\.json: ENOENT/);
    await writeFile(join(empty, 'proposals.json'), JSON.stringify({ proposals: [{ title: 'x' }] }));
    const invalid = await cli('vote', empty, '--config', ws.config);
    expect(invalid.error?.message).toMatch(/proposals\.json: .*id/);
    const unknown = await cli(
      'vote',
      ws.minutes,
      '--config',
      ws.config,
      '--voters',
      'a,ghost',
      '--data-dir',
      ws.data,
    );
    expect(unknown.error?.message).toMatch(/--voters: unknown model "ghost"/);
    const badDuration = await cli('vote', ws.minutes, '--config', ws.config, '--deadline', 'soon');
    expect(badDuration.error?.message).toMatch(/--deadline: expected a duration/);
    const badConfig = join(ws.dir, 'bad.json');
    await writeFile(badConfig, JSON.stringify({ models: { a: { provider: 'nope' } } }));
    const config = await cli('vote', ws.minutes, '--config', badConfig);
    expect(config.error?.message).toMatch(/--config: invalid configuration .*models\.a\.provider/);
    const noKeys = await cli('vote', ws.minutes, '--config', ws.config, '--emergency');
    expect(noKeys.error?.message).toMatch(/--emergency needs --operator-keys/);
  });
});

describe('hive-resilience chain verify', () => {
  it('exits 1 on a tampered vote file and reports it by block; --json gives the report', async () => {
    const ws = await workspace({ a: simulated('a'), b: simulated('b') });
    expect((await cli('vote', ws.minutes, '--config', ws.config, '--data-dir', ws.data)).code).toBe(0);
    const file = join(ws.minutes, 'votes/b.json');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"weight": 9', '"weight": 2'));
    const run = await cli('chain', 'verify', ws.minutes);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/block \d+: vote_file_hash_mismatch/);
    expect(run.stdout).toMatch(/INVALID/);
    const json = await cli('chain', 'verify', ws.minutes, '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.ok).toBe(false);
    expect(report.defects.map((d: { kind: string }) => d.kind)).toContain('vote_file_hash_mismatch');
  });
});

/** A round left emergency_pending (2 of 4 voted), three operator keys (2-of-3), a signed request. */
async function pendingWorkspace() {
  const ws = await workspace({
    a: simulated('a'),
    b: simulated('b'),
    c: simulated('c', { failureRate: 1 }),
    d: simulated('d', { failureRate: 1 }),
  });
  const keys = join(ws.dir, 'keys');
  const entries = [];
  for (const name of ['alice', 'bob', 'carol']) {
    const k = await cli('emergency', 'keygen', name, '--out', keys);
    expect(k.error).toBeUndefined();
    entries.push(JSON.parse(k.stdout));
  }
  const operatorKeys = join(ws.dir, 'operator-keys.json');
  await writeFile(operatorKeys, JSON.stringify({ threshold: 2, operators: entries }));
  const vote = await cli(
    'vote',
    ws.minutes,
    '--config',
    ws.config,
    '--data-dir',
    ws.data,
    '--attempts',
    '1',
    '--quorum-votes',
    '3',
    '--emergency',
    '--operator-keys',
    operatorKeys,
  );
  expect(vote.code).toBe(3);
  const req = join(ws.dir, 'request.json');
  const r = await cli('emergency', 'request', ws.minutes, '--reduced-quorum', '2', '--out', req);
  expect(r.code).toBe(0);
  const sig = async (name: string) => {
    const out = join(ws.dir, `${name}.sig.json`);
    const key = join(keys, `${name}.key.pem`);
    expect((await cli('emergency', 'sign', req, '--key', key, '--name', name, '--out', out)).code).toBe(0);
    return out;
  };
  const authorise = (folder: string, sigs: string[], ...extra: string[]) =>
    cli(
      'emergency',
      'authorise',
      folder,
      '--request',
      req,
      '--signatures',
      sigs.join(','),
      '--operator-keys',
      operatorKeys,
      '--data-dir',
      ws.data,
      ...extra,
    );
  return { ws, keys, operatorKeys, req, sig, authorise };
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

describe('hive-resilience emergency', () => {
  it('keygen → request → sign → authorise finalises a pending round; refusals exit 5', async () => {
    const ws = await workspace({
      a: simulated('a'),
      b: simulated('b'),
      c: simulated('c', { failureRate: 1 }),
      d: simulated('d', { failureRate: 1 }),
    });
    const keys = join(ws.dir, 'keys'); // keygen creates it
    const entries = [];
    for (const name of ['alice', 'bob', 'carol']) {
      const k = await cli('emergency', 'keygen', name, '--out', keys);
      expect(k.code).toBe(0);
      entries.push(JSON.parse(k.stdout));
      expect((await stat(join(keys, `${name}.key.pem`))).mode & 0o777).toBe(0o600);
    }
    expect(entries[0]).toMatchObject({ name: 'alice', publicKey: expect.any(String) });
    expect((await cli('emergency', 'keygen', 'alice', '--out', keys)).error?.message).toMatch(
      /already exists/,
    );
    const operatorKeys = join(ws.dir, 'operator-keys.json');
    await writeFile(operatorKeys, JSON.stringify({ threshold: 2, operators: entries }));

    const vote = await cli(
      'vote',
      ws.minutes,
      '--config',
      ws.config,
      '--data-dir',
      ws.data,
      '--attempts',
      '1',
      '--quorum-votes',
      '3',
      '--emergency',
      '--operator-keys',
      operatorKeys,
    );
    expect(vote.error).toBeUndefined();
    expect(vote.code).toBe(3);
    expect(vote.stdout).toMatch(/emergency_pending/);
    expect(vote.stdout).toMatch(/c\s+failed/);

    const req = join(ws.dir, 'request.json');
    const tooMany = await cli('emergency', 'request', ws.minutes, '--reduced-quorum', '3');
    expect(tooMany.error?.message).toMatch(/--reduced-quorum: 3 exceeds the 2 vote\(s\) filed/);
    const r = await cli(
      'emergency',
      'request',
      ws.minutes,
      '--reduced-quorum',
      '2',
      '--expires',
      '1h',
      '--out',
      req,
    );
    expect(r.code).toBe(0);
    const request = JSON.parse(r.stdout);
    expect(request).toMatchObject({ reduced_quorum: 2, round_id: expect.stringMatching(/^0007-/) });
    expect(request.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(request.minutes_sha256).toMatch(/^[0-9a-f]{64}$/);

    const sig = async (name: string) => {
      const out = join(ws.dir, `${name}.sig.json`);
      const s = await cli(
        'emergency',
        'sign',
        req,
        '--key',
        join(keys, `${name}.key.pem`),
        '--name',
        name,
        '--out',
        out,
      );
      expect(s.code).toBe(0);
      expect(JSON.parse(s.stdout).signatures[0].signer).toBe(name);
      return out;
    };
    const alice = await sig('alice');
    const carol = await sig('carol');
    const authorise = (sigs: string[]) =>
      cli(
        'emergency',
        'authorise',
        ws.minutes,
        '--request',
        req,
        '--signatures',
        sigs.join(','),
        '--operator-keys',
        operatorKeys,
        '--data-dir',
        ws.data,
      );

    const under = await authorise([alice]);
    expect(under.code).toBe(5);
    expect(under.stdout).toMatch(/refused \(under_signed\)/);

    // a finalisation killed earlier left its lock: the owner pid is gone, so the lock is taken over
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    const stale = { pid: dead, host: hostname(), started_at: '2026-01-01T00:00:00.000Z', token: 'killed' };
    await mkdir(ws.data, { recursive: true });
    await writeFile(join(ws.data, 'emergency-nonces.json.lock'), JSON.stringify(stale));
    const done = await authorise([alice, carol]);
    expect(done.code).toBe(0);
    expect(done.stderr).toContain(
      `stale lock ${join(ws.data, 'emergency-nonces.json.lock')} of pid ${dead} on ${hostname()} since ` +
        `2026-01-01T00:00:00.000Z taken over: its owner pid ${dead} is no longer running`,
    );
    expect(await exists(join(ws.data, 'emergency-nonces.json.lock'))).toBe(false);
    expect(done.stdout).toMatch(/emergency_finalised under reduced quorum 2, signed by alice, carol/);
    expect(JSON.parse(await readFile(join(ws.minutes, 'results.json'), 'utf8')).status).toBe(
      'emergency_finalised',
    );
    expect((await cli('chain', 'verify', ws.minutes)).code).toBe(0);

    const again = await authorise([alice, carol]);
    expect(again.code).toBe(5);
    expect(again.stdout).toMatch(/refused \(not_pending\)/);
    // the used nonce is recorded in the data dir, not in the minutes folder
    expect(JSON.parse(await readFile(join(ws.data, 'emergency-nonces.json'), 'utf8')).used).toEqual([
      expect.objectContaining({ nonce: request.nonce, round_id: request.round_id }),
    ]);
    expect(await exists(join(ws.minutes, 'emergency_nonces.json'))).toBe(false);

    const audit = new SqliteAuditLog({ dataDir: ws.data });
    try {
      const authorised = audit.query({ type: 'consensus.round.emergency_authorised' });
      expect(authorised).toHaveLength(1);
      expect(authorised[0]!.actor).toBe('operators:alice,carol');
      expect(audit.query({ type: 'consensus.round.emergency_refused' })).toHaveLength(2);
      expect(audit.query({ type: 'consensus.round.emergency_lock_recovered' })).toEqual([
        expect.objectContaining({
          actor: 'system',
          data: expect.objectContaining({ previous_owner: expect.stringContaining(`pid ${dead} `) }),
        }),
      ]);
      expect(audit.verify().ok).toBe(true);
    } finally {
      audit.close();
    }
  });
});

describe('hive-resilience emergency authorise against a hostile operator', () => {
  it('k comes from the operator set: --threshold 1 is refused, --threshold 3 raises k', async () => {
    const { sig, authorise, ws } = await pendingWorkspace();
    const alice = await sig('alice');
    const lower = await authorise(ws.minutes, [alice], '--threshold', '1');
    expect(lower.code).toBe(2);
    expect(lower.error?.message).toMatch(/--threshold: 1 is below the threshold 2 of .*can only be raised/);
    expect(await exists(join(ws.minutes, 'results.json'))).toBe(false);
    const carol = await sig('carol');
    const raised = await authorise(ws.minutes, [alice, carol], '--threshold', '3');
    expect(raised.code).toBe(5);
    expect(raised.stdout).toMatch(/under_signed.*3 required/);
    const tooHigh = await authorise(ws.minutes, [alice, carol], '--threshold', '4');
    expect(tooHigh.error?.message).toMatch(/--threshold: 4 exceeds the 3 registered operator/);
    // a lower threshold written into the pending file does not lower k; the edit itself voids the request
    const pendingFile = join(ws.minutes, 'emergency_pending.json');
    const pending = JSON.parse(await readFile(pendingFile, 'utf8'));
    await writeFile(
      pendingFile,
      JSON.stringify({ ...pending, emergency: { ...pending.emergency, threshold: 1 } }),
    );
    const edited = await authorise(ws.minutes, [alice]);
    expect(edited.code).toBe(5);
    expect(edited.stdout).toMatch(/refused \(under_signed\): 1 distinct valid signer\(s\), 2 required/);
    const stale = await authorise(ws.minutes, [alice, carol]);
    expect(stale.code).toBe(5);
    expect(stale.stdout).toMatch(/refused \(tampered\): the minutes changed since the request was made/);
    expect(await exists(join(ws.minutes, 'results.json'))).toBe(false);
  });

  it('acts on the folder it is given: a copy is finalised in place, a moved folder works, a recorded path is ignored', async () => {
    const { sig, authorise, ws, req } = await pendingWorkspace();
    // a recorded absolute path in the pending file (older versions wrote one) is not followed
    const decoy = join(ws.dir, 'decoy');
    await mkdir(decoy);
    const pendingFile = join(ws.minutes, 'emergency_pending.json');
    const pending = JSON.parse(await readFile(pendingFile, 'utf8'));
    await writeFile(pendingFile, JSON.stringify({ ...pending, minutes_dir: decoy }));
    const again = await cli('emergency', 'request', ws.minutes, '--reduced-quorum', '2', '--out', req);
    expect(again.code).toBe(0);
    const [alice, bob] = [await sig('alice'), await sig('bob')];
    const copy = join(ws.dir, 'copy-of-0007');
    await cp(ws.minutes, copy, { recursive: true });
    const moved = join(ws.dir, 'moved-0007');
    await rename(ws.minutes, moved);

    const onCopy = await authorise(copy, [alice, bob]);
    expect(onCopy.error).toBeUndefined();
    expect(onCopy.code).toBe(0);
    expect(JSON.parse(await readFile(join(copy, 'results.json'), 'utf8')).status).toBe('emergency_finalised');
    expect(await exists(join(moved, 'results.json'))).toBe(false);
    expect(await readdir(decoy)).toEqual([]);
    expect((await cli('chain', 'verify', copy)).code).toBe(0);

    // the same round in the moved original: the nonce (and the round) are recorded outside both folders
    const replay = await authorise(moved, [alice, bob]);
    expect(replay.code).toBe(5);
    expect(replay.stdout).toMatch(/refused \(replayed\)/);
    expect(await exists(join(moved, 'results.json'))).toBe(false);
  });

  it('a moved folder is finalised where it now is; --state-dir inside the folder is refused', async () => {
    const { sig, authorise, ws } = await pendingWorkspace();
    const [alice, bob] = [await sig('alice'), await sig('bob')];
    const moved = join(ws.dir, 'elsewhere', '0007');
    await mkdir(join(ws.dir, 'elsewhere'));
    await rename(ws.minutes, moved);
    const inside = await authorise(moved, [alice, bob], '--state-dir', join(moved, 'state'));
    expect(inside.error?.message).toMatch(/--state-dir: .* is inside the minutes folder/);
    // HIVE_EMERGENCY_STATE_DIR is used when --state-dir is not given, and --state-dir wins over it
    const stateDir = join(ws.dir, 'state');
    process.env.HIVE_EMERGENCY_STATE_DIR = join(moved, 'nonces');
    try {
      const fromEnv = await authorise(moved, [alice, bob]);
      expect(fromEnv.error?.message).toMatch(/--state-dir: .*nonces is inside the minutes folder/);
      const done = await authorise(moved, [alice, bob], '--state-dir', stateDir);
      expect(done.code).toBe(0);
    } finally {
      delete process.env.HIVE_EMERGENCY_STATE_DIR;
    }
    expect(await exists(join(moved, 'results.json'))).toBe(true);
    expect(await exists(join(stateDir, 'emergency-nonces.json'))).toBe(true);
    expect(await exists(join(ws.data, 'emergency-nonces.json'))).toBe(false);
  });
});

describe('hive-resilience on a minutes folder holding symbolic links', () => {
  it('vote refuses a votes/ symlink naming it; chain verify and authorise report a planted link', async () => {
    const ws = await workspace({ a: simulated('a'), b: simulated('b') });
    const outside = join(ws.dir, 'outside');
    await mkdir(outside);
    await symlink(outside, join(ws.minutes, 'votes'));
    const vote = await cli('vote', ws.minutes, '--config', ws.config, '--data-dir', ws.data);
    expect(vote.code).toBe(2);
    expect(vote.error?.message).toMatch(/minutes folder: votes: is a symbolic link/);
    expect(await readdir(outside)).toEqual([]);
    // nothing is read through a link either: a linked proposals.json is refused before it is parsed
    const secret = join(ws.dir, 'secret.txt');
    await writeFile(secret, 'root:x:0:0');
    const linked = join(ws.dir, 'linked');
    await mkdir(linked);
    await symlink(secret, join(linked, 'proposals.json'));
    const read = await cli('vote', linked, '--config', ws.config, '--data-dir', ws.data);
    expect(read.error?.message).toBe(
      'minutes folder: proposals.json: is a symbolic link; a minutes folder must not contain links (1 found)',
    );

    const { sig, authorise, ws: pending } = await pendingWorkspace();
    await symlink(join(outside, 'results.json'), join(pending.minutes, 'results.json'));
    const verify = await cli('chain', 'verify', pending.minutes);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/folder: symlink: results\.json is a symbolic link/);
    const refused = await authorise(pending.minutes, [await sig('alice'), await sig('bob')]);
    expect(refused.code).toBe(5);
    expect(refused.stdout).toMatch(/refused \(tampered\).*symlink/);
    expect(await readdir(outside)).toEqual([]);
  });
});
