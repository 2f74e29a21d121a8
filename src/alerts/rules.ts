/**
 * The built-in alert rules: turn events into fire/resolve signals. De-duplication, cooldown and
 * escalation are the {@link AlertManager}'s job; rules only say what changed.
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';
import { ErrorRateWindow } from './error-rate-window.js';
import type { AlertsSettings } from './settings.js';
import type { AlertInput, AlertRuleName } from './types.js';

/** A rule's verdict about one subject. */
export interface AlertSignal {
  readonly rule: AlertRuleName;
  readonly subject: string;
  readonly action: 'fire' | 'resolve';
  readonly summary: string;
  readonly details: Readonly<Record<string, string | number | boolean>>;
  /** Escalate an already-active alert right away (e.g. emergency consensus authorised). */
  readonly escalateNow?: boolean;
}

/** Outcomes that do not say anything about the model's health. */
function isNeutral(outcome: string): boolean {
  return outcome === 'aborted';
}

/** Outcomes counted as errors by the error-rate rule (the caller's own mistakes are not). */
function isError(outcome: string): boolean {
  return outcome !== 'success' && outcome !== 'request' && outcome !== 'aborted';
}

/** Evaluates the configured rules; holds the error-rate windows (one per model, O(1) per request). */
export class AlertRuleSet {
  private readonly windows = new Map<string, ErrorRateWindow>();
  /** Models whose error rate is currently above the threshold (as last judged). */
  private readonly aboveThreshold = new Set<string>();
  /** Chain targets that fired `chainExhausted` and have not seen a success since. */
  private readonly exhaustedTargets = new Set<string>();

  constructor(
    private readonly rules: AlertsSettings['rules'],
    private readonly clock: Clock,
  ) {}

  /** Appends the signals `input` produces to `out`. */
  evaluate(input: AlertInput, out: AlertSignal[]): void {
    const r = this.rules;
    switch (input.type) {
      case 'health.status_changed':
        if (!r.modelFailed.enabled) return;
        if (input.to === 'failed' && input.from !== 'failed') {
          out.push(
            this.signal('modelFailed', input.model, 'fire', `Model ${input.model} failed`, input.reason),
          );
        } else if (input.from === 'failed' && input.to !== 'failed') {
          out.push(
            this.signal(
              'modelFailed',
              input.model,
              'resolve',
              `Model ${input.model} is ${input.to} again`,
              input.reason,
            ),
          );
        }
        return;
      case 'breaker.state_changed':
        if (!r.breakerOpened.enabled) return;
        if (input.to === 'open') {
          out.push(
            this.signal(
              'breakerOpened',
              input.model,
              'fire',
              `Breaker for ${input.model} opened`,
              input.reason,
            ),
          );
        } else if (input.to === 'closed') {
          out.push(
            this.signal(
              'breakerOpened',
              input.model,
              'resolve',
              `Breaker for ${input.model} closed`,
              input.reason,
            ),
          );
        }
        return;
      case 'request.exhausted':
        if (!r.chainExhausted.enabled) return;
        this.exhaustedTargets.add(input.target);
        out.push({
          rule: 'chainExhausted',
          subject: input.target,
          action: 'fire',
          summary: `Every candidate for ${input.target} failed`,
          details: { attempts: input.trail.length, models: input.trail.map((a) => a.model).join(',') },
        });
        return;
      case 'request.completed':
        if (
          r.chainExhausted.enabled &&
          input.outcome === 'success' &&
          this.exhaustedTargets.delete(input.target)
        ) {
          out.push(
            this.signal(
              'chainExhausted',
              input.target,
              'resolve',
              `${input.target} is serving again`,
              'success',
            ),
          );
        }
        if (r.errorRate.enabled && !isNeutral(input.outcome))
          this.recordRequest(input.model ?? input.target, input.outcome, out);
        return;
      case 'consensus.emergency_pending':
      case 'consensus.emergency_authorised': {
        if (!r.emergencyConsensus.enabled) return;
        const authorised = input.type === 'consensus.emergency_authorised';
        const about = typeof input.subject === 'string' ? ` (${input.subject})` : '';
        const details: Record<string, string> = { phase: authorised ? 'authorised' : 'pending' };
        if (typeof input.reason === 'string') details['reason'] = input.reason;
        if (typeof input.subject === 'string') details['subject'] = input.subject;
        out.push({
          rule: 'emergencyConsensus',
          subject: input.roundId,
          action: 'fire',
          summary: authorised
            ? `Emergency consensus authorised in round ${input.roundId}${about}`
            : `Emergency consensus engaged: round ${input.roundId} pending${about}`,
          details,
          escalateNow: authorised,
        });
        return;
      }
      case 'state.unavailable':
      case 'state.available':
        if (!r.sharedState.enabled) return;
        out.push(
          this.signal(
            'sharedState',
            input.instance,
            input.type === 'state.unavailable' ? 'fire' : 'resolve',
            input.type === 'state.unavailable'
              ? `Shared state store ${input.store} unreachable from ${input.instance}: serving on local state`
              : `Shared state store ${input.store} reachable again from ${input.instance}: resynchronised`,
            input.reason,
          ),
        );
        return;
      default:
        return;
    }
  }

