import type { AlertLogger } from '../../src/alerts/types.js';
import type { EngineEvent, RequestCompletedEvent } from '../../src/engine/events.js';

export interface LogLine {
  level: string;
  obj: object;
  msg: string | undefined;
}

export function memoryLogger(): AlertLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, obj, msg });
  };
  return { lines, info: at('info'), warn: at('warn'), error: at('error') };
}

export const breaker = (model: string, from: string, to: string): EngineEvent => ({
  type: 'breaker.state_changed',
  model,
  from,
  to,
  reason: 'test',
  at: 0,
});

export const health = (
  model: string,
  from: 'healthy' | 'degraded' | 'failed',
  to: 'healthy' | 'degraded' | 'failed',
): EngineEvent => ({ type: 'health.status_changed', model, from, to, reason: 'test', at: 0 });

export function completed(model: string, outcome: RequestCompletedEvent['outcome']): RequestCompletedEvent {
  return {
    type: 'request.completed',
    requestId: 'r',
    target: model,
    model: outcome === 'success' ? model : undefined,
    outcome,
    attempts: 1,
    fallback: false,
    stream: false,
    latencyMs: 10,
    ttftMs: undefined,
    at: 0,
  };
}
