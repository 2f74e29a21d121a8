/**
 * A fake {@link GatewayBackend} for gateway tests: canned completions and streams, scripted failures, and a
 * record of every engine request.
 */
import { EventEmitter } from '../../src/core/event-emitter.js';
import type { FailureKind } from '../../src/core/outcome.js';
import type { AttemptRecord, EngineEvent } from '../../src/engine/events.js';
import type { EngineFailure, EngineRequest, EngineResult, EngineStream } from '../../src/engine/types.js';
import type { ChatCompletion, ChatCompletionChunk, StreamEvent } from '../../src/providers/types.js';
import type {
  BreakerInfo,
  BreakerStateName,
  GatewayBackend,
  HealthHistoryEntry,
  ModelHealthInfo,
  ModelInfo,
  ReloadResult,
  TargetKind,
} from '../../src/server/backend.js';

export function completion(model: string, content: string): ChatCompletion {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
  };
}

export function chunk(model: string, content: string, finish: string | null = null): ChatCompletionChunk {
  return {
    id: 'chatcmpl-fake',
    object: 'chat.completion.chunk',
    created: 1_700_000_000,
    model,
    choices: [{ index: 0, delta: finish ? {} : { content }, finish_reason: finish }],
  };
}

export function attempt(
  model: string,
  kind: AttemptRecord['kind'] = 'success',
  note = 'served',
): AttemptRecord {
  return { model, kind, latencyMs: 5, retries: 0, note };
}

export function engineFailure(
  kind: FailureKind,
  attempts: AttemptRecord[],
  options: { code?: EngineFailure['code']; message?: string; retryAfterMs?: number } = {},
): EngineFailure {
  return {
    ok: false,
    failure: {
      ok: false,
      kind,
      error: new Error('upstream said no'),
      ...(options.retryAfterMs ? { retryAfterMs: options.retryAfterMs } : {}),
    },
    requestId: 'r',
    attempts,
    message: options.message ?? 'Every candidate failed',
    ...(options.code ? { code: options.code } : {}),
  };
}

/** A scripted engine stream; `delays[i]` ms are waited before event i (real time, tiny). */
export class FakeStream implements EngineStream {
  closed = false;
  private wake: (() => void) | undefined;
  constructor(
    private readonly events: StreamEvent[],
    readonly model: string,
    readonly attempts: AttemptRecord[],
    readonly fallback: boolean,
    readonly requestId: string,
    private readonly hangAfter = Number.POSITIVE_INFINITY,
  ) {}
  close(): void {
    this.closed = true;
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    for (let i = 0; i < this.events.length; i++) {
      if (this.closed) return;
      if (i >= this.hangAfter) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        return;
      }
      yield this.events[i]!;
    }
  }
}

const MODELS: ModelInfo[] = [
  {
    id: 'gpt-a',
    aliases: ['fast'],
    provider: 'openai',
    providerName: 'api.openai.example',
    capabilities: ['tools', 'json', 'streaming'],
    contextWindow: 128_000,
    tier: 'general',
    health: { status: 'healthy', score: 0.98 },
    breaker: 'closed',
  },
  {
    id: 'claude-b',
    aliases: [],
    provider: 'anthropic',
    providerName: 'anthropic',
    capabilities: ['streaming'],
    contextWindow: 200_000,
    tier: 'collaborator',
    health: { status: 'degraded', score: 0.6 },
    breaker: 'half_open',
  },
];

export class FakeBackend implements GatewayBackend {
  readonly requests: EngineRequest[] = [];
  readonly emitter = new EventEmitter<EngineEvent>();
  readonly events = { on: (l: (e: EngineEvent) => void) => this.emitter.on(l) };
  models: ModelInfo[] = MODELS.map((m) => ({ ...m }));
  isReady = true;
  reloadResult: ReloadResult = { ok: true, models: 2 };
  breakerStates = new Map<string, BreakerStateName>([
    ['gpt-a', 'closed'],
    ['claude-b', 'half_open'],
  ]);
  lastStream: FakeStream | undefined;
  /** Override to script completions. */
  onComplete: (req: EngineRequest) => Promise<EngineResult<ChatCompletion>> = async (req) => {
    const model = this.canonical(req.target);
    return {
      ok: true,
      value: completion(model, `hello from ${model}`),
      requestId: req.requestId ?? 'r',
      model,
      attempts: [attempt(model)],
      fallback: false,
    };
  };
  /** Override to script streams. */
  onStream: (req: EngineRequest) => Promise<EngineResult<EngineStream>> = async (req) => {
    const model = this.canonical(req.target);
    const s = new FakeStream(
      [
        { type: 'chunk', chunk: chunk(model, 'Hel') },
        { type: 'chunk', chunk: chunk(model, 'lo') },
        { type: 'chunk', chunk: chunk(model, '', 'stop') },
        { type: 'done' },
      ],
      model,
      [attempt(model)],
      false,
      req.requestId ?? 'r',
    );
    this.lastStream = s;
    return { ok: true, value: s, requestId: s.requestId, model, attempts: s.attempts, fallback: false };
  };

