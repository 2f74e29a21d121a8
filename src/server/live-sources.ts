/**
 * Read-only views the gateway's composition root may hand to the server for operators and the dashboard:
 * a request timeline (the last hour in fixed intervals), alerts and voting rounds. Each is plain JSON,
 * declared here so the server needs nothing from the layers that produce them.
 * @packageDocumentation
 */
import type { Subscription } from './backend.js';

/** One interval of the request timeline. */
export interface TimelinePoint {
  /** Wall-clock ms at which the interval starts. */
  readonly at: number;
  /** Requests finished in the interval. */
  readonly requests: number;
  /** Requests that finished without an answer. */
  readonly failed: number;
  /** Moves from one candidate model to the next. */
  readonly fallbacks: number;
  /** Median and 95th percentile of finished requests' latency (ms), null without requests. */
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

/** The request timeline: closed intervals, oldest first, then the current partial one. */
export interface TimelineSource {
  /** Length of one interval (ms). */
  readonly intervalMs: number;
  points(): TimelinePoint[];
}

/** An alert as operators see it (structurally what the alerting layer keeps). */
export interface AlertView {
  readonly key: string;
  readonly id: string;
  readonly rule: string;
  readonly subject: string;
  readonly severity: string;
  readonly status: 'firing' | 'resolved';
  readonly escalated: boolean;
  readonly summary: string;
  readonly firedAt: number;
  readonly lastSeenAt: number;
  readonly occurrences: number;
  readonly resolvedAt?: number;
}

/** One alert notification: it started firing, escalated or resolved. */
export interface AlertNoticeView {
  readonly kind: 'firing' | 'escalated' | 'resolved';
  readonly alert: AlertView;
  /** Wall-clock ms. */
  readonly at: number;
}

/** Alerts: those firing now, recent notifications, and a feed of new ones. */
export interface AlertsSource {
  active(): AlertView[];
  /** Recent notifications, oldest first. */
  history(): AlertNoticeView[];
  onNotice(listener: (notice: AlertNoticeView) => void): Subscription;
}

/** A voter's seat in a round as the dashboard shows it. */
export interface RoundVoterView {
  readonly id: string;
  readonly role: 'voter' | 'substitute';
  /** `pending`, `asking`, `retrying`, `voted`, `failed`, `substituted`, ... */
  readonly status: string;
  readonly attempt: number;
  readonly general: boolean;
  readonly substituteFor?: string;
}

/** A voting round that runs (or ran) in this process. */
export interface RoundView {
  readonly roundId: string;
  readonly minuteId: string;
  /** `running`, `emergency_pending`, `emergency_authorised`, `finalised` or `quorum_failed`. */
  readonly state: string;
  readonly startedAt: number;
  /** Wall-clock ms at which the current pass ends (each extension sets a new one), null once over. */
  readonly deadlineAt: number | null;
  readonly extension: number;
  readonly voters: readonly RoundVoterView[];
  /** Votes filed so far and how many the quorum needs. */
  readonly votes: number;
  readonly generalVotes: number;
  readonly generalSeats: number;
  readonly quorum: {
    readonly minVotes: number | null;
    readonly minGeneralFraction: number | null;
    readonly mode: 'all' | 'any';
    readonly met: boolean;
  };
  /** Emergency consensus: failed voters while pending, signers once authorised, a refusal reason. */
  readonly emergency: {
    readonly failedVoters: readonly string[];
    readonly signers: readonly string[];
    readonly refused: string | null;
  } | null;
  readonly updatedAt: number;
}

/** Voting rounds run in this process: the running ones and a few recent. */
export interface RoundsSource {
  list(): RoundView[];
  onUpdate(listener: (round: RoundView) => void): Subscription;
}

/** Everything optional the composition root can feed the server. */
export interface LiveSources {
  readonly timeline?: TimelineSource;
  readonly alerts?: AlertsSource;
  readonly rounds?: RoundsSource;
}
