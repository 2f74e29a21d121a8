/**
 * Runtime flag overrides outlive a restart. Every change through the admin API is an audit record
 * (`flag.changed`, `flag.cleared`), so the audit log already holds the durable truth: at start the gateway
 * reads those records and re-applies, per feature, the newest override that was not cleared since. Each
 * restored override is itself audited (`flag.restored`, actor `system`) and logged, with the configured
 * mode it overrides. A record that cannot be read is skipped with a warning, never fatal.
 * @packageDocumentation
 */
import type { FastifyBaseLogger } from 'fastify';
import type { AuditInput } from '../audit/audit-record.js';
import type { GatewayAuditLog } from './context.js';
import { describeMode, type FeatureFlags, type FeatureName, isFeatureName, parseModeText } from './flags.js';

/** Records per audit query page. */
const PAGE = 1000;

interface FlagRecord {
  readonly seq: number;
  readonly type: string;
  readonly feature: string;
  readonly to: unknown;
}

function asFlagRecord(value: unknown): FlagRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as { seq?: unknown; type?: unknown; data?: unknown };
  const data = r.data as { feature?: unknown; to?: unknown } | undefined;
  if (typeof r.seq !== 'number' || typeof r.type !== 'string' || typeof data?.feature !== 'string') {
    return undefined;
  }
  return { seq: r.seq, type: r.type, feature: data.feature, to: data.to };
}

/** Every record of one type, oldest first (paged). */
function recordsOfType(audit: GatewayAuditLog, type: string): FlagRecord[] {
  const out: FlagRecord[] = [];
  let sinceSeq = 0;
  for (;;) {
    const page = audit.query({ type, sinceSeq, limit: PAGE, order: 'asc' });
    if (!Array.isArray(page) || page.length === 0) return out;
    for (const item of page) {
      const record = asFlagRecord(item);
      if (record) out.push(record);
      const seq = (item as { seq?: unknown }).seq;
      if (typeof seq === 'number' && seq > sinceSeq) sinceSeq = seq;
    }
    if (page.length < PAGE) return out;
  }
}

/** What {@link restoreFlagOverrides} did. */
export interface RestoredFlag {
  readonly feature: FeatureName;
  readonly mode: string;
  readonly configured: string;
}

/**
 * Re-applies the runtime flag overrides recorded in `audit` to `flags`.
 * @param recordAudit - appends the `flag.restored` records
 */
export function restoreFlagOverrides(
  flags: FeatureFlags,
  audit: GatewayAuditLog | undefined,
  recordAudit: (input: AuditInput) => void,
  log: FastifyBaseLogger,
): RestoredFlag[] {
  if (!audit) return [];
  let records: FlagRecord[];
  try {
    records = [...recordsOfType(audit, 'flag.changed'), ...recordsOfType(audit, 'flag.cleared')];
  } catch (error) {
    log.warn({ err: (error as Error).message }, 'could not read flag overrides from the audit log');
    return [];
  }
  const latest = new Map<string, FlagRecord>();
  for (const r of records) {
    const seen = latest.get(r.feature);
    if (!seen || r.seq > seen.seq) latest.set(r.feature, r);
  }
  const restored: RestoredFlag[] = [];
  for (const [feature, record] of latest) {
    if (record.type !== 'flag.changed') continue;
    const mode = parseModeText(record.to);
    if (!isFeatureName(feature) || !mode) {
      log.warn(
        { feature: feature.slice(0, 100), seq: record.seq },
        'skipped an unreadable flag override in the audit log',
      );
      continue;
    }
    flags.set(feature, mode);
    const configured = describeMode(flags.listConfigured()[feature]);
    const text = describeMode(mode);
    recordAudit({
      type: 'flag.restored',
      actor: 'system',
      reason: `flag ${feature}: runtime override ${text} restored from audit record ${record.seq} (config: ${configured})`,
      data: { feature, to: text, configured, fromSeq: String(record.seq) },
    });
    log.info({ feature, mode: text, configured }, 'runtime flag override restored');
    restored.push({ feature, mode: text, configured });
  }
  return restored;
}
