/**
 * `hive-resilience vote`, `chain verify` and `emergency keygen|request|sign|authorise`: governance rounds
 * over the engine, verification of minutes folders, and operator-signed emergency consensus.
 *
 * Exit codes: 0 finalised / chain valid; 1 chain defects; 2 bad input; 3 `emergency_pending`;
 * 4 `quorum_failed`; 5 emergency authorisation refused.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import { SqliteAuditLog } from '../../audit/sqlite-audit-log.js';
import { ConfigError, formatIssue, loadConfig } from '../../config/index.js';
import type { HiveConfig } from '../../config/schema.js';
import { consensusAuditRecord } from '../../consensus/audit-events.js';
import {
  type Authorisation,
  type AuthorisationRequest,
  combineSignatures,
  createAuthorisationRequest,
  generateOperatorKey,
  type OperatorKey,
  parsePublicKey,
  signAuthorisation,
} from '../../consensus/authorisation.js';
import { finaliseWithAuthorisation } from '../../consensus/emergency-round.js';
import { EngineVoteBackend } from '../../consensus/engine-vote-backend.js';
import type { ConsensusEvent } from '../../consensus/events.js';
import { parseProposals } from '../../consensus/proposal.js';
import type { RoundOutcome, VoterSpec } from '../../consensus/round-options.js';
import { runRound } from '../../consensus/round-runner.js';
import { loadRoundState, PENDING_FILE } from '../../consensus/round-state.js';
import { makeRules } from '../../consensus/rules.js';
import { formatChainReport, verifyMinutes } from '../../consensus/verify.js';
import { ResilienceEngine } from '../../engine/resilience-engine.js';
import { DEFAULT_CONFIG_PATH } from '../../gateway/start-gateway.js';
import { CliError, parseDurationOption } from '../cli-error.js';

/** Where the consensus commands write and how they set the exit code (tests capture them). */
export interface ConsensusCliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly setExitCode: (code: number) => void;
}

const processIo: ConsensusCliIo = {
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

async function readJson(path: string, what: string): Promise<unknown> {
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

/** Reads and checks an operator-keys file; errors name the file and the field. */
export async function readOperatorKeys(path: string): Promise<OperatorKeysFile> {
  const parsed = operatorKeysFileSchema.safeParse(await readJson(path, '--operator-keys'));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(`--operator-keys: ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const names = new Set<string>();
  for (const [i, op] of parsed.data.operators.entries()) {
    if (names.has(op.name))
      throw new CliError(`--operator-keys: ${path}: operators.${i}.name: duplicate ${op.name}`);
    names.add(op.name);
    if (!parsePublicKey(op.publicKey)) {
      throw new CliError(`--operator-keys: ${path}: operators.${i}.publicKey: not an Ed25519 public key`);
    }
  }
  if (parsed.data.threshold > parsed.data.operators.length) {
    throw new CliError(
      `--operator-keys: ${path}: threshold: ${parsed.data.threshold} exceeds the ${parsed.data.operators.length} operator(s)`,
    );
  }
  return parsed.data;
}

const requestSchema = z.object({
  round_id: z.string().min(1),
  reduced_quorum: z.int().min(1),
  expires_at: z.string().min(1),
  nonce: z.string().min(8),
});

async function readRequest(path: string, what: string): Promise<AuthorisationRequest> {
  const parsed = requestSchema.safeParse(await readJson(path, what));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new CliError(`${what}: ${path}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const { round_id, reduced_quorum, expires_at, nonce } = parsed.data;
  return { round_id, reduced_quorum, expires_at, nonce };
}

const signaturePartSchema = requestSchema.extend({
  signatures: z.array(z.object({ signer: z.string().min(1), signature: z.string().min(1) })).min(1),
});

async function requireFolder(path: string, what = 'minutes folder'): Promise<string> {
  const dir = resolve(path);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new CliError(`${what}: ${path} is not a directory`);
  return dir;
}

function parseIntOption(value: string, option: string, min = 1): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new CliError(`${option}: expected an integer >= ${min}, got "${value}"`);
  return n;
}

function parseFraction(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1))
    throw new CliError(`--quorum-fraction: expected a number in (0, 1], got "${value}"`);
  return n;
}

