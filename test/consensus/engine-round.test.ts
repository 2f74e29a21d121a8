/**
 * Voting rounds over a real engine on loopback: every voter is an OpenAI-compatible model served by the
 * chaos upstream, whose answer for each model is a vote (or a fault).
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { consensusAuditRecord } from '../../src/consensus/audit-events.js';
import {
  type AuthorisationRequest,
  combineSignatures,
  createAuthorisationRequest,
  generateOperatorKey,
  signAuthorisation,
} from '../../src/consensus/authorisation.js';
import { finaliseWithAuthorisation } from '../../src/consensus/emergency-round.js';
import { EngineVoteBackend } from '../../src/consensus/engine-vote-backend.js';
import type { ConsensusEvent } from '../../src/consensus/events.js';
import { MemoryNonceStore } from '../../src/consensus/nonce-store.js';
import type { RoundOptions, VoterSpec } from '../../src/consensus/round-options.js';
import { runRound } from '../../src/consensus/round-runner.js';
import { loadRoundState, minutesDigest } from '../../src/consensus/round-state.js';
import { makeRules } from '../../src/consensus/rules.js';
import { verifyMinutes } from '../../src/consensus/verify.js';
import type { ResilienceEngine } from '../../src/engine/index.js';
import { chaosModel, configOf, engineWithEvents, FAST_RESILIENCE } from '../engine/engine-fixtures.js';
import { useChaosUpstream } from '../helpers/chaos-upstream.js';
import { PROPOSALS, tempDir } from './fixtures.js';

const chaos = useChaosUpstream();
let engine: ResilienceEngine | undefined;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await engine?.close();
  engine = undefined;
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

/** A valid vote answer for {@link PROPOSALS}, as a model would send it. */
function voteJson(model: string, weight = 8): string {
  return JSON.stringify({
    minute_id: '0005',
    model,
    timestamp: '2025-09-18T00:00:00Z',
    weights: PROPOSALS.map((p) => ({ proposal_id: `P${p.id}`, weight, comment: `${model} on ${p.id}` })),
  });
}

const ids = (n: number, prefix = 'g') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);

/** Builds an engine whose models all point at the chaos upstream, each answering with its own vote. */
async function setup(
  generals: string[],
  opts: { collaborators?: string[]; extra?: Record<string, Record<string, unknown>> } = {},
) {
  const models: Record<string, Record<string, unknown>> = {};
  for (const id of generals)
    models[id] = chaosModel(chaos.openaiBaseURL, { tier: 'general', ...opts.extra?.[id] });
  for (const id of opts.collaborators ?? [])
    models[id] = chaosModel(chaos.openaiBaseURL, { tier: 'collaborator' });
  chaos.upstream.setFaults(
    Object.fromEntries(
      [...generals, ...(opts.collaborators ?? [])].map((id) => [id, { answer: voteJson(id) }]),
    ),
  );
  const made = engineWithEvents(configOf({ models, resilience: FAST_RESILIENCE }));
  engine = made.engine;
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const spec = (id: string): VoterSpec => {
    const m = made.engine.current.registry.get(id)!;
    return { id, tier: m.tier, capabilities: [...m.capabilities] };
  };
  const events: ConsensusEvent[] = [];
  const options: RoundOptions = {
    minutesDir: dir,
    minuteId: '0005',
    proposals: PROPOSALS,
    voters: generals.map(spec),
    rules: makeRules({
      allowSubstitution: false,
      quorum: { minVotes: 5, minGeneralFraction: 0.6, mode: 'all' },
    }),
    backend: new EngineVoteBackend(made.engine),
    deadlineMs: 5_000,
    perVoterDeadlineMs: 1_500,
    maxAttempts: 2,
    roundId: '0005-engine',
    onEvent: (e) => events.push(e),
  };
  return { engine: made.engine, dir, options, events, spec };
}

