/**
 * The audit record, its hash and the chain that numbers and links records.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { canonicalJson, type JsonObject } from './canonical-json.js';
import { maskSecrets, redactAuditData } from './redaction.js';

/** `prevHash` of the first record: 64 zeros. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * One audit record. `hash` is the sha256 (lower-case hex) of the canonical JSON of every other field
 * (`actor`, `data`, `prevHash`, `reason`, `seq`, `ts`, `type`), so each record commits to its
 * predecessor and the whole log forms a hash chain.
 */
export interface AuditRecord {
  /** 1, 2, 3, ... without gaps. */
  readonly seq: number;
  /** ISO 8601 wall time (UTC) from `clock.wallNow()` when the record was appended. */
  readonly ts: string;
  /** What happened, dotted: `breaker.opened`, `flag.changed`, `admin.action`, ... */
  readonly type: string;
  /** Who caused it: `system`, `admin:<key name>`, `model:<id>`, ... */
  readonly actor: string;
  /** Why, in words. */
  readonly reason: string;
  /** Details, redacted of secrets. */
  readonly data: JsonObject;
  /** `hash` of the previous record, or {@link GENESIS_HASH}. */
  readonly prevHash: string;
  /** sha256 hex over the canonical JSON of the fields above. */
  readonly hash: string;
}

/** What a caller supplies to `AuditLog.append`. */
export interface AuditInput {
  /** Event type, e.g. `breaker.opened`. Non-empty. */
  readonly type: string;
  /** Actor, e.g. `system` or `admin:ops`. Non-empty. */
  readonly actor: string;
  /** Human-readable reason (may be empty). */
  readonly reason: string;
  /** Any details; secrets are redacted and the value normalised to plain JSON. */
  readonly data?: Readonly<Record<string, unknown>>;
}

/** The position a chain continues from. */
export interface AuditChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** Computes a record's hash from all its fields but `hash`. */
export function computeAuditHash(record: Omit<AuditRecord, 'hash'>): string {
  const body = canonicalJson({
    actor: record.actor,
    data: record.data,
    prevHash: record.prevHash,
    reason: record.reason,
    seq: record.seq,
    ts: record.ts,
    type: record.type,
  });
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/**
 * Checks an append input and names the field at fault.
 * @throws TypeError when `type`/`actor` are not non-empty strings, `reason` is not a string or
 *   `data` is not an object.
 */
export function validateAuditInput(input: AuditInput): void {
  if (input === null || typeof input !== 'object') throw new TypeError('audit input must be an object');
  if (typeof input.type !== 'string' || input.type.length === 0) {
    throw new TypeError('audit input field "type" must be a non-empty string');
  }
  if (typeof input.actor !== 'string' || input.actor.length === 0) {
    throw new TypeError('audit input field "actor" must be a non-empty string');
  }
  if (typeof input.reason !== 'string') throw new TypeError('audit input field "reason" must be a string');
  if (input.data !== undefined && (input.data === null || typeof input.data !== 'object')) {
    throw new TypeError('audit input field "data" must be an object when given');
  }
}

/**
 * Numbers, redacts, timestamps and hashes records in call order. Shared by every {@link AuditLog}
 * implementation; the caller stores what {@link AuditChain.next} returns.
 */
export class AuditChain {
  private seq: number;
  private hash: string;

  /** @param head - the last stored record to continue from (default: an empty log). */
  /** @param instance - written into every record's `data.instance` (one chain per instance) */
  constructor(
    private readonly clock: Clock,
    head: AuditChainHead = { seq: 0, hash: GENESIS_HASH },
    private readonly instance?: string,
  ) {
    this.seq = head.seq;
    this.hash = head.hash;
  }

  /** Builds the next record (validated, redacted, hashed) and advances the chain. */
  next(input: AuditInput): AuditRecord {
    validateAuditInput(input);
    const unsigned = {
      seq: this.seq + 1,
      ts: new Date(this.clock.wallNow()).toISOString(),
      type: input.type,
      actor: maskSecrets(input.actor),
      reason: maskSecrets(input.reason),
      data:
        this.instance === undefined
          ? redactAuditData(input.data)
          : { ...redactAuditData(input.data), instance: this.instance },
      prevHash: this.hash,
    };
    const record: AuditRecord = Object.freeze({ ...unsigned, hash: computeAuditHash(unsigned) });
    this.seq = record.seq;
    this.hash = record.hash;
    return record;
  }
}

/** Shape check for untrusted input (JSON exports, database rows). */
export function isAuditRecord(value: unknown): value is AuditRecord {
  if (value === null || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r['seq'] === 'number' &&
    Number.isInteger(r['seq']) &&
    typeof r['ts'] === 'string' &&
    typeof r['type'] === 'string' &&
    typeof r['actor'] === 'string' &&
    typeof r['reason'] === 'string' &&
    r['data'] !== null &&
    typeof r['data'] === 'object' &&
    !Array.isArray(r['data']) &&
    typeof r['prevHash'] === 'string' &&
    typeof r['hash'] === 'string'
  );
}
