/**
 * Audit log append throughput (records/s) for the memory and SQLite implementations.
 * Run alone with `npx tsx bench/audit.ts`; `bench/run.ts` calls {@link run}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AuditLog } from '../src/audit/audit-log.js';
import { MemoryAuditLog } from '../src/audit/memory-audit-log.js';
import { SqliteAuditLog } from '../src/audit/sqlite-audit-log.js';

const RECORDS = 50_000;
/** Records appended per tick, as a busy gateway would between I/O callbacks. */
const PER_TICK = 100;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function measure(name: string, log: AuditLog): Promise<void> {
  const started = performance.now();
  for (let i = 0; i < RECORDS; i++) {
    log.append({
      type: 'request.fallback',
      actor: 'system',
      reason: 'primary failed: timeout',
      data: { requestId: `req-${i}`, from: 'gpt-4o', to: 'claude-sonnet', attempt: 2, latencyMs: 1234 },
    });
    if (i % PER_TICK === PER_TICK - 1) await tick();
  }
  await log.flush();
  const elapsed = performance.now() - started;
  const verifyStarted = performance.now();
  const report = log.verify();
  const verifyMs = performance.now() - verifyStarted;
  log.close();
  const rate = Math.round(RECORDS / (elapsed / 1000));
  console.log(
    `${name.padEnd(28)} ${rate.toLocaleString('en-US').padStart(10)} records/s  ` +
      `(${RECORDS} in ${elapsed.toFixed(0)} ms; verify ${verifyMs.toFixed(0)} ms, ok=${report.ok})`,
  );
}

/** Measures append throughput of each audit log implementation and prints one line per case. */
export async function run(): Promise<void> {
  console.log(`audit log append throughput, ${RECORDS} records, ${PER_TICK} per tick`);
  await measure('MemoryAuditLog', new MemoryAuditLog());
  for (const synchronous of ['FULL', 'NORMAL'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'hive-audit-bench-'));
    try {
      await measure(`SqliteAuditLog (${synchronous})`, new SqliteAuditLog({ dataDir: dir, synchronous }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run();
