/**
 * A deterministic in-process model for the embedded default config, demos and tests. It exists only
 * when a config says `provider: simulated`; it never stands in silently for a real provider.
 * @packageDocumentation
 */

import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import { type Failure, type FailureKind, failure, type Outcome, success } from '../core/outcome.js';
import { type ClassifyContext, classifySignalAbort } from './classify.js';
import {
  type EmbeddingCallOptions,
  type EmbeddingRequest,
  type EmbeddingResponse,
  simulatedEmbeddings,
} from './embeddings.js';
import { ProviderError } from './provider-error.js';
import { SimulatedStream } from './simulated-stream.js';
import type {
  ChatCompletion,
  ChatMessage,
  ChatRequest,
  Provider,
  ProviderCallOptions,
  ProviderStream,
} from './types.js';

/** One scripted call: succeed, or fail with a kind (optionally mid-stream after `afterChunks`). */
export type SimulatedStep =
  | 'success'
  | FailureKind
  | {
      readonly kind: 'success' | FailureKind;
      readonly retryAfterMs?: number;
      readonly reason?: string;
      /** Streaming only: fail with an `error` event after this many content chunks. */
      readonly afterChunks?: number;
      /** Answer for this call (overrides the provider's answer). */
      readonly answer?: string;
    };

/** Options for {@link SimulatedProvider}. All delays use the injected clock. */
export interface SimulatedProviderOptions {
  /** A label for errors (default `simulated`). */
  readonly name?: string;
  /** Delay before a non-streaming answer, ms (default 0). */
  readonly latencyMs?: number;
  /** Delay before the first streamed content chunk, ms (default `latencyMs`). */
  readonly ttftMs?: number;
  /** Content chunks per streamed answer (default 4; fewer when the answer is shorter). */
  readonly chunkCount?: number;
  /** Delay between streamed chunks, ms (default 0). */
  readonly chunkIntervalMs?: number;
  /** The fixed answer (default `"OK"`). */
  readonly answer?: string;
  /** Answer with the last user message instead of `answer`. */
  readonly echo?: boolean;
  /** Canned answers: when the last user message equals a key (trimmed), the value is the answer. */
  readonly canaryAnswers?: Readonly<Record<string, string>>;
  /** Probability in [0, 1] that a call fails (seeded PRNG, so runs repeat exactly). */
  readonly failureRate?: number;
  /** Seed for `failureRate` (default 1). */
  readonly seed?: number;
  /** Every n-th call fails (n ≥ 1). */
  readonly failEveryNth?: number;
  /** Kind of the failures from `failureRate` / `failEveryNth` (default `transient`). */
  readonly failureKind?: FailureKind;
  /** Outcomes of the first calls, in order; later calls follow the other rules. */
  readonly script?: ReadonlyArray<SimulatedStep>;
  /** Clock for the delays (default: system clock; use `FakeClock` in tests). */
  readonly clock?: Clock;
}

/** A small seeded PRNG (mulberry32): deterministic numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** @internal The plan for one call. */
export interface Plan {
  readonly kind: 'success' | FailureKind;
  readonly retryAfterMs?: number;
  readonly reason?: string;
  readonly afterChunks?: number;
  readonly answer?: string;
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (content === null) return '';
  return content.map((p) => (typeof p['text'] === 'string' ? p['text'] : '')).join('');
}

/** Splits `text` into at most `count` non-empty pieces of near-equal length. */
export function splitAnswer(text: string, count: number): string[] {
  const n = Math.max(1, Math.min(count, text.length));
  const size = Math.ceil(text.length / n);
  const parts: string[] = [];
  for (let i = 0; i < text.length; i += size) parts.push(text.slice(i, i + size));
  return parts.length > 0 ? parts : [''];
}

/** A deterministic simulated model. */
export class SimulatedProvider implements Provider {
  /** Always `simulated`. */
  readonly kind = 'simulated';
  private readonly clock: Clock;
  private readonly random: () => number;
  private calls = 0;
  private idSeq = 0;

  constructor(private readonly options: SimulatedProviderOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.random = seededRandom(options.seed ?? 1);
    const rate = options.failureRate;
    if (rate !== undefined && !(rate >= 0 && rate <= 1)) {
      throw new RangeError(`simulated.failureRate: expected a number from 0 to 1, got ${rate}`);
    }
    const nth = options.failEveryNth;
    if (nth !== undefined && !(Number.isInteger(nth) && nth >= 1)) {
      throw new RangeError(`simulated.failEveryNth: expected an integer ≥ 1, got ${nth}`);
    }
  }

  /** How many calls (complete + stream) were made. */
  get callCount(): number {
    return this.calls;
  }

  private ctx(model?: string): ClassifyContext {
    return { provider: this.options.name ?? 'simulated', model };
  }

  private plan(): Plan {
    const index = this.calls++;
    const step = this.options.script?.[index];
    if (step !== undefined) return typeof step === 'string' ? { kind: step } : step;
    const kind = this.options.failureKind ?? 'transient';
    const nth = this.options.failEveryNth;
    if (nth !== undefined && (index + 1) % nth === 0) return { kind };
    const rate = this.options.failureRate;
    if (rate !== undefined && rate > 0 && this.random() < rate) return { kind };
    return { kind: 'success' };
  }

