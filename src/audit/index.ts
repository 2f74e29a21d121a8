/**
 * Audit log: append-only, hash-chained records of every resilience decision and admin action.
 * @packageDocumentation
 */
export {
  type AggregateGroup,
  AggregatingAuditLog,
  type AggregatingAuditLogOptions,
  DEFAULT_AGGREGATE_MAX_GROUPS,
  DEFAULT_AGGREGATE_SAMPLES,
  DEFAULT_AGGREGATE_WINDOW_MS,
} from './aggregating-audit-log.js';
export {
  type AuditLog,
  type AuditLogOptions,
  type AuditQuery,
  DEFAULT_QUERY_LIMIT,
  MAX_QUERY_LIMIT,
} from './audit-log.js';
export {
  AuditChain,
  type AuditChainHead,
  type AuditInput,
  type AuditRecord,
  computeAuditHash,
  GENESIS_HASH,
  isAuditRecord,
  validateAuditInput,
} from './audit-record.js';
export { ChainVerifier, verifyAuditRecords } from './audit-verify.js';
export { canonicalJson, type JsonObject, type JsonPrimitive, type JsonValue } from './canonical-json.js';
export {
  type AuditChainFile,
  auditChainFiles,
  type ChainReport,
  InstanceAuditLogs,
  type InstancesVerifyReport,
  instanceAuditFile,
  verifyAuditDirectory,
} from './instance-audit.js';
export { MemoryAuditLog } from './memory-audit-log.js';
export { isSecretKey, maskSecrets, REDACTED, redactAuditData } from './redaction.js';
export {
  type AuditArchive,
  CHECKPOINT_TABLE,
  checkExpectedHead,
  formatHead,
  headFileOf,
  parseHead,
  pruneAuditDatabase,
  readCheckpoint,
} from './retention.js';
export { AUDIT_DB_FILE, SqliteAuditLog, type SqliteAuditLogOptions } from './sqlite-audit-log.js';
export { AUDIT_TABLE, verifyAuditDatabase } from './sqlite-audit-store.js';
export {
  type AuditDefect,
  type AuditDefectKind,
  type AuditVerifyOptions,
  type AuditVerifyReport,
  formatVerifyReport,
} from './verify-report.js';
