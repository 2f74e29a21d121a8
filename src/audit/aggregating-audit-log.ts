/**
 * Routine, repeated decisions (a fallback past an open breaker, a substitution, a retry give-up) are
 * counted, not written one by one: one record per group (e.g. model pair and reason) per window, with
 * the count, the first and last time and a few sample request ids. State changes keep one record each
 * (they go through {@link AggregatingAuditLog.append} unchanged). So an outage adds a bounded number of
 * rows per window whatever the request rate: at most `maxGroups` + 1 per type per window.
 *
 * A window opens at the first counted decision and closes `windowMs` later (one timer for every group,
 * cleared when the window is written); {@link AggregatingAuditLog.flush} and `close` write the open
 * window at once. Counts of a window not yet written are lost if the process is killed: the chain stays
 * whole, the decisions of at most one window go unrecorded.
 * @packageDocumentation
 */
import { type Clock, systemClock, type TimerHandle } from '../core/clock.js';
import type { AuditLog, AuditQuery } from './audit-log.js';
import type { AuditInput, AuditRecord } from './audit-record.js';
import type { AuditVerifyReport } from './verify-report.js';

/** Default length of an aggregation window (ms). */
export const DEFAULT_AGGREGATE_WINDOW_MS = 60_000;
/** Default number of sample request ids kept per group and window. */
export const DEFAULT_AGGREGATE_SAMPLES = 5;
/** Default number of distinct groups per window before further ones are counted in one overflow group per type. */
export const DEFAULT_AGGREGATE_MAX_GROUPS = 100;

/** The fixed part of a group's record: written once per window with the counts added to `data`. */
export interface AggregateGroup {
  /** Record type, e.g. `request.fallback`. */
  readonly type: string;
  /** Record actor, e.g. `system`. */
  readonly actor: string;
  /** What the group is, in words (the count and window are appended). */
  readonly reason: string;
  /** What identifies the group (model pair, reason, …); `count`, samples and times are added. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** Options of {@link AggregatingAuditLog}. */
export interface AggregatingAuditLogOptions {
  /** Time source for windows and record times (default: the system clock). */
  readonly clock?: Clock;
  /** Window length in ms (default {@link DEFAULT_AGGREGATE_WINDOW_MS}); 0 writes every decision at once. */
  readonly windowMs?: number;
  /** Sample request ids (and distinct details) kept per group (default {@link DEFAULT_AGGREGATE_SAMPLES}). */
  readonly maxSamples?: number;
  /** Distinct groups per window (default {@link DEFAULT_AGGREGATE_MAX_GROUPS}). */
  readonly maxGroups?: number;
}

interface OpenGroup {
  readonly group: AggregateGroup;
  count: number;
  firstAt: number;
  lastAt: number;
  readonly samples: string[];
  /** Distinct values of the detail that is not part of the key (e.g. the requested target), bounded. */
  readonly details: string[];
}

/**
 * An {@link AuditLog} that writes state changes at once and counts repeated decisions per window, through
 * the same hash chain as the log it wraps.
 */
export class AggregatingAuditLog implements AuditLog {
  private readonly clock: Clock;
  private readonly windowMs: number;
  private readonly maxSamples: number;
  private readonly maxGroups: number;
  private groups = new Map<string, OpenGroup>();
  /** The key counted last and its group: a repeated decision (an outage) skips the map lookup. */
  private lastKey: string | undefined = undefined;
  private lastOpen: OpenGroup | undefined = undefined;
  private windowStart = 0;
  private timer: TimerHandle | undefined = undefined;
  private closed = false;
  private readonly onWindowEnd = (): void => {
    this.timer = undefined;
    this.writeWindow();
  };

  /** @param log - where records go (the hash chain); closed with this log */
  constructor(
    readonly log: AuditLog,
    options: AggregatingAuditLogOptions = {},
  ) {
    const windowMs = options.windowMs ?? DEFAULT_AGGREGATE_WINDOW_MS;
    if (!Number.isFinite(windowMs) || windowMs < 0) {
      throw new RangeError(`audit aggregation "windowMs" must be a non-negative number, got ${windowMs}`);
    }
    this.clock = options.clock ?? systemClock;
    this.windowMs = windowMs;
    this.maxSamples = positiveInt('maxSamples', options.maxSamples ?? DEFAULT_AGGREGATE_SAMPLES);
    this.maxGroups = positiveInt('maxGroups', options.maxGroups ?? DEFAULT_AGGREGATE_MAX_GROUPS);
  }

