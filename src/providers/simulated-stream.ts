/**
 * The stream of a {@link SimulatedProvider}: chunks spaced on the provider's clock, honouring the
 * call's TTFT and idle limits, ending with exactly one `done` or `error` event.
 * @packageDocumentation
 */
import { abortedFailure, type ClassifyContext, classifySignalAbort, timeoutFailure } from './classify.js';
import type { Plan, SimulatedProvider } from './simulated.js';
import type {
  ChatCompletionChunk,
  ChatRequest,
  ProviderCallOptions,
  ProviderStream,
  StreamEvent,
} from './types.js';

/** @internal */
export class SimulatedStream implements ProviderStream {
  private closed = false;
  private cancel: (() => void) | undefined;

  constructor(
    private readonly provider: SimulatedProvider,
    private readonly request: ChatRequest,
    private readonly plan: Plan,
    private readonly ctx: ClassifyContext,
    private readonly options: ProviderCallOptions | undefined,
    private readonly seq: number,
  ) {}

  close(): void {
    this.closed = true;
    this.cancel?.();
  }

  private chunk(
    created: number,
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finish: string | null,
  ) {
    const chunk: ChatCompletionChunk = {
      id: `sim-${this.seq}`,
      object: 'chat.completion.chunk',
      created,
      model: this.request.model,
      choices: [{ index: 0, delta, finish_reason: finish }],
    };
    return { type: 'chunk', chunk } as const;
  }

  private async wait(
    ms: number,
    limit: number | undefined,
    sleep: SimulatedSleep,
  ): Promise<StreamEvent | undefined> {
    const signal = this.options?.signal;
    const timedOut = limit !== undefined && limit > 0 && ms > limit;
    const ok = await sleep(timedOut ? limit : ms, signal, (c) => {
      this.cancel = c;
    });
    this.cancel = undefined;
    if (this.closed) return { type: 'error', failure: abortedFailure(this.ctx, 'the stream was closed') };
    if (!ok) return { type: 'error', failure: classifySignalAbort(signal!, this.ctx) };
    if (timedOut) {
      return {
        type: 'error',
        failure: timeoutFailure(this.ctx, 'simulated_timeout', 'simulated stream stall'),
      };
    }
    return undefined;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    const p = this.provider.streamPlan(this.request, this.plan);
    yield this.chunk(p.created, { role: 'assistant', content: '' }, null);
    const ttftLimit = this.options?.ttftTimeoutMs;
    const idleLimit = this.options?.idleTimeoutMs;
    for (let i = 0; i < p.pieces.length; i++) {
      const stop = await this.wait(
        i === 0 ? p.ttftMs : p.intervalMs,
        i === 0 ? ttftLimit : idleLimit,
        p.sleep,
      );
      if (stop) {
        yield stop;
        return;
      }
      if (p.failure && i === p.failure.afterChunks) {
        yield { type: 'error', failure: p.fail(p.failure, this.ctx) };
        return;
      }
      yield this.chunk(p.created, { content: p.pieces[i]! }, null);
    }
    if (p.failure) {
      yield { type: 'error', failure: p.fail(p.failure, this.ctx) };
      return;
    }
    yield this.chunk(p.created, {}, 'stop');
    yield { type: 'done' };
  }
}

type SimulatedSleep = (
  ms: number,
  signal?: AbortSignal,
  onTimer?: (cancel: () => void) => void,
) => Promise<boolean>;
