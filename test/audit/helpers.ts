import type { AuditLog } from '../../src/audit/audit-log.js';
import { type AuditRecord, computeAuditHash } from '../../src/audit/audit-record.js';

/** Appends `n` varied records. */
export function appendMany(log: AuditLog, n: number, start = 1): void {
  for (let i = start; i < start + n; i++) {
    log.append({
      type: i % 3 === 0 ? 'breaker.opened' : 'request.fallback',
      actor: i % 5 === 0 ? 'admin:ops' : 'system',
      reason: `event ${i}`,
      data: { i, model: `m${i % 4}` },
    });
  }
}

/** Re-signs a record with new content, as a forger who knows the format would. */
export function resign(record: Omit<AuditRecord, 'hash'>): AuditRecord {
  return { ...record, hash: computeAuditHash(record) };
}