  /**
   * Re-judges a model's error rate with no new request (the window may have drained); returns a resolve
   * signal when it is no longer above the threshold.
   */
  recheckErrorRate(model: string): AlertSignal | undefined {
    const window = this.windows.get(model);
    if (!window || !this.aboveThreshold.has(model)) return undefined;
    const snap = window.snapshot(this.clock.now());
    if (snap.total > 0 && snap.rate > this.rules.errorRate.threshold) return undefined;
    this.aboveThreshold.delete(model);
    return this.errorRateSignal(model, 'resolve', snap.total, snap.errors, snap.rate);
  }

  private recordRequest(model: string, outcome: string, out: AlertSignal[]): void {
    const cfg = this.rules.errorRate;
    let window = this.windows.get(model);
    if (window === undefined) {
      window = new ErrorRateWindow(cfg.window);
      this.windows.set(model, window);
    }
    const now = this.clock.now();
    window.record(now, isError(outcome));
    const snap = window.snapshot(now);
    const above = snap.total >= cfg.minRequests && snap.rate > cfg.threshold;
    const wasAbove = this.aboveThreshold.has(model);
    if (above && !wasAbove) {
      this.aboveThreshold.add(model);
      out.push(this.errorRateSignal(model, 'fire', snap.total, snap.errors, snap.rate));
    } else if (wasAbove && snap.rate <= cfg.threshold) {
      // Fewer than minRequests while still failing keeps it firing: minRequests gates firing only.
      this.aboveThreshold.delete(model);
      out.push(this.errorRateSignal(model, 'resolve', snap.total, snap.errors, snap.rate));
    }
  }

  private errorRateSignal(
    model: string,
    action: 'fire' | 'resolve',
    total: number,
    errors: number,
    rate: number,
  ): AlertSignal {
    const pct = Math.round(rate * 1000) / 10;
    const limit = Math.round(this.rules.errorRate.threshold * 1000) / 10;
    return {
      rule: 'errorRate',
      subject: model,
      action,
      summary:
        action === 'fire'
          ? `Error rate for ${model} is ${pct}% (over ${limit}%)`
          : `Error rate for ${model} back to ${pct}%`,
      details: {
        total,
        errors,
        rate: Math.round(rate * 10_000) / 10_000,
        threshold: this.rules.errorRate.threshold,
      },
    };
  }

  private signal(
    rule: AlertRuleName,
    subject: string,
    action: 'fire' | 'resolve',
    summary: string,
    reason: string,
  ): AlertSignal {
    return { rule, subject, action, summary, details: { reason } };
  }
}