describe('rounds over the engine and a chaos upstream', () => {
  it('finalises with every voter healthy; the chain verifies clean', async () => {
    const { dir, options, events } = await setup(ids(5));
    const out = await runRound(options);
    expect(out.status).toBe('finalised');
    expect(out.voters.map((v) => v.status)).toEqual(Array(5).fill('voted'));
    expect(out.results!.proposals.every((p) => p.score === 80 && p.status === 'approved')).toBe(true);
    const vote = JSON.parse(await readFile(join(dir, 'votes/g3.json'), 'utf8'));
    expect(vote).toMatchObject({ minute_id: '0005', model: 'g3' });
    expect(vote.weights[0]).toMatchObject({ proposal_id: '056', weight: 8 });
    const report = await verifyMinutes(dir);
    expect(report.defects).toEqual([]);
    expect(report).toMatchObject({ ok: true, finalised: true, voteBlocks: 5, tallyChecked: true });
    // every upstream request was a ballot to the model asked, temperature 0
    expect(Object.keys(chaos.upstream.stats().models).sort()).toEqual(ids(5));
    // every event maps to an audit record
    const records = events.map((e) => consensusAuditRecord(e));
    expect(records.every((r) => r.type.startsWith('consensus.') && r.actor === 'system')).toBe(true);
    expect(records.at(-1)!.type).toBe('consensus.round.finalised');
  });

  it('with 30 % of voters failing (500, slow, off-task) every voter ends with the right status', async () => {
    const { dir, engine, options } = await setup(ids(10));
    chaos.upstream.setFaults({
      ...Object.fromEntries(ids(10).map((id) => [id, { answer: voteJson(id) }])),
      g1: '500',
      g2: { latencyMs: 10_000 },
      g3: { answer: 'I would rather talk about the weather.' },
    });
    const started = Date.now();
    const out = await runRound({ ...options, perVoterDeadlineMs: 600 });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(out.status).toBe('finalised');
    const status = Object.fromEntries(out.voters.map((v) => [v.id, v.status]));
    expect(status).toMatchObject({ g1: 'failed', g2: 'timed_out', g3: 'malformed' });
    expect(out.voters).toHaveLength(10);
    expect(
      ids(10)
        .slice(3)
        .every((id) => status[id] === 'voted'),
    ).toBe(true);
    expect(out.results!.participation).toMatchObject({ seats: 10, voted: 7 });
    expect(out.voters.find((v) => v.id === 'g1')!.detail).toMatch(/transient/);
    expect(out.voters.find((v) => v.id === 'g3')!.attempts).toBe(2);
    await expect(access(join(dir, 'votes/g1.json'))).rejects.toThrow();
    expect((await verifyMinutes(dir)).ok).toBe(true);
    // the off-task answers count against g3's accuracy and health; a good vote keeps accuracy at 1
    expect(engine.health.health('g3')!.accuracy).toBe(0);
    expect(engine.health.health('g4')!.accuracy).toBe(1);
    const md = await readFile(join(dir, 'results.md'), 'utf8');
    expect(md).toMatch(/g2/);
  });

  it('a substitute votes under its own id, marked as substituting', async () => {
    // g5, a general outside the round, is the substitute pool
    const { dir, options, spec } = await setup(ids(5));
    chaos.upstream.setFaults({
      ...Object.fromEntries(ids(5).map((id) => [id, { answer: voteJson(id) }])),
      g1: '503',
    });
    const out = await runRound({
      ...options,
      voters: ids(4).map(spec),
      substitutes: [spec('g5')],
      rules: makeRules({ allowSubstitution: true, quorum: { minVotes: 4, mode: 'all' } }),
    });
    expect(out.status).toBe('finalised');
    const g1 = out.voters.find((v) => v.id === 'g1')!;
    expect(g1).toMatchObject({ status: 'substituted', substituted_by: 'g5', failure: 'failed' });
    expect(out.voters.find((v) => v.id === 'g5')).toMatchObject({
      role: 'substitute',
      substitute_for: 'g1',
      status: 'voted',
      vote_file: 'votes/g5.json',
    });
    const vote = JSON.parse(await readFile(join(dir, 'votes/g5.json'), 'utf8'));
    expect(vote.model).toBe('g5');
    await expect(access(join(dir, 'votes/g1.json'))).rejects.toThrow();
    expect(await readFile(join(dir, 'results.md'), 'utf8')).toMatch(/g5[\s\S]*g1|g1[\s\S]*g5/);
  });

  it('identity rule: a failed voter is not answered by its configured fallback', async () => {
    const { dir, options, spec } = await setup(ids(4), {
      collaborators: ['backup'],
      extra: { g1: { fallbacks: ['backup'] } },
    });
    chaos.upstream.setFaults({
      ...Object.fromEntries(ids(4).map((id) => [id, { answer: voteJson(id) }])),
      backup: { answer: voteJson('backup') },
      g1: '503',
    });
    // the engine itself would fail over (fallback feature on by default) ...
    const direct = await engine!.complete({
      target: 'g1',
      body: { model: 'g1', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(direct.ok && direct.model).toBe('backup');
    chaos.upstream.resetStats();
    // ... but a ballot never does
    const out = await runRound({
      ...options,
      voters: ids(4).map(spec),
      rules: makeRules({ allowSubstitution: false, quorum: { minVotes: 3, mode: 'all' } }),
    });
    expect(out.voters.find((v) => v.id === 'g1')).toMatchObject({ status: 'failed' });
    expect(chaos.upstream.stats().models.backup).toBeUndefined();
    expect(chaos.upstream.stats().models.g1!.requests).toBe(2);
    await expect(access(join(dir, 'votes/g1.json'))).rejects.toThrow();
    await expect(access(join(dir, 'votes/backup.json'))).rejects.toThrow();
  });
});

describe('emergency consensus over the engine', () => {
  const alice = generateOperatorKey('alice');
  const bob = generateOperatorKey('bob');
  const carol = generateOperatorKey('carol');
  const mallory = generateOperatorKey('mallory');
  const operators = [alice, bob, carol].map(({ name, publicKey }) => ({ name, publicKey }));

  async function pending() {
    const { dir, options, events } = await setup(ids(6));
    chaos.upstream.setFaults({
      ...Object.fromEntries(ids(6).map((id) => [id, { answer: voteJson(id) }])),
      g1: '500',
      g2: '503',
      g3: { answer: 'no JSON here' },
    });
    const out = await runRound({
      ...options,
      roundId: '0005-emergency',
      emergency: { enabled: true, operatorKeys: operators, threshold: 2 },
    });
    digest = await minutesDigest(dir);
    return { dir, out, events };
  }

  let digest = '';
  const request = (over: Partial<AuthorisationRequest> = {}): AuthorisationRequest => ({
    ...createAuthorisationRequest('0005-emergency', 3, Date.now() + 3_600_000, undefined, digest),
    ...over,
  });
  const signedBy = (req: AuthorisationRequest, keys: Array<{ name: string; privateKey: string }>) => {
    const c = combineSignatures(keys.map((k) => signAuthorisation(req, k.privateKey, k.name)));
    if (!c.ok) throw new Error(c.errors.join());
    return c.value;
  };

  it('quorum lost -> emergency_pending -> finalised with a valid 2-of-3 authorisation', async () => {
    const { dir, out, events } = await pending();
    expect(out.status).toBe('emergency_pending');
    expect(out.state!.failed_voters).toEqual(['g1', 'g2', 'g3']);
    expect(events.at(-1)).toMatchObject({ type: 'round.emergency_pending', votes: 3 });
    expect(await loadRoundState(dir)).toMatchObject({ status: 'pending' });
    const finalEvents: ConsensusEvent[] = [];
    const done = await finaliseWithAuthorisation(dir, signedBy(request(), [alice, carol]), {
      operators: { threshold: 2, operators },
      nonceStore: new MemoryNonceStore(),
      onEvent: (e) => finalEvents.push(e),
    });
    expect(done.ok).toBe(true);
    expect(done.ok && done.results.status).toBe('emergency_finalised');
    const audit = finalEvents.map((e) => consensusAuditRecord(e));
    expect(audit[0]).toMatchObject({
      type: 'consensus.round.emergency_authorised',
      actor: 'operators:alice,carol',
    });
    expect(JSON.stringify(audit)).not.toMatch(/signature|PRIVATE/);
    expect(await verifyMinutes(dir)).toMatchObject({ ok: true, finalised: true, voteBlocks: 3 });
  });

  it('refuses forged, expired, under-signed and replayed authorisations', async () => {
    const { dir } = await pending();
    const state = (await loadRoundState(dir))!;
    const ctx = { operators: { threshold: 2, operators }, nonceStore: new MemoryNonceStore() };
    const req = request();
    const forged = signedBy(req, [alice, { name: 'bob', privateKey: mallory.privateKey }]);
    const expired = signedBy(request({ expires_at: new Date(Date.now() - 1000).toISOString() }), [
      alice,
      bob,
    ]);
    const underSigned = signedBy(req, [alice]);
    for (const [auth, reason] of [
      [forged, 'forged'],
      [expired, 'expired'],
      [underSigned, 'under_signed'],
    ] as const) {
      const r = await finaliseWithAuthorisation(dir, auth, ctx);
      expect(!r.ok && r.reason).toBe(reason);
      const rec = consensusAuditRecord(
        { type: 'round.emergency_refused', round_id: state.round_id, reason, message: 'x' },
        { claimedSigners: auth.signatures.map((s) => s.signer) },
      );
      expect(rec.actor).toBe('system');
    }
    const valid = signedBy(req, [alice, bob]);
    expect((await finaliseWithAuthorisation(dir, valid, ctx)).ok).toBe(true);
    const { writeRoundState } = await import('../../src/consensus/round-state.js');
    await writeRoundState(dir, { ...state, status: 'pending' });
    const replay = await finaliseWithAuthorisation(dir, valid, ctx);
    expect(!replay.ok && replay.reason).toBe('replayed');
  });
});