async function loadConfigFor(path: string | undefined): Promise<HiveConfig> {
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

function openAudit(dataDir: string, io: ConsensusCliIo): AuditLog {
  try {
    return new SqliteAuditLog({
      dataDir,
      onError: (e) => io.stderr(`hive-resilience: audit log: ${e.message}\n`),
    });
  } catch (error) {
    throw new CliError(`--data-dir: cannot open the audit log in ${dataDir}: ${(error as Error).message}`);
  }
}

interface VoteOptions {
  config?: string;
  voters?: string;
  minuteId?: string;
  deadline: string;
  voterDeadline: string;
  attempts: string;
  substitute?: boolean;
  quorumVotes?: string;
  quorumFraction?: string;
  emergency?: boolean;
  operatorKeys?: string;
  threshold?: string;
  dataDir: string;
}

function progressLine(
  startedAt: number,
  e: Extract<ConsensusEvent, { type: 'voter.status' }>,
  width: number,
) {
  const secs = ((Date.now() - startedAt) / 1000).toFixed(1).padStart(4);
  const extra = [
    e.attempt > 1 ? `attempt ${e.attempt}` : '',
    e.substitute_for ? `for ${e.substitute_for}` : '',
    e.detail && e.status !== 'voted' ? e.detail : '',
  ].filter(Boolean);
  return `[${secs}s] ${e.voter.padEnd(width)}  ${e.status}${extra.length ? `  (${extra.join('; ')})` : ''}\n`;
}

function summary(outcome: RoundOutcome, dir: string): string {
  const lines = [`round ${outcome.roundId}: ${outcome.status}`];
  const q = outcome.tally.quorum;
  const need = [
    q.min_votes !== null ? `${q.min_votes} votes` : '',
    q.min_general_fraction !== null ? `${q.min_general_fraction * 100}% of ${q.general_seats} generals` : '',
  ].filter(Boolean);
  lines.push(
    `quorum: ${q.met ? 'met' : 'not met'}: ${q.votes} vote(s), ${q.general_votes} general; needs ${need.join(q.mode === 'all' ? ' and ' : ' or ') || '1 vote'}`,
  );
  lines.push('proposals:');
  for (const p of outcome.tally.proposals) {
    const score = p.score === null ? '-' : String(p.score);
    lines.push(`  ${p.id.padEnd(6)} score ${score.padStart(5)} / ${p.threshold}  ${p.status}`);
  }
  lines.push('voters:');
  for (const v of outcome.voters) {
    const note =
      v.role === 'substitute'
        ? `substituting for ${v.substitute_for}`
        : v.substituted_by
          ? `substituted by ${v.substituted_by}`
          : (v.detail ?? '');
    lines.push(`  ${v.id.padEnd(20)} ${v.status.padEnd(11)} ${note}`.trimEnd());
  }
  if (outcome.status === 'emergency_pending') {
    lines.push(
      `emergency consensus needed: see ${join(dir, PENDING_FILE)}; next: hive-resilience emergency request ${dir} --reduced-quorum <n>`,
    );
  } else lines.push(`minutes written to ${dir}`);
  return `${lines.join('\n')}\n`;
}

async function voteAction(folder: string, opts: VoteOptions, io: ConsensusCliIo): Promise<void> {
  const dir = await requireFolder(folder);
  const proposalsJson = await readJson(join(dir, 'proposals.json'), 'proposals.json');
  const parsed = parseProposals(proposalsJson);
  if (!parsed.ok) throw new CliError(`proposals.json: ${parsed.errors.join('; ')}`);
  const minuteId = opts.minuteId ?? parsed.value.minuteId ?? basename(dir);
  const deadlineMs = parseDurationOption(opts.deadline, '--deadline');
  const perVoterDeadlineMs = parseDurationOption(opts.voterDeadline, '--voter-deadline');
  const maxAttempts = parseIntOption(opts.attempts, '--attempts');
  const config = await loadConfigFor(opts.config);

  const engine = ResilienceEngine.fromConfig(config, { probes: false });
  let audit: AuditLog | undefined;
  try {
    const registry = engine.current.registry;
    const spec = (id: string): VoterSpec => {
      const m = registry.get(id)!;
      return { id: m.id, tier: m.tier, capabilities: [...m.capabilities] };
    };
    let voters: VoterSpec[];
    if (opts.voters !== undefined) {
      voters = opts.voters
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((name) => {
          const id = registry.resolveId(name);
          if (!id) throw new CliError(`--voters: unknown model "${name}" (not in the configuration)`);
          return spec(id);
        });
    } else voters = registry.byTier('general').map((m) => spec(m.id));
    if (voters.length === 0)
      throw new CliError('--voters: no voters (the configuration has no tier: general models)');
    const substitutes = registry
      .all()
      .filter((m) => m.capabilities.has('voting') && !voters.some((v) => v.id === m.id))
      .map((m) => spec(m.id));

    const configEmergency = registry.chains().some((c) => c.enableEmergencyConsensus);
    let emergency: { enabled: true; operatorKeys: readonly OperatorKey[]; threshold: number } | undefined;
    if (opts.operatorKeys) {
      const keys = await readOperatorKeys(opts.operatorKeys);
      const threshold = opts.threshold ? parseIntOption(opts.threshold, '--threshold') : keys.threshold;
      if (threshold > keys.operators.length) {
        throw new CliError(
          `--threshold: ${threshold} exceeds the ${keys.operators.length} registered operator(s)`,
        );
      }
      if (opts.emergency || configEmergency)
        emergency = { enabled: true, operatorKeys: keys.operators, threshold };
    } else if (opts.emergency) {
      throw new CliError('--emergency needs --operator-keys <file> (the registered operators)');
    } else if (configEmergency) {
      io.stderr(
        'note: emergency consensus is enabled in the config but no --operator-keys were given; it is off\n',
      );
    }

    const minVotes = opts.quorumVotes
      ? parseIntOption(opts.quorumVotes, '--quorum-votes')
      : Math.min(5, voters.length);
    const fraction = opts.quorumFraction ? parseFraction(opts.quorumFraction) : 0.6;
    const rules = makeRules({
      allowSubstitution: opts.substitute === true,
      quorum: { minVotes, minGeneralFraction: fraction, mode: 'all' },
    });

    audit = openAudit(opts.dataDir, io);
    const log = audit;
    const width = Math.max(...[...voters, ...substitutes].map((v) => v.id.length));
    const startedAt = Date.now();
    io.stderr(`vote ${minuteId}: ${voters.length} voter(s): ${voters.map((v) => v.id).join(', ')}\n`);
    let outcome: RoundOutcome;
    // engine and round timers are unref'ed; keep the process alive while the round runs
    const keepAlive = setInterval(() => {}, 1000);
    try {
      outcome = await runRound({
        minutesDir: dir,
        minuteId,
        voters,
        substitutes,
        rules,
        backend: new EngineVoteBackend(engine),
        deadlineMs,
        perVoterDeadlineMs,
        maxAttempts,
        ...(emergency ? { emergency } : {}),
        onEvent: (e) => {
          log.append(consensusAuditRecord(e));
          if (e.type === 'voter.status' && e.status !== 'pending')
            io.stderr(progressLine(startedAt, e, width));
        },
      });
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError((error as Error).message);
    } finally {
      clearInterval(keepAlive);
    }
    io.stdout(summary(outcome, dir));
    io.setExitCode(
      outcome.status === 'emergency_pending'
        ? CONSENSUS_EXIT.emergencyPending
        : outcome.status === 'quorum_failed'
          ? CONSENSUS_EXIT.quorumFailed
          : CONSENSUS_EXIT.ok,
    );
  } finally {
    if (audit) {
      await audit.flush();
      audit.close();
    }
    await engine.close();
  }
}

function registerVote(program: Command, io: ConsensusCliIo): void {
  program
    .command('vote')
    .description('Run a governance voting round over a CMMV-Hive minutes folder (needs proposals.json).')
    .argument(
      '<minutes-folder>',
      'the minutes folder (proposals.json; votes, chain and results are written here)',
    )
    .option('-c, --config <file>', 'configuration file (default: the embedded simulated config)')
    .option('--voters <ids>', "comma-separated voter models (default: the config's tier: general models)")
    .option('--minute-id <id>', 'minute id (default: proposals.json minute_id, else the folder name)')
    .option('--deadline <duration>', 'deadline of the whole round', '120s')
    .option('--voter-deadline <duration>', 'deadline of each voter', '60s')
    .option('--attempts <n>', 'attempts per voter (malformed answers are retried)', '2')
    .option(
      '--substitute',
      'let a same-tier model with the voting capability vote, under its own id, for a failed voter',
    )
    .option('--quorum-votes <n>', 'minimum votes (default: min(5, voters))')
    .option('--quorum-fraction <f>', 'minimum fraction of generals that voted', '0.6')
    .option('--emergency', 'stop in emergency_pending when quorum is lost (needs --operator-keys)')
    .option(
      '--operator-keys <file>',
      'registered operators: { "threshold": k, "operators": [{ "name", "publicKey" }] }',
    )
    .option(
      '--threshold <k>',
      'operators that must sign an emergency authorisation (default: from the keys file)',
    )
    .option('-d, --data-dir <dir>', 'where the audit log lives', '.data')
    .action((folder: string, opts: VoteOptions) => voteAction(folder, opts, io));
}

function registerChainVerify(program: Command, io: ConsensusCliIo): void {
  program
    .command('chain')
    .description('Voting-chain records.')
    .command('verify')
    .description('Recompute every file and block hash of a minutes folder and re-tally against results.json.')
    .argument('<minutes-folder>')
    .option('--json', 'print the report as JSON')
    .action(async (folder: string, opts: { json?: boolean }) => {
      const dir = await requireFolder(folder);
      const report = await verifyMinutes(dir);
      io.stdout(opts.json ? `${JSON.stringify(report, null, 2)}\n` : formatChainReport(report));
      io.setExitCode(report.ok ? CONSENSUS_EXIT.ok : CONSENSUS_EXIT.defects);
    });
}

async function writeOut(
  path: string | undefined,
  text: string,
  io: ConsensusCliIo,
  mode?: number,
): Promise<void> {
  if (path) {
    await writeFile(path, text, mode !== undefined ? { mode } : {}).catch((error: NodeJS.ErrnoException) => {
      throw new CliError(`--out: cannot write ${path}: ${error.code ?? error.message}`);
    });
    io.stderr(`wrote ${path}\n`);
  }
  io.stdout(text);
}

function registerEmergency(program: Command, io: ConsensusCliIo): void {
  const emergency = program
    .command('emergency')
    .description(
      'Emergency consensus: finalise a round under a reduced quorum with k-of-n operator signatures.',
    );

  emergency
    .command('keygen')
    .description('Generate an operator Ed25519 key: <name>.key.pem (secret, mode 0600) and <name>.pub.json.')
    .argument('<name>', 'operator name')
    .option('--out <dir>', 'output directory', '.')
    .action(async (name: string, opts: { out: string }) => {
      if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new CliError(`name: "${name}" must match [A-Za-z0-9._-]+`);
      const dir = await requireFolder(opts.out, '--out');
      const pair = generateOperatorKey(name);
      const keyPath = join(dir, `${name}.key.pem`);
      const pubPath = join(dir, `${name}.pub.json`);
      await writeFile(keyPath, pair.privateKey, { mode: 0o600, flag: 'wx' }).catch(
        (error: NodeJS.ErrnoException) => {
          throw new CliError(
            `--out: cannot write ${keyPath}: ${error.code === 'EEXIST' ? 'it already exists' : error.code}`,
          );
        },
      );
      const entry = `${JSON.stringify({ name, publicKey: pair.publicKey }, null, 2)}\n`;
      await writeFile(pubPath, entry);
      io.stderr(`wrote ${keyPath} (private, keep it secret) and ${pubPath} (add it to operator-keys.json)\n`);
      io.stdout(entry);
    });

  emergency
    .command('request')
    .description('Print an authorisation request for the pending round of a minutes folder.')
    .argument('<minutes-folder>')
    .requiredOption('--reduced-quorum <n>', 'the quorum (votes) to finalise under')
    .option('--expires <duration>', 'validity from now', '1h')
    .option('--out <file>', 'also write the request to this file')
    .action(async (folder: string, opts: { reducedQuorum: string; expires: string; out?: string }) => {
      const dir = await requireFolder(folder);
      const state = await loadRoundState(dir);
      if (!state)
        throw new CliError(`${folder}: no ${PENDING_FILE}: the round is not waiting for an authorisation`);
      if (state.status !== 'pending')
        throw new CliError(`${folder}: round ${state.round_id} is already finalised`);
      const quorum = parseIntOption(opts.reducedQuorum, '--reduced-quorum');
      if (quorum > state.votes) {
        throw new CliError(`--reduced-quorum: ${quorum} exceeds the ${state.votes} vote(s) filed`);
      }
      const expires = Date.now() + parseDurationOption(opts.expires, '--expires');
      const request = createAuthorisationRequest(
        state.round_id,
        quorum,
        expires,
        randomBytes(16).toString('hex'),
      );
      await writeOut(opts.out, `${JSON.stringify(request, null, 2)}\n`, io);
    });

  emergency
    .command('sign')
    .description('Sign an authorisation request with an operator key; prints the signature part.')
    .argument('<request-json>')
    .requiredOption('--key <pem>', "the operator's <name>.key.pem")
    .requiredOption('--name <name>', 'the operator name registered with the public key')
    .option('--out <file>', 'also write the signature part to this file')
    .action(async (requestPath: string, opts: { key: string; name: string; out?: string }) => {
      const request = await readRequest(requestPath, 'request');
      const pem = await readFile(opts.key, 'utf8').catch((error: NodeJS.ErrnoException) => {
        throw new CliError(`--key: cannot read ${opts.key}: ${error.code ?? 'error'}`);
      });
      let part: Authorisation;
      try {
        part = signAuthorisation(request, pem, opts.name);
      } catch {
        throw new CliError(`--key: ${opts.key} is not an Ed25519 private key (PKCS#8 PEM)`);
      }
      await writeOut(opts.out, `${JSON.stringify(part, null, 2)}\n`, io);
    });

  emergency
    .command('authorise')
    .alias('authorize')
    .description('Combine signatures and finalise the pending round under the reduced quorum.')
    .argument('<minutes-folder>')
    .requiredOption('--request <file>', 'the request JSON')
    .requiredOption('--signatures <files>', 'comma-separated signature parts')
    .requiredOption('--operator-keys <file>', 'the registered operators (not the copy in the pending file)')
    .option('--threshold <k>', 'override the threshold of the keys file')
    .option('-d, --data-dir <dir>', 'where the audit log lives', '.data')
    .action(
      async (
        folder: string,
        opts: {
          request: string;
          signatures: string;
          operatorKeys: string;
          threshold?: string;
          dataDir: string;
        },
      ) => {
        const dir = await requireFolder(folder);
        const state = await loadRoundState(dir);
        if (!state)
          throw new CliError(`${folder}: no ${PENDING_FILE}: the round is not waiting for an authorisation`);
        const keys = await readOperatorKeys(opts.operatorKeys);
        const threshold = opts.threshold ? parseIntOption(opts.threshold, '--threshold') : keys.threshold;
        const request = await readRequest(opts.request, '--request');
        const files = opts.signatures
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (files.length === 0) throw new CliError('--signatures: no files given');
        const parts: Authorisation[] = [];
        for (const file of files) {
          const parsed = signaturePartSchema.safeParse(await readJson(file, '--signatures'));
          if (!parsed.success) {
            const issue = parsed.error.issues[0]!;
            throw new CliError(
              `--signatures: ${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
            );
          }
          parts.push(parsed.data);
        }
        const combined = combineSignatures([{ ...request, signatures: [] }, ...parts]);
        if (!combined.ok) {
          const msg = combined.errors.map((e) =>
            e.replace(/^parts\[(\d+)\]/, (_, i) => files[Number(i) - 1] ?? 'request'),
          );
          throw new CliError(`--signatures: ${msg.join('; ')}`);
        }
        const audit = openAudit(opts.dataDir, io);
        const claimedSigners = combined.value.signatures.map((s) => s.signer);
        try {
          const outcome = await finaliseWithAuthorisation(state, combined.value, {
            operatorKeys: keys.operators,
            threshold,
            onEvent: (e) => audit.append(consensusAuditRecord(e, { claimedSigners })),
          });
          if (outcome.ok) {
            io.stdout(
              `round ${state.round_id}: emergency_finalised under reduced quorum ${request.reduced_quorum}, ` +
                `signed by ${outcome.signers.join(', ')}\n` +
                outcome.results.proposals.map((p) => `  ${p.id.padEnd(6)} ${p.status}\n`).join(''),
            );
            io.setExitCode(CONSENSUS_EXIT.ok);
          } else {
            io.stdout(
              `round ${state.round_id}: authorisation refused (${outcome.reason}): ${outcome.message}\n`,
            );
            io.setExitCode(CONSENSUS_EXIT.refused);
          }
        } finally {
          await audit.flush();
          audit.close();
        }
      },
    );
}

/** Registers `vote`, `chain verify` and `emergency keygen|request|sign|authorise`. */
export function registerConsensusCommands(program: Command, io: ConsensusCliIo = processIo): void {
  registerVote(program, io);
  registerChainVerify(program, io);
  registerEmergency(program, io);
}
