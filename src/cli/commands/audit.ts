/**
 * `hive-resilience audit verify|show`: checks the tamper-evident audit log and prints records.
 * @packageDocumentation
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Command } from 'commander';
import type { AuditRecord } from '../../audit/audit-record.js';
import {
  AUDIT_DB_FILE,
  AUDIT_TABLE,
  formatVerifyReport,
  verifyAuditDatabase,
  verifyAuditDirectory,
  verifyAuditRecords,
} from '../../audit/index.js';
import { CliError } from '../cli-error.js';

interface SourceOptions {
  dataDir: string;
  db?: string;
  json?: string;
}

function dbPath(opts: SourceOptions): string {
  const path = opts.db ?? join(opts.dataDir, AUDIT_DB_FILE);
  if (!existsSync(path)) throw new CliError(`no audit database at ${path} (see --data-dir or --db)`, 2);
  return path;
}

/** Registers `audit verify` and `audit show`. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('Verify and read the tamper-evident audit log.');
  audit
    .command('verify')
    .description(
      'Recompute every hash and link of every chain in the data dir (one per instance); name each edited, deleted, inserted or reordered record.',
    )
    .option('-d, --data-dir <dir>', 'gateway data directory', '.data')
    .option('--db <file>', 'audit database file (overrides --data-dir)')
    .option('--json <file>', 'verify a JSON export (an array of records) instead')
    .action((opts: SourceOptions) => {
      let report: ReturnType<typeof verifyAuditRecords>;
      let source: string;
      if (opts.json) {
        let records: unknown;
        try {
          records = JSON.parse(readFileSync(opts.json, 'utf8'));
        } catch (error) {
          throw new CliError(`--json: cannot read ${opts.json}: ${(error as Error).message}`, 2);
        }
        if (!Array.isArray(records)) throw new CliError(`--json: ${opts.json} is not an array of records`, 2);
        report = verifyAuditRecords(records as AuditRecord[]);
        source = opts.json;
      } else if (opts.db) {
        source = dbPath(opts);
        report = verifyAuditDatabase(source);
      } else {
        // Every chain in the data dir: audit.sqlite and one audit-<instance>.sqlite per instance.
        const chains = verifyAuditDirectory(opts.dataDir);
        if (chains.length === 0)
          throw new CliError(`no audit database at ${opts.dataDir} (see --data-dir or --db)`, 2);
        for (const c of chains) process.stdout.write(`${formatVerifyReport(c, c.path)}\n`);
        if (chains.length > 1) {
          const bad = chains.filter((c) => !c.ok).length;
          process.stdout.write(
            `${chains.length} chains: ${bad === 0 ? 'all verified' : `${bad} TAMPERED`}\n`,
          );
        }
        if (chains.some((c) => !c.ok)) process.exitCode = 1;
        return;
      }
      process.stdout.write(`${formatVerifyReport(report, source)}\n`);
      if (!report.ok) process.exitCode = 1;
    });
  audit
    .command('show')
    .description('Print the newest audit records.')
    .option('-d, --data-dir <dir>', 'gateway data directory', '.data')
    .option('--db <file>', 'audit database file (overrides --data-dir)')
    .option('-n, --limit <n>', 'how many', '20')
    .option('-t, --type <type>', 'only this record type')
    .action((opts: SourceOptions & { limit: string; type?: string }) => {
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit <= 0)
        throw new CliError(`--limit: expected a positive integer`, 2);
      const db = new Database(dbPath(opts), { readonly: true, fileMustExist: true });
      try {
        const where = opts.type ? 'WHERE type = ? ' : '';
        const params = opts.type ? [opts.type, limit] : [limit];
        const rows = db
          .prepare(
            `SELECT seq, ts, type, actor, reason FROM ${AUDIT_TABLE} ${where}ORDER BY seq DESC LIMIT ?`,
          )
          .all(...params) as Array<{ seq: number; ts: string; type: string; actor: string; reason: string }>;
        for (const r of rows.reverse())
          process.stdout.write(`${r.seq}\t${r.ts}\t${r.type}\t${r.actor}\t${r.reason}\n`);
      } finally {
        db.close();
      }
    });
}