  readonly engine = {
    complete: (req: EngineRequest) => {
      this.requests.push(req);
      return this.onComplete(req);
    },
    stream: (req: EngineRequest) => {
      this.requests.push(req);
      return this.onStream(req);
    },
  };

  canonical(target: string): string {
    return this.models.find((m) => m.id === target || m.aliases.includes(target))?.id ?? 'gpt-a';
  }

  listModels(): ModelInfo[] {
    return this.models;
  }

  resolveTarget(name: string): TargetKind | undefined {
    if (this.models.some((m) => m.id === name || m.aliases.includes(name))) return 'model';
    if (name === 'main-chain') return 'chain';
    if (name === 'tools-route') return 'route';
    return undefined;
  }

  readonly breakers = {
    list: (): BreakerInfo[] =>
      [...this.breakerStates].map(([model, state]) => ({
        model,
        state,
        failures: 0,
        openedAt: null,
        nextProbeAt: null,
      })),
    isolate: (model: string) => this.setBreaker(model, 'isolated'),
    release: (model: string) => this.setBreaker(model, 'closed'),
    close: (model: string) => this.setBreaker(model, 'closed'),
  };

  private setBreaker(model: string, state: BreakerStateName): boolean {
    if (!this.breakerStates.has(model)) return false;
    this.breakerStates.set(model, state);
    return true;
  }

  readonly health = {
    snapshot: (): ModelHealthInfo[] => this.models.map((m) => this.healthOf(m)),
    get: (model: string): ModelHealthInfo | undefined => {
      const m = this.models.find((x) => x.id === model);
      return m ? this.healthOf(m) : undefined;
    },
    history: (model: string): HealthHistoryEntry[] =>
      model === 'claude-b' ? [{ at: 1, status: 'degraded', score: 0.6, reason: 'error rate 20%' }] : [],
  };

  private healthOf(m: ModelInfo): ModelHealthInfo {
    return {
      model: m.id,
      status: m.health.status,
      score: m.health.score,
      successRate: 0.9,
      latencyP50Ms: 100,
      latencyP95Ms: 300,
      ttftP50Ms: 40,
      ttftP95Ms: 90,
      errorRate: 0.1,
      availability: 0.9,
      accuracy: 1,
      requestsPerSecond: 2.5,
      consecutiveFailures: 0,
      lastFailureKind: null,
      updatedAt: 1,
    };
  }

  async reload(): Promise<ReloadResult> {
    return this.reloadResult;
  }

  ready(): boolean {
    return this.isReady;
  }
}

/** A minimal in-memory audit log with the `src/audit` AuditLog shape. */
export class FakeAudit {
  readonly records: Array<{
    seq: number;
    type: string;
    actor: string;
    reason: string;
    data: Record<string, unknown>;
  }> = [];
  append(input: {
    type: string;
    actor: string;
    reason: string;
    data?: Readonly<Record<string, unknown>>;
  }): void {
    this.records.push({
      seq: this.records.length + 1,
      type: input.type,
      actor: input.actor,
      reason: input.reason,
      data: { ...(input.data ?? {}) },
    });
  }
  query(filter: { type?: string; actor?: string; sinceSeq?: number; limit?: number } = {}) {
    if (filter.limit !== undefined && (filter.limit < 1 || filter.limit > 10_000))
      throw new RangeError('audit query "limit" must be an integer in 1..10000');
    return this.records
      .filter(
        (r) =>
          (filter.type === undefined || r.type === filter.type) &&
          (filter.actor === undefined || r.actor === filter.actor) &&
          r.seq > (filter.sinceSeq ?? 0),
      )
      .slice(0, filter.limit ?? 100);
  }
  verify() {
    return { ok: true, records: this.records.length, defects: [] };
  }
}