  /** Groups counted in the open window. */
  get openGroups(): number {
    return this.groups.size;
  }

  /**
   * Counts one occurrence of a repeated decision.
   * @param key - identifies the group (same key, same record); build it from bounded values only
   * @param sample - a request id to keep as a sample (the first few per window are kept)
   * @param source - passed to `describe` the first time the key is seen in a window
   * @param describe - the group's fixed record part (called once per group and window, not per call)
   * @param detail - a value outside the key to list (distinct, bounded), e.g. the requested target
   * @param at - when the decision was made (wall-clock ms; default: the clock's now), e.g. the event's time
   */
  count<T>(
    key: string,
    sample: string | undefined,
    source: T,
    describe: (source: T) => AggregateGroup,
    detail?: string,
    at?: number,
  ): void {
    if (this.closed) {
      this.log.append(describe(source)); // the wrapped log reports the append after close
      return;
    }
    const now = at ?? this.clock.wallNow();
    const counted = key;
    let open = key === this.lastKey ? this.lastOpen : this.groups.get(key);
    if (open === undefined) {
      const group = describe(source);
      if (this.groups.size >= this.maxGroups) {
        key = `\0overflow\0${group.type}`;
        open = this.groups.get(key);
      }
      if (open === undefined) {
        const overflow = key.startsWith('\0overflow\0');
        open = {
          group: overflow ? overflowGroup(group.type) : group,
          count: 0,
          firstAt: now,
          lastAt: now,
          samples: [],
          details: [],
        };
        if (this.groups.size === 0) this.openWindow(now);
        this.groups.set(key, open);
      }
    }
    this.lastKey = counted;
    this.lastOpen = open;
    open.count++;
    if (now > open.lastAt) open.lastAt = now;
    if (sample !== undefined && open.samples.length < this.maxSamples) open.samples.push(sample);
    if (detail !== undefined && open.details.length < this.maxSamples && !open.details.includes(detail))
      open.details.push(detail);
    if (this.windowMs === 0) this.writeWindow();
  }

  /** Writes a record at once (state changes, admin actions). */
  append(input: AuditInput): void {
    this.log.append(input);
  }

  /** Writes the open window now (its records through the chain), then flushes the wrapped log. */
  flush(): Promise<void> | void {
    this.writeWindow();
    return this.log.flush();
  }

  /** Commits what was appended to the wrapped log (counted decisions of the open window stay counted). */
  commit(): boolean {
    return this.log.commit();
  }

  /** Queries the wrapped log (the open window's counts appear once it is written). */
  query(filter?: AuditQuery): AuditRecord[] {
    return this.log.query(filter);
  }

  /** Verifies the wrapped log's chain. */
  verify(): AuditVerifyReport {
    return this.log.verify();
  }

  /** Writes the open window, stops the window timer and closes the wrapped log. */
  close(): void {
    if (this.closed) return;
    this.writeWindow();
    this.closed = true;
    this.log.close();
  }

  private openWindow(now: number): void {
    this.windowStart = now;
    if (this.windowMs > 0 && this.timer === undefined)
      this.timer = this.clock.setTimer(this.onWindowEnd, this.windowMs);
  }

  /** One record per open group, in the order the groups were first seen; clears the window. */
  private writeWindow(): void {
    if (this.timer !== undefined) {
      this.clock.clearTimer(this.timer);
      this.timer = undefined;
    }
    this.lastKey = undefined;
    this.lastOpen = undefined;
    if (this.groups.size === 0) return;
    const groups = this.groups;
    this.groups = new Map();
    const windowStart = new Date(this.windowStart).toISOString();
    const windowEnd = new Date(this.clock.wallNow()).toISOString();
    for (const open of groups.values()) {
      const { group } = open;
      const data: Record<string, unknown> = {
        ...group.data,
        count: open.count,
        firstAt: new Date(open.firstAt).toISOString(),
        lastAt: new Date(open.lastAt).toISOString(),
        windowStart,
        windowEnd,
        sampleRequestIds: open.samples,
      };
      if (open.details.length > 0) data['details'] = open.details;
      this.log.append({
        type: group.type,
        actor: group.actor,
        reason: `${group.reason} (×${open.count} between ${windowStart} and ${windowEnd})`,
        data,
      });
    }
  }
}

function overflowGroup(type: string): AggregateGroup {
  return {
    type,
    actor: 'system',
    reason: `${type}: further groups beyond the per-window limit`,
    data: { overflow: true },
  };
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`audit aggregation "${name}" must be a positive integer, got ${value}`);
  }
  return value;
}
