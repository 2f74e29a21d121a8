/**
 * `hive-resilience audit verify|prune|show`: checks the tamper-evident audit log (also against a head noted
 * earlier), moves old records to an archive behind a checkpoint, and prints records.
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
import { checkExpectedHead, parseHead, pruneAuditDatabase } from '../../audit/retention.js';
import { CliError } from '../cli-error.js';
import { COMMAND_HELP } from '../command-catalog.js';

/** Runs `fn` on the database opened read-only. */
function withDatabase<T>(path: string, fn: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

interface SourceOptions {
  dataDir: string;
  db?: string;
  json?: string;
  expectHead?: string;
}

/** Reads a JSON export: an array of records, or an archive `{ from, records }` written by `audit prune`. */
function readExport(file: string): { records: AuditRecord[]; from?: { seq: number; hash: string } } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`--json: cannot read ${file}: ${(error as Error).message}`, 2);
  }
  if (Array.isArray(parsed)) return { records: parsed as AuditRecord[] };
  const archive = parsed as { from?: unknown; records?: unknown };
  const from =
    typeof archive?.from === 'object' && archive.from !== null
      ? parseHead(formatHeadLike(archive.from))
      : undefined;
  if (!Array.isArray(archive?.records) || !from)
    throw new CliError(`--json: ${file} is neither an array of records nor an audit archive`, 2);
  return { records: archive.records as AuditRecord[], from };
}

function formatHeadLike(value: object): string {
  const v = value as { seq?: unknown; hash?: unknown };
  return `${String(v.seq)}:${String(v.hash)}`;
}

function dbPath(opts: SourceOptions): string {
  const path = opts.db ?? join(opts.dataDir, AUDIT_DB_FILE);
  if (!existsSync(path)) throw new CliError(`no audit database at ${path} (see --data-dir or --db)`, 2);
  return path;
}

/** Registers `audit verify` and `audit show`. */
export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description(COMMAND_HELP.audit.description);
  audit
    .command('verify')
    .description(
      'Recompute every hash and link of every chain in the data dir (one per instance); name each edited, deleted, inserted or reordered record.',
    )
    .option('-d, --data-dir <dir>', 'gateway data directory', '.data')
    .option('--db <file>', 'audit database file (overrides --data-dir)')
    .option(
      '--json <file>',
      'verify a JSON export (an array of records) or an archive from `audit prune` instead',
    )
    .option(
      '--expect-head <seq:hash>',
      'also require the record noted earlier (the head an earlier verify printed) to be there unchanged: detects a cut-off tail',
    )
    .action((opts: SourceOptions) => {
      let report: ReturnType<typeof verifyAuditRecords>;
      let source: string;
      const expected = opts.expectHead === undefined ? undefined : parseHead(opts.expectHead);
      if (opts.expectHead !== undefined && !expected)
        throw new CliError(`--expect-head: expected <seq>:<64 hex digits>, got ${opts.expectHead}`, 2);
      if (opts.json) {
        const archive = readExport(opts.json);
        report = verifyAuditRecords(archive.records, archive.from ? { from: archive.from } : {});
        source = opts.json;
      } else if (opts.db || expected) {
        source = dbPath(opts);
        report = verifyAuditDatabase(source);
        if (expected) {
          const problem = withDatabase(source, (db) => checkExpectedHead(db, expected));
          if (problem) {
            process.stdout.write(`${formatVerifyReport(report, source)}\n`);
            process.stdout.write(`audit log ${source}: expected head ${opts.expectHead}: ${problem}\n`);
            process.exitCode = 1;
            return;
          }
        }
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
    .command('prune')
    .description(
      'Move the records before a seq to an archive file and anchor the rest with a checkpoint (verify keeps working on both).',
    )
    .requiredOption('--before <seq>', 'prune records with a smaller seq (the newest record is always kept)')
    .requiredOption(
      '--archive <file>',
      'where the pruned records go (a new JSON file; verify it with audit verify --json)',
    )
    .option('-d, --data-dir <dir>', 'gateway data directory', '.data')
    .option('--db <file>', 'audit database file (overrides --data-dir)')
    .action((opts: SourceOptions & { before: string; archive: string }) => {
      const before = Number(opts.before);
      if (!Number.isInteger(before) || before < 2)
        throw new CliError('--before: expected a seq of 2 or more', 2);
      const path = dbPath(opts);
      const before0 = verifyAuditDatabase(path);
      if (!before0.ok)
        throw new CliError(
          `${path} does not verify; fix or investigate it before pruning:\n${formatVerifyReport(before0, path)}`,
          1,
        );
      let moved: number;
      const db = new Database(path, { fileMustExist: true, timeout: 5000 });
      try {
        moved = pruneAuditDatabase(db, before, opts.archive);
      } catch (error) {
        throw new CliError(`audit prune: ${(error as Error).message}`, 1);
      } finally {
        db.close();
      }
      process.stdout.write(
        `moved ${moved} records to ${opts.archive}; ${formatVerifyReport(verifyAuditDatabase(path), path)}\n`,
      );
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
