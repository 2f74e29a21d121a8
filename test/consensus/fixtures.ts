import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Proposal } from '../../src/consensus/proposal.js';
import type { VoterSpec } from '../../src/consensus/round-options.js';
import type { VoteBackend } from '../../src/consensus/voter-session.js';
import type { Clock } from '../../src/core/clock.js';
import { failure, type Outcome, success } from '../../src/core/outcome.js';
import type { FakeClock } from '../../src/core/testing/fake-clock.js';

export const PROPOSALS: Proposal[] = [
  { id: '056', title: 'Resilience framework', category: 'infrastructure', summary: 'Add breakers.' },
  { id: '028', title: 'Governance change', category: 'governance-critical' },
  { id: '012', title: 'Docs refresh', category: 'standard' },
];

/** How a fake model behaves on each attempt (the last entry repeats). */
export type Behaviour =
  | { kind: 'vote'; weight?: number; veto?: boolean }
  | { kind: 'error' }
  | { kind: 'timeout_outcome' }
  | { kind: 'malformed' }
  | { kind: 'off_task' }
  | { kind: 'hang' }
  | { kind: 'slow'; delayMs: number };

export function voteAnswer(model: string, weight = 8, veto = false): string {
  const weights = PROPOSALS.map((p) => ({
    proposal_id: `P${p.id}`,
    weight: veto ? 1 : weight,
    comment: `${model} on ${p.id}`,
    ...(veto ? { veto: 'unsafe' } : {}),
  }));
  return `<think>let me weigh</think>Here is my vote:\n\`\`\`json\n${JSON.stringify({ minute_id: '0005', model, timestamp: 'x', weights })}\n\`\`\``;
}

/** A scripted backend. Unscripted models vote 8 on everything. */
export class FakeBackend implements VoteBackend {
  readonly calls = new Map<string, number>();
  readonly quality: Array<[string, boolean]> = [];
  constructor(
    private readonly clock: Clock,
    private readonly script: Record<string, Behaviour[]> = {},
  ) {}

  async ask(modelId: string, _messages: unknown, signal: AbortSignal): Promise<Outcome<string>> {
    const n = this.calls.get(modelId) ?? 0;
    this.calls.set(modelId, n + 1);
    const plan = this.script[modelId] ?? [{ kind: 'vote' }];
    const b = plan[Math.min(n, plan.length - 1)]!;
    switch (b.kind) {
      case 'vote':
        return success(voteAnswer(modelId, b.weight, b.veto));
      case 'error':
        return failure('transient', new Error('upstream 500'));
      case 'timeout_outcome':
        return failure('timeout', new Error('upstream timeout'));
      case 'malformed':
        return success('{"weights": [{"proposal_id": "056", "weight": 11, "comment": "too high"}]}');
      case 'off_task':
        return success('I would rather talk about the weather today.');
      case 'hang':
        return new Promise((resolve) => {
          signal.addEventListener('abort', () => resolve(failure('aborted', new Error('aborted'))), {
            once: true,
          });
        });
      case 'slow':
        // ignores the signal on purpose: the round must still end at the deadline
        return new Promise((resolve) =>
          this.clock.setTimer(() => resolve(success(voteAnswer(modelId))), b.delayMs),
        );
    }
  }

  reportQuality(modelId: string, ok: boolean): void {
    this.quality.push([modelId, ok]);
  }
}

export function generals(n: number, prefix = 'g'): VoterSpec[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i + 1}`,
    tier: 'general',
    capabilities: ['voting'],
  }));
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hive-consensus-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Drives a FakeClock until `promise` settles (lets real file I/O run between steps). */
export async function drive<T>(clock: FakeClock, promise: Promise<T>, stepMs = 25): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  for (let i = 0; i < 100_000 && !settled; i++) {
    await new Promise((r) => setImmediate(r));
    if (!settled) await clock.advance(stepMs);
  }
  return tracked;
}
