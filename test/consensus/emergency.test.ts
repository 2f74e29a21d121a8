import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AuthorisationRequest,
  canonicalAuthorisationMessage,
  combineSignatures,
  createAuthorisationRequest,
  generateOperatorKey,
  signAuthorisation,
} from '../../src/consensus/authorisation.js';
import { finaliseWithAuthorisation } from '../../src/consensus/emergency-round.js';
import type { ConsensusEvent } from '../../src/consensus/events.js';
import { FileNonceStore, MemoryNonceStore } from '../../src/consensus/nonce-store.js';
import { runRound } from '../../src/consensus/round-runner.js';
import { loadRoundState, minutesDigest } from '../../src/consensus/round-state.js';
import { makeRules } from '../../src/consensus/rules.js';
import { verifyMinutes } from '../../src/consensus/verify.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { type Behaviour, drive, FakeBackend, generals, PROPOSALS, tempDir } from './fixtures.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

const alice = generateOperatorKey('alice');
const bob = generateOperatorKey('bob');
const carol = generateOperatorKey('carol');
const mallory = generateOperatorKey('mallory');
const operators = [alice, bob, carol].map(({ name, publicKey }) => ({ name, publicKey }));

/** 10 generals, 6 fail: quorum (5 votes and 60 %) is lost; emergency consensus is 2-of-3. */
async function pendingRound() {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const clock = new FakeClock(0, Date.UTC(2025, 8, 18));
  const script: Record<string, Behaviour[]> = Object.fromEntries(
    generals(6).map((g, i) => [g.id, [i % 2 ? { kind: 'error' } : { kind: 'hang' }]]),
  );
  const events: ConsensusEvent[] = [];
  const out = await drive(
    clock,
    runRound({
      minutesDir: dir,
      minuteId: '0009',
      proposals: PROPOSALS,
      voters: generals(10),
      rules: makeRules({ allowSubstitution: false }),
      backend: new FakeBackend(clock, script),
      clock,
      deadlineMs: 1_000,
      perVoterDeadlineMs: 400,
      maxAttempts: 1,
      roundId: '0009-r1',
      emergency: { enabled: true, operatorKeys: operators, threshold: 2 },
      onEvent: (e) => events.push(e),
    }),
  );
  let digest = await minutesDigest(dir);
  const rebind = async () => {
    digest = await minutesDigest(dir);
  };
  const request = (over: Partial<AuthorisationRequest> = {}): AuthorisationRequest => ({
    ...createAuthorisationRequest('0009-r1', 4, clock.wallNow() + 3_600_000, undefined, digest),
    ...over,
  });
  const sign2 = (req: AuthorisationRequest) => {
    const c = combineSignatures([
      signAuthorisation(req, alice.privateKey, 'alice'),
      signAuthorisation(req, carol.privateKey, 'carol'),
    ]);
    if (!c.ok) throw new Error(c.errors.join());
    return c.value;
  };
  const nonceStore = new MemoryNonceStore();
  const ctx = { clock, operators: { threshold: 2, operators }, nonceStore };
  return { dir, clock, out, events, request, sign2, ctx, rebind };
}

