/**
 * Consensus benchmarks (not timed tests): a 36-voter round where 30 % of voters fail or time out, with
 * its wall time against the per-voter deadline; and `verifyMinutes` of a 36-vote folder (target < 100 ms).
 * Run by bench/run.ts, or alone: `npx tsx bench/consensus.ts`.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  makeRules,
  type Proposal,
  runRound,
  type VoteBackend,
  type VoterSpec,
  verifyMinutes,
} from '../src/consensus/index.js';
import { failure, type Outcome, success } from '../src/core/outcome.js';

const PER_VOTER_DEADLINE_MS = 200;
const VOTERS = 36;
const PROPOSALS: Proposal[] = Array.from({ length: 12 }, (_, i) => ({
  id: String(i + 1).padStart(3, '0'),
  title: `Proposal ${i + 1}`,
  category: i % 3 === 0 ? 'governance-critical' : i % 3 === 1 ? 'infrastructure' : 'standard',
}));

function answer(model: string): string {
  const weights = PROPOSALS.map((p, i) => ({
    proposal_id: p.id,
    weight: 1 + ((i + model.length) % 10),
    comment: 'ok',
  }));
  return `\`\`\`json\n${JSON.stringify({ minute_id: '0036', model, timestamp: '', weights })}\n\`\`\``;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<boolean>((resolve) => {
    const t = setTimeout(() => resolve(true), ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve(false);
      },
      { once: true },
    );
  });

/** 30 % of voters misbehave: hang (time out), answer too late, fail with a 500, or answer malformed JSON. */
class BenchBackend implements VoteBackend {
  async ask(modelId: string, _m: unknown, signal: AbortSignal): Promise<Outcome<string>> {
    const n = Number(modelId.slice(1));
    const mode = n % 10; // voters 1,2,3 of every 10 misbehave → 30 %
    if (mode === 1)
      return (await sleep(60_000, signal)) ? success(answer(modelId)) : failure('aborted', 'deadline');
    if (mode === 2)
      return (await sleep(PER_VOTER_DEADLINE_MS * 2, signal))
        ? success(answer(modelId))
        : failure('aborted', 'late');
    if (mode === 3) {
      await sleep(20, signal);
      return n % 20 === 3
        ? failure('transient', new Error('upstream 500'))
        : success('{"weights": [{"proposal_id": 1}]}');
    }
    await sleep(10 + (n % 7) * 10, signal);
    return success(answer(modelId));
  }
}

const voters: VoterSpec[] = Array.from({ length: VOTERS }, (_, i) => ({
  id: `v${i + 1}`,
  tier: 'general',
  capabilities: ['voting'],
}));
const substitutes: VoterSpec[] = Array.from({ length: 12 }, (_, i) => ({
  id: `s${i + 10}`,
  tier: 'general',
  capabilities: ['voting'],
}));

async function timeRound(
  dir: string,
  substitution: boolean,
): Promise<{ ms: number; statuses: Record<string, number> }> {
  const start = performance.now();
  const out = await runRound({
    minutesDir: dir,
    minuteId: '0036',
    proposals: PROPOSALS,
    voters,
    substitutes,
    rules: makeRules({
      allowSubstitution: substitution,
      quorum: { minVotes: 5, minGeneralFraction: 0.6, mode: 'all' },
    }),
    backend: new BenchBackend(),
    deadlineMs: PER_VOTER_DEADLINE_MS * 2,
    perVoterDeadlineMs: PER_VOTER_DEADLINE_MS,
    maxAttempts: 2,
  });
  const ms = performance.now() - start;
  const statuses: Record<string, number> = {};
  for (const v of out.voters)
    statuses[`${v.role}:${v.status}`] = (statuses[`${v.role}:${v.status}`] ?? 0) + 1;
  return { ms, statuses };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs the consensus benchmarks and prints their figures. */
export async function run(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'hive-bench-consensus-'));
  try {
    for (const substitution of [false, true]) {
      const times: number[] = [];
      let statuses: Record<string, number> = {};
      for (let i = 0; i < 5; i++) {
        const r = await timeRound(join(root, `round-${substitution}-${i}`), substitution);
        times.push(r.ms);
        statuses = r.statuses;
      }
      const m = median(times);
      console.log(
        `round of ${VOTERS} voters, 30 % failing, substitution ${substitution ? 'on ' : 'off'}: median ${m.toFixed(1)} ms ` +
          `over 5 runs = ${(m / PER_VOTER_DEADLINE_MS).toFixed(2)} × the ${PER_VOTER_DEADLINE_MS} ms per-voter deadline ` +
          `(sequential would be ~${VOTERS} ×); statuses ${JSON.stringify(statuses)}`,
      );
    }
    const full = join(root, 'full');
    await runRound({
      minutesDir: full,
      minuteId: '0036',
      proposals: PROPOSALS,
      voters,
      rules: makeRules(),
      backend: { ask: async (id) => success(answer(id)) },
      deadlineMs: 5_000,
      perVoterDeadlineMs: 5_000,
      maxAttempts: 1,
    });
    const first = await verifyMinutes(full);
    if (!first.ok || first.voteBlocks !== VOTERS) throw new Error('bench folder invalid');
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t = performance.now();
      await verifyMinutes(full);
      times.push(performance.now() - t);
    }
    const sorted = [...times].sort((a, b) => a - b);
    console.log(
      `verifyMinutes of a ${VOTERS}-vote folder (12 proposals, with re-tally): median ${median(times).toFixed(2)} ms, ` +
        `p95 ${sorted[Math.floor(sorted.length * 0.95)]!.toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(2)} ms (target < 100 ms)`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
}
