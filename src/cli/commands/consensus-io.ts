/**
 * Shared plumbing of the consensus commands (`vote`, `chain verify`, `emergency`): where output goes, the
 * exit codes, reading JSON and operator-keys files, option parsers, and opening the config and audit log.
 * @packageDocumentation
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import { SqliteAuditLog } from '../../audit/sqlite-audit-log.js';
import { ConfigError, formatIssue, loadConfig } from '../../config/index.js';
import type { HiveConfig } from '../../config/schema.js';
import { type OperatorKey, parsePublicKey } from '../../consensus/authorisation.js';
import { DEFAULT_CONFIG_PATH } from '../../gateway/default-config.js';
import { CliError } from '../cli-error.js';

/** Where the consensus commands write and how they set the exit code (tests capture them). */
export interface ConsensusCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly setExitCode: (code: number) => void;
}

/** The real process: stdout, stderr and `process.exitCode`. */
export const processIo: ConsensusCliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  setExitCode: (c) => {
    process.exitCode = c;
  },
};

/** Exit codes of the consensus commands. */
export const CONSENSUS_EXIT = {
  ok: 0,
  defects: 1,
  usage: 2,
  emergencyPending: 3,
  quorumFailed: 4,
  refused: 5,
} as const;

const operatorKeysFileSchema = z.strictObject({
  threshold: z.int().min(1, 'must be an integer >= 1'),
  operators: z
    .array(z.strictObject({ name: z.string().min(1, 'must be non-empty'), publicKey: z.string().min(1) }))
    .min(1, 'at least one operator is required'),
});

/** The registered operators: `{ "threshold": k, "operators": [{ "name", "publicKey" }] }`. */
export interface OperatorKeysFile {
  readonly threshold: number;
  readonly operators: readonly OperatorKey[];
}

/** Reads and parses a JSON file; errors name the option or file (`what`) and the path. */
export async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(`${what}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${what}: ${path} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Reads a JSON file and checks it against `schema`.
 * @throws CliError naming the option, the file and the first field at fault
 */
export async function readJsonAs<T>(schema: z.ZodType<T>, path: string, what: string): Promise<T> {
  const parsed = schema.safeParse(await readJson(path, what));
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new CliError(`${what}: ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
}

/** Reads and checks an operator-keys file; errors name the file and the field. */
export async function readOperatorKeys(path: string): Promise<OperatorKeysFile> {
  const keys = await readJsonAs(operatorKeysFileSchema, path, '--operator-keys');
  const names = new Set<string>();
  for (const [i, op] of keys.operators.entries()) {
    if (names.has(op.name))
      throw new CliError(`--operator-keys: ${path}: operators.${i}.name: duplicate ${op.name}`);
    names.add(op.name);
    if (!parsePublicKey(op.publicKey)) {
      throw new CliError(`--operator-keys: ${path}: operators.${i}.publicKey: not an Ed25519 public key`);
    }
  }
  if (keys.threshold > keys.operators.length) {
    throw new CliError(
      `--operator-keys: ${path}: threshold: ${keys.threshold} exceeds the ${keys.operators.length} operator(s)`,
    );
  }
  return keys;
}

/** Resolves `path` and checks that it is a directory; errors name `what`. */
export async function requireFolder(path: string, what = 'minutes folder'): Promise<string> {
  const dir = resolve(path);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new CliError(`${what}: ${path} is not a directory`);
  return dir;
}

/** Parses an integer option value `>= min`; errors name the option. */
export function parseIntOption(value: string, option: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new CliError(`${option}: expected an integer >= ${min}, got "${value}"`);
  return n;
}

/** Parses `--quorum-fraction`: a number in (0, 1]. */
export function parseFraction(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1))
    throw new CliError(`--quorum-fraction: expected a number in (0, 1], got "${value}"`);
  return n;
}

/** Loads the `--config` file (default: the embedded simulated config) with CLI-friendly errors. */
export async function loadConfigFor(path: string | undefined): Promise<HiveConfig> {
  const file = path ?? DEFAULT_CONFIG_PATH;
  try {
    return await loadConfig(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(
        `--config: invalid configuration in ${file}: ${error.issues.map(formatIssue).join('; ')}`,
      );
    }
    throw new CliError(`--config: cannot load ${file}: ${(error as Error).message}`);
  }
}

/** Opens the SQLite audit log in `dataDir`; write errors go to `io.stderr`. */
export function openAudit(dataDir: string, io: ConsensusCliIo): AuditLog {
  try {
    return new SqliteAuditLog({
      dataDir,
      onError: (e) => io.stderr(`hive-resilience: audit log: ${e.message}\n`),
    });
  } catch (error) {
    throw new CliError(`--data-dir: cannot open the audit log in ${dataDir}: ${(error as Error).message}`);
  }
}
