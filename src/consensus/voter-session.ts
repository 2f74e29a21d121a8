/**
 * Asking one voter for its vote: up to `maxAttempts` attempts inside one deadline. A malformed or
 * off-task answer is retried and reported to the backend's quality hook; a deadline ends the session
 * `timed_out` whether or not the backend honours the abort signal.
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';
import { failure, isRetryable, type Outcome } from '../core/outcome.js';
import type { ChatMessage } from '../providers/types.js';
import { readBallotAnswer } from './ballot.js';
import type { Proposal } from './proposal.js';
import type { VoterFailure } from './results-format.js';
import type { VoteWeight } from './vote-file.js';

/** Asks models for their votes. The engine engineer implements it over the fallback engine. */
export interface VoteBackend {
  /** Sends the ballot to `modelId`; resolves with the model's raw answer text. Should honour `signal`. */
  ask(modelId: string, messages: ChatMessage[], signal: AbortSignal): Promise<Outcome<string>>;
  /** Told whether an answer was a valid vote (`false` for malformed or off-task), for health/accuracy. */
  reportQuality?(modelId: string, ok: boolean): void;
}

/** How a session ended. */
export type SessionResult =
  | {
      readonly status: 'voted';
      readonly attempts: number;
      readonly weights: VoteWeight[];
      readonly atWallMs: number;
    }
  | { readonly status: VoterFailure; readonly attempts: number; readonly detail: string };

/** Inputs of {@link askVoter}. */
export interface VoterSessionOptions {
  readonly modelId: string;
  readonly messages: ChatMessage[];
  readonly proposals: readonly Proposal[];
  readonly backend: VoteBackend;
  readonly clock: Clock;
  readonly deadlineMs: number;
  readonly maxAttempts: number;
  /** Aborts the session early (round deadline). */
  readonly roundSignal: AbortSignal;
  /** Called before each attempt (1-based). */
  readonly onAttempt?: (attempt: number) => void;
}

function describeError(error: unknown): string {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : 'error';
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** Runs one voter's session. Never throws. */
export async function askVoter(o: VoterSessionOptions): Promise<SessionResult> {
  const controller = new AbortController();
  let expired = false;
  let resolveDeadline!: (v: 'deadline') => void;
  const deadline = new Promise<'deadline'>((resolve) => {
    resolveDeadline = resolve;
  });
  const expire = () => {
    if (expired) return;
    expired = true;
    controller.abort(new Error('voter deadline reached'));
    resolveDeadline('deadline');
  };
  const timer = o.clock.setTimer(expire, Math.max(0, o.deadlineMs));
  if (o.roundSignal.aborted) expire();
  else o.roundSignal.addEventListener('abort', expire, { once: true });

  let attempts = 0;
  let last: SessionResult = { status: 'failed', attempts: 0, detail: 'not asked' };
  try {
    while (attempts < o.maxAttempts && !expired) {
      attempts++;
      o.onAttempt?.(attempts);
      let asked: Promise<Outcome<string>>;
      try {
        asked = o.backend.ask(o.modelId, o.messages, controller.signal);
      } catch (error) {
        asked = Promise.resolve(failure('transient', error));
      }
      const outcome = await Promise.race([
        asked.catch((error: unknown) => failure('transient', error)),
        deadline,
      ]);
      if (outcome === 'deadline' || expired) {
        return { status: 'timed_out', attempts, detail: `no valid vote within ${o.deadlineMs} ms` };
      }
      if (!outcome.ok) {
        const status: VoterFailure = outcome.kind === 'timeout' ? 'timed_out' : 'failed';
        last = { status, attempts, detail: `${outcome.kind}: ${describeError(outcome.error)}` };
        if (!isRetryable(outcome.kind)) break;
        continue;
      }
      const verdict = readBallotAnswer(outcome.value, o.proposals);
      o.backend.reportQuality?.(o.modelId, verdict.ok);
      if (verdict.ok)
        return { status: 'voted', attempts, weights: verdict.weights, atWallMs: o.clock.wallNow() };
      last = {
        status: 'malformed',
        attempts,
        detail: `${verdict.reason}: ${verdict.errors.slice(0, 3).join('; ')}`,
      };
    }
    if (expired && last.status !== 'malformed') {
      return { status: 'timed_out', attempts, detail: `no valid vote within ${o.deadlineMs} ms` };
    }
    return last;
  } finally {
    o.clock.clearTimer(timer);
    o.roundSignal.removeEventListener('abort', expire);
  }
}
