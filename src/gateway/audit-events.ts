/**
 * Which engine events are resilience decisions worth an audit record, and how each is written.
 * State changes (breaker transitions, health changes, entering and leaving degraded mode) are one record each. Per-request decisions
 * (fallbacks, substitutions, retry give-ups, exhausted chains) are counted per group and window by the
 * {@link AggregatingAuditLog}: one record per (model pair, reason) per window with a count and sample
 * request ids, so an outage adds a bounded number of rows whatever the request rate. Per-request noise
 * (completions, scheduled retries, probes) stays in metrics and logs.
 * @packageDocumentation
 */
import type { AggregateGroup, AggregatingAuditLog } from '../audit/aggregating-audit-log.js';
import type { AuditInput } from '../audit/audit-record.js';
import type { ChainExhaustedEvent, EngineEvent, FallbackEvent, RetryGaveUpEvent } from '../engine/events.js';

/** The last fallback group counted, so an outage's identical decisions reuse one key string. */
interface FallbackKey {
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly substitution: boolean;
  readonly key: string;
}

/**
 * Writes engine events to the audit log: at once, counted in their group, or not at all. During an
 * outage every request carries the same fallback decision (same model pair and reason), so its group key
 * is built once and reused while the decision repeats: counting it costs no string building or hashing.
 */
export class EventAuditor {
  private lastFallback: FallbackKey | undefined = undefined;

  /** @param audit - the log decisions are counted in and state changes written to */
  constructor(readonly audit: AggregatingAuditLog) {}

  /** Audits one engine event (see the module notes for which events are written and how). */
  observe(event: EngineEvent): void {
    const audit = this.audit;
    switch (event.type) {
      case 'breaker.state_changed':
      case 'health.status_changed':
      case 'engine.mode_changed':
        audit.append(auditRecordFor(event)!);
        return;
      case 'request.fallback':
        audit.count(this.fallbackKey(event), event.requestId, event, fallbackGroup, event.target, event.at);
        return;
      case 'retry.gave_up':
        audit.count(
          `r\0${event.model}\0${event.kind}`,
          event.requestId,
          event,
          gaveUpGroup,
          undefined,
          event.at,
        );
        return;
      case 'request.exhausted': {
        let key = 'x';
        for (const a of event.trail) key += `\0${a.model}:${a.note}`;
        audit.count(key, event.requestId, event, exhaustedGroup, event.target, event.at);
        return;
      }
      default:
        return;
    }
  }

  /** The group key of a fallback: model ids come from the config and reasons from the classifier (bounded). */
  private fallbackKey(event: FallbackEvent): string {
    const last = this.lastFallback;
    if (
      last !== undefined &&
      last.from === event.from &&
      last.to === event.to &&
      last.reason === event.reason &&
      last.substitution === event.substitution
    )
      return last.key;
    const key = `${event.substitution ? 's' : 'f'}\0${event.from}\0${event.to}\0${event.reason}`;
    this.lastFallback = {
      from: event.from,
      to: event.to,
      reason: event.reason,
      substitution: event.substitution,
      key,
    };
    return key;
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
    case 'engine.mode_changed':
      return {
        type: event.degraded ? 'engine.degraded' : 'engine.recovered',
        actor: 'system',
        reason: event.degraded
          ? `degraded mode: ${Math.round(event.healthyPercent)}% of models healthy, below ${event.threshold}% (hedging suspended)`
          : `left degraded mode: ${Math.round(event.healthyPercent)}% of models healthy (threshold ${event.threshold}%)`,
        data: { degraded: event.degraded, healthyPercent: event.healthyPercent, threshold: event.threshold },
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