describe('emergency consensus', () => {
  it('stops in emergency_pending when quorum is lost, then finalises with a valid 2-of-3 authorisation', async () => {
    const { dir, out, events, request, sign2, ctx } = await pendingRound();
    expect(out.status).toBe('emergency_pending');
    expect(events.find((e) => e.type === 'round.emergency_pending')).toMatchObject({ votes: 4 });
    const pendingChain = await verifyMinutes(dir);
    expect(pendingChain).toMatchObject({ ok: true, finalised: false, voteBlocks: 4 });
    await expect(readFile(join(dir, 'results.json'))).rejects.toThrow();

    expect(await loadRoundState(dir)).toMatchObject({ status: 'pending', round_id: '0009-r1' });
    const finalEvents: ConsensusEvent[] = [];
    const done = await finaliseWithAuthorisation(dir, sign2(request()), {
      ...ctx,
      onEvent: (e) => finalEvents.push(e),
    });
    expect(done.ok).toBe(true);
    if (!done.ok) return;
    expect(done.signers).toEqual(['alice', 'carol']);
    expect(done.results).toMatchObject({
      status: 'emergency_finalised',
      emergency: { reduced_quorum: 4, signers: ['alice', 'carol'] },
    });
    expect(done.results.proposals.every((p) => p.status === 'approved')).toBe(true);
    expect(finalEvents.map((e) => e.type)).toEqual(['round.emergency_authorised', 'round.finalised']);
    expect(finalEvents[0]).toMatchObject({ signers: ['alice', 'carol'], reduced_quorum: 4 });
    const report = await verifyMinutes(dir);
    expect(report).toMatchObject({ ok: true, finalised: true, tallyChecked: true });
    expect(await readFile(join(dir, 'results.md'), 'utf8')).toMatch(/Signed by: alice, carol/);
  });

  it('refuses a replayed authorisation', async () => {
    const { dir, out, request, sign2, ctx } = await pendingRound();
    const auth = sign2(request());
    expect((await finaliseWithAuthorisation(dir, auth, ctx)).ok).toBe(true);
    const again = await finaliseWithAuthorisation(dir, auth, ctx);
    expect(again.ok).toBe(false);
    expect(!again.ok && again.reason).toBe('not_pending');
    // editing the pending file back to "pending" does not help: the nonce store is outside the folder
    const { writeRoundState } = await import('../../src/consensus/round-state.js');
    await writeRoundState(dir, { ...out.state!, status: 'pending' });
    const replay = await finaliseWithAuthorisation(dir, auth, ctx);
    expect(!replay.ok && [replay.reason, replay.message]).toEqual([
      'replayed',
      expect.stringMatching(/already used/),
    ]);
  });

  it('refuses forged, expired, under-signed and wrong-round authorisations with a clear reason', async () => {
    const { dir, clock, request, sign2, events, ctx: base } = await pendingRound();
    const captured: ConsensusEvent[] = [];
    const ctx = { ...base, onEvent: (e: ConsensusEvent) => captured.push(e) };

    const req = request();
    const unknown = combineSignatures([
      signAuthorisation(req, alice.privateKey, 'alice'),
      signAuthorisation(req, mallory.privateKey, 'mallory'),
    ]);
    const impostor = combineSignatures([
      signAuthorisation(req, alice.privateKey, 'alice'),
      signAuthorisation(req, mallory.privateKey, 'bob'),
    ]);
    const tamperedQuorum = { ...sign2(req), reduced_quorum: 1 };
    const expired = sign2(request({ expires_at: new Date(clock.wallNow() - 1).toISOString() }));
    const oneSigner = signAuthorisation(req, alice.privateKey, 'alice');
    const sameSignerTwice = { ...oneSigner, signatures: [...oneSigner.signatures, ...oneSigner.signatures] };
    const wrongRound = sign2(request({ round_id: '0009-r0' }));
    if (!unknown.ok || !impostor.ok) throw new Error('combine failed');

    const cases: Array<[string, unknown]> = [
      ['forged', unknown.value],
      ['forged', impostor.value],
      ['forged', tamperedQuorum],
      ['expired', expired],
      ['under_signed', oneSigner],
      ['under_signed', sameSignerTwice],
      ['wrong_round', wrongRound],
    ];
    for (const [reason, auth] of cases) {
      const r = await finaliseWithAuthorisation(dir, auth as typeof oneSigner, ctx);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.reason).toBe(reason);
      expect(!r.ok && r.message.length).toBeGreaterThan(10);
    }
    expect(captured.filter((e) => e.type === 'round.emergency_refused')).toHaveLength(cases.length);
    expect(events.some((e) => e.type === 'round.finalised')).toBe(false);
    // after all the refusals, the round is still pending and a valid authorisation still works
    expect((await finaliseWithAuthorisation(dir, sign2(request()), ctx)).ok).toBe(true);
  });

  it('takes k from the operator set: a lower minSigners is refused, a lowered pending file does not help', async () => {
    const { dir, out, request, sign2, ctx, rebind } = await pendingRound();
    const one = signAuthorisation(request(), alice.privateKey, 'alice');
    const lower = await finaliseWithAuthorisation(dir, one, { ...ctx, minSigners: 1 });
    expect(!lower.ok && [lower.reason, lower.message]).toEqual([
      'invalid',
      expect.stringMatching(/below the operator set's 2: k can only be raised/),
    ]);
    const { writeRoundState } = await import('../../src/consensus/round-state.js');
    await writeRoundState(dir, { ...out.state!, emergency: { threshold: 1, operator_keys: [] } });
    const edited = await finaliseWithAuthorisation(dir, one, ctx);
    expect(!edited.ok && edited.reason).toBe('under_signed');
    const raised = await finaliseWithAuthorisation(dir, sign2(request()), { ...ctx, minSigners: 3 });
    expect(!raised.ok && raised.reason).toBe('under_signed');
    // the edit changed the minutes the request bound: refused until the operators sign the new state
    const stale = await finaliseWithAuthorisation(dir, sign2(request()), ctx);
    expect(!stale.ok && [stale.reason, stale.message]).toEqual([
      'tampered',
      expect.stringMatching(/the minutes changed since the request was made/),
    ]);
    await rebind();
    expect((await finaliseWithAuthorisation(dir, sign2(request()), ctx)).ok).toBe(true);
  });

  it('binds the minutes: an edited rule or vote chain is refused, an unbound (v1) request too', async () => {
    const { dir, out, request, sign2, ctx } = await pendingRound();
    const unbound = sign2(request({ minutes_sha256: undefined }));
    const { minutes_sha256: _drop, ...v1 } = unbound;
    const r1 = await finaliseWithAuthorisation(dir, v1, ctx);
    expect(!r1.ok && [r1.reason, r1.message]).toEqual([
      'invalid',
      expect.stringMatching(/does not bind the minutes/),
    ]);
    const { writeRoundState } = await import('../../src/consensus/round-state.js');
    const lowered = { ...out.state!.rules, thresholds: { ...out.state!.rules.thresholds, standard: 1 } };
    await writeRoundState(dir, { ...out.state!, rules: lowered });
    const r2 = await finaliseWithAuthorisation(dir, sign2(request()), ctx);
    expect(!r2.ok && r2.reason).toBe('tampered');
    expect(canonicalAuthorisationMessage(request())).toMatch(
      /^hive-resilience\/emergency-consensus\/v2\n[\s\S]*\nminutes_sha256=[0-9a-f]{64}$/,
    );
  });

  it('a file store outside the folder: locked during a finalisation, records the nonce and the round', async () => {
    const { dir, request, sign2, ctx } = await pendingRound();
    const state = await tempDir();
    cleanups.push(state.cleanup);
    const store = new FileNonceStore(join(state.dir, 'state'));
    const release = await store.lock();
    const busy = await finaliseWithAuthorisation(dir, sign2(request()), { ...ctx, nonceStore: store });
    expect(!busy.ok && [busy.reason, busy.message]).toEqual([
      'invalid',
      expect.stringMatching(
        new RegExp(
          `emergency-nonces\\.json\\.lock is held by pid ${process.pid} on .* another authorisation is running`,
        ),
      ),
    ]);
    await release();
    const auth = sign2(request());
    expect((await finaliseWithAuthorisation(dir, auth, { ...ctx, nonceStore: store })).ok).toBe(true);
    expect(await readdir(join(state.dir, 'state'))).toEqual(['emergency-nonces.json']);
    expect(await store.has(auth.nonce)).toBe(true);
    expect(await store.hasRound('0009-r1')).toBe(true);
    await writeFile(store.path, 'not json');
    await expect(store.has('x')).rejects.toThrow(/emergency-nonces\.json: not JSON/);
  });

  it('refuses a reduced quorum above the votes filed', async () => {
    const { dir, request, sign2, ctx } = await pendingRound();
    const r = await finaliseWithAuthorisation(dir, sign2(request({ reduced_quorum: 5 })), ctx);
    expect(!r.ok && r.reason).toBe('insufficient_votes');
  });

  it('combines only signatures over the same request, and signs a stable canonical message', () => {
    const req = createAuthorisationRequest('r', 3, '2030-01-01T00:00:00.000Z', 'nonce-123456');
    expect(canonicalAuthorisationMessage(req)).toBe(
      'hive-resilience/emergency-consensus/v1\nround_id=r\nreduced_quorum=3\nexpires_at=2030-01-01T00:00:00.000Z\nnonce=nonce-123456',
    );
    const other = { ...req, nonce: 'other-nonce-1' };
    const c = combineSignatures([
      signAuthorisation(req, alice.privateKey, 'alice'),
      signAuthorisation(other, bob.privateKey, 'bob'),
    ]);
    expect(!c.ok && c.errors[0]).toMatch(/parts\[1\]: signs a different request/);
  });
});
