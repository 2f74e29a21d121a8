/**
 * Which engine events are resilience decisions worth an audit record, and how each is written.
 * Per-request noise (completions, scheduled retries, probes) stays in metrics and logs.
 * @packageDocumentation
 */
import type { AuditInput } from '../audit/audit-record.js';
import type { EngineEvent } from '../engine/events.js';

/** The audit record for an engine event, or undefined when the event is not audited. */
export function auditRecordFor(event: EngineEvent): AuditInput | undefined {
  switch (event.type) {
    case 'breaker.state_changed':
      return {
        type: `breaker.${event.to.replace('-', '_')}`,
        actor: 'system',
        reason: `breaker of ${event.model} went ${event.from} -> ${event.to} (${event.reason})`,
        data: { model: event.model, from: event.from, to: event.to, cause: event.reason },
      };
    case 'health.status_changed':
      return {
        type: 'health.status_changed',
        actor: 'system',
        reason: `${event.model} is ${event.to} (was ${event.from}): ${event.reason}`,
        data: { model: event.model, from: event.from, to: event.to, cause: event.reason },
      };
    case 'request.fallback':
      return {
        type: event.substitution ? 'request.substitution' : 'request.fallback',
        actor: 'system',
        reason: `${event.from} -> ${event.to} for "${event.target}" (${event.reason})`,
        data: {
          requestId: event.requestId,
          target: event.target,
          from: event.from,
          to: event.to,
          cause: event.reason,
        },
      };
    case 'retry.gave_up':
      return {
        type: 'retry.gave_up',
        actor: 'system',
        reason: `gave up on ${event.model} after ${event.attempts} attempts (${event.kind})`,
        data: { requestId: event.requestId, model: event.model, attempts: event.attempts, kind: event.kind },
      };
    case 'request.exhausted':
      return {
        type: 'request.exhausted',
        actor: 'system',
        reason: `every candidate for "${event.target}" failed`,
        data: {
          requestId: event.requestId,
          target: event.target,
          trail: event.trail.map((a) => ({ model: a.model, kind: a.kind, note: a.note, retries: a.retries })),
        },
      };
    default:
      return undefined;
  }
}
