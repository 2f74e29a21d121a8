/**
 * Which engine events are resilience decisions worth an audit record, and how each is written.
 * State changes (breaker transitions, health changes) are one record each. Per-request decisions
 * (fallbacks, substitutions, retry give-ups, exhausted chains) are counted per group and window by the
 * {@link AggregatingAuditLog}: one record per (model pair, reason) per window with a count and sample
 * request ids, so an outage adds a bounded number of rows whatever the request rate. Per-request noise
 * (completions, scheduled retries, probes) stays in metrics and logs.
 * @packageDocumentation
 */
import type { AggregateGroup, AggregatingAuditLog } from '../audit/aggregating-audit-log.js';
import type { AuditInput } from '../audit/audit-record.js';
import type { ChainExhaustedEvent, EngineEvent, FallbackEvent, RetryGaveUpEvent } from '../engine/events.js';

/** Writes an engine event to the audit log: at once, counted in its group, or not at all. */
export function auditEvent(event: EngineEvent, audit: AggregatingAuditLog): void {
  switch (event.type) {
    case 'breaker.state_changed':
    case 'health.status_changed':
      audit.append(auditRecordFor(event)!);
      return;
    case 'request.fallback':
      // Model ids come from the config and reasons from the classifier: the groups are bounded.
      audit.count(
        `${event.substitution ? 's' : 'f'}\0${event.from}\0${event.to}\0${event.reason}`,
        event.requestId,
        event,
        fallbackGroup,
        event.target,
      );
      return;
    case 'retry.gave_up':
      audit.count(`r\0${event.model}\0${event.kind}`, event.requestId, event, gaveUpGroup);
      return;
    case 'request.exhausted': {
      let key = 'x';
      for (const a of event.trail) key += `\0${a.model}:${a.note}`;
      audit.count(key, event.requestId, event, exhaustedGroup, event.target);
      return;
    }
    default:
      return;
  }
}

/** The one record of a state change, or undefined when the event is not one. */
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
    default:
      return undefined;
  }
}

function fallbackGroup(event: FallbackEvent): AggregateGroup {
  return {
    type: event.substitution ? 'request.substitution' : 'request.fallback',
    actor: 'system',
    reason: `${event.from} -> ${event.to} (${event.reason})`,
    data: { from: event.from, to: event.to, cause: event.reason },
  };
}

function gaveUpGroup(event: RetryGaveUpEvent): AggregateGroup {
  return {
    type: 'retry.gave_up',
    actor: 'system',
    reason: `gave up on ${event.model} after its retries (${event.kind})`,
    data: { model: event.model, kind: event.kind },
  };
}

function exhaustedGroup(event: ChainExhaustedEvent): AggregateGroup {
  return {
    type: 'request.exhausted',
    actor: 'system',
    reason: `every candidate failed (${event.trail.map((a) => `${a.model}: ${a.note}`).join('; ') || 'none available'})`,
    data: { trail: event.trail.map((a) => ({ model: a.model, kind: a.kind, note: a.note })) },
  };
}