  private fail(plan: Plan, ctx: ClassifyContext): Failure {
    const error = new ProviderError({
      kind: plan.kind as FailureKind,
      provider: ctx.provider,
      model: ctx.model,
      code: 'simulated',
      detail: `simulated ${plan.kind} failure`,
    });
    return failure(plan.kind as FailureKind, error, plan.retryAfterMs, plan.reason);
  }

  private answerFor(request: ChatRequest, plan: Plan): string {
    if (plan.answer !== undefined) return plan.answer;
    let last = '';
    for (let i = request.messages.length - 1; i >= 0; i--) {
      const m = request.messages[i]!;
      if (m.role === 'user') {
        last = textOf(m.content);
        break;
      }
    }
    const canary = this.options.canaryAnswers?.[last.trim()];
    if (canary !== undefined) return canary;
    return this.options.echo ? last : (this.options.answer ?? 'OK');
  }

  /** Waits `ms` on the clock; resolves `false` when the signal aborted first. */
  private sleep(ms: number, signal?: AbortSignal, onTimer?: (cancel: () => void) => void): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      let handle: TimerHandle;
      const onAbort = (): void => {
        this.clock.clearTimer(handle);
        resolve(false);
      };
      // Awaited by the call: the timer keeps the process alive (a script's simulated call completes).
      handle = this.clock.setTimer(
        () => {
          signal?.removeEventListener('abort', onAbort);
          resolve(true);
        },
        ms,
        true,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      onTimer?.(() => {
        signal?.removeEventListener('abort', onAbort);
        onAbort();
      });
    });
  }

  /** Answers after `latencyMs`, or fails as planned. */
  async complete(request: ChatRequest, options?: ProviderCallOptions): Promise<Outcome<ChatCompletion>> {
    const ctx = this.ctx(request.model);
    const plan = this.plan();
    if (!(await this.sleep(this.options.latencyMs ?? 0, options?.signal))) {
      return classifySignalAbort(options!.signal!, ctx);
    }
    if (plan.kind !== 'success' && plan.afterChunks === undefined) return this.fail(plan, ctx);
    const content = this.answerFor(request, plan);
    return success({
      id: `sim-${++this.idSeq}`,
      object: 'chat.completion',
      created: Math.floor(this.clock.wallNow() / 1000),
      model: request.model,
      choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
      usage: usageFor(request, content),
    });
  }

  /** Embeddings: deterministic unit vectors of `options.dimensions` (default 8), or the planned failure. */
  async embed(
    request: EmbeddingRequest,
    options?: ProviderCallOptions & EmbeddingCallOptions,
  ): Promise<Outcome<EmbeddingResponse>> {
    const ctx = this.ctx(request.model);
    const plan = this.plan();
    if (!(await this.sleep(this.options.latencyMs ?? 0, options?.signal))) {
      return classifySignalAbort(options!.signal!, ctx);
    }
    if (plan.kind !== 'success') return this.fail(plan, ctx);
    return success(simulatedEmbeddings(request, options?.dimensions ?? 8));
  }

  /** Opens a stream that emits the answer in chunks; a planned failure before any chunk fails the open. */
  async stream(request: ChatRequest, options?: ProviderCallOptions): Promise<Outcome<ProviderStream>> {
    const ctx = this.ctx(request.model);
    const plan = this.plan();
    if (options?.signal?.aborted) return classifySignalAbort(options.signal, ctx);
    if (plan.kind !== 'success' && !plan.afterChunks) {
      if (!(await this.sleep(this.options.ttftMs ?? this.options.latencyMs ?? 0, options?.signal))) {
        return classifySignalAbort(options!.signal!, ctx);
      }
      return this.fail(plan, ctx);
    }
    return success(new SimulatedStream(this, request, plan, ctx, options, ++this.idSeq));
  }

  /** @internal Used by the stream. */
  streamPlan(request: ChatRequest, plan: Plan) {
    const o = this.options;
    return {
      pieces: splitAnswer(this.answerFor(request, plan), o.chunkCount ?? 4),
      ttftMs: o.ttftMs ?? o.latencyMs ?? 0,
      intervalMs: o.chunkIntervalMs ?? 0,
      created: Math.floor(this.clock.wallNow() / 1000),
      failure: plan.kind === 'success' ? undefined : plan,
      sleep: this.sleep.bind(this),
      fail: (p: Plan, ctx: ClassifyContext) => this.fail(p, ctx),
    };
  }

  /** Always succeeds (after no delay) unless the signal is aborted. */
  async ping(options?: ProviderCallOptions): Promise<Outcome<void>> {
    if (options?.signal?.aborted) return classifySignalAbort(options.signal, this.ctx());
    return success(undefined);
  }

  /** Nothing to release. */
  async close(): Promise<void> {}
}

function usageFor(request: ChatRequest, content: string) {
  const prompt = Math.ceil(request.messages.reduce((n, m) => n + textOf(m.content).length, 0) / 4);
  const completion = Math.ceil(content.length / 4);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}
