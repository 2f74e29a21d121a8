/**
 * `hive-resilience emergency keygen|request|sign|authorise`: operator keys, authorisation requests,
 * signatures, and finalising a pending round under a reduced quorum (exit 5 when refused).
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { z } from 'zod';
import { consensusAuditRecord } from '../../consensus/audit-events.js';
import {
  type Authorisation,
  type AuthorisationRequest,
  combineSignatures,
  createAuthorisationRequest,
  generateOperatorKey,
  requestOf,
  signAuthorisation,
} from '../../consensus/authorisation.js';
import { finaliseWithAuthorisation } from '../../consensus/emergency-round.js';
import { FileNonceStore } from '../../consensus/nonce-store.js';
import { loadRoundState, minutesDigest, PENDING_FILE, type RoundState } from '../../consensus/round-state.js';
import { CliError, parseDurationOption } from '../cli-error.js';
import { COMMAND_HELP } from '../command-catalog.js';
import {
  CONSENSUS_EXIT,
  type ConsensusCliIo,
  openAudit,
  parseIntOption,
  readJsonAs,
  readOperatorKeys,
  requireFolder,
} from './consensus-io.js';

const requestSchema = z.object({
  round_id: z.string().min(1),
  reduced_quorum: z.int().min(1),
  expires_at: z.string().min(1),
  nonce: z.string().min(8),
  minutes_sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters')
    .optional(),
});

async function readRequest(path: string, what: string): Promise<AuthorisationRequest> {
  return requestOf(await readJsonAs(requestSchema, path, what));
}

const signaturePartSchema = requestSchema.extend({
  signatures: z.array(z.object({ signer: z.string().min(1), signature: z.string().min(1) })).min(1),
});

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

/** The environment variable naming the directory of used nonces (`--state-dir`). */
export const STATE_DIR_ENV = 'HIVE_EMERGENCY_STATE_DIR';

/** The pending state of a minutes folder, or a CliError saying why there is none. */
async function pendingState(dir: string, folder: string): Promise<RoundState> {
  let state: RoundState | undefined;
  try {
    state = await loadRoundState(dir);
  } catch (error) {
    throw new CliError(`${folder}: ${(error as Error).message}`);
  }
  if (!state)
    throw new CliError(`${folder}: no ${PENDING_FILE}: the round is not waiting for an authorisation`);
  return state;
}

/** The nearest existing ancestor of `path` (itself included), with symbolic links resolved. */
async function realAncestor(path: string): Promise<string> {
  let p = resolve(path);
  for (;;) {
    try {
      return await realpath(p);
    } catch {
      const up = dirname(p);
      if (up === p) return p;
      p = up;
    }
  }
}

/** Resolves the used-nonce directory and refuses one inside the minutes folder (its edits could reset it). */
async function stateDirOutside(minutesDir: string, stateDir: string): Promise<string> {
  const minutes = await realpath(minutesDir);
  const target = await realAncestor(stateDir);
  const inside = relative(minutes, target);
  if (inside === '' || (inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside))) {
    throw new CliError(
      `--state-dir: ${stateDir} is inside the minutes folder; used nonces must be kept outside it`,
    );
  }
  return resolve(stateDir);
}

/** Registers `emergency keygen|request|sign|authorise`. */
export function registerEmergency(program: Command, io: ConsensusCliIo): void {
  const emergency = program.command('emergency').description(COMMAND_HELP.emergency.description);

  emergency
    .command('keygen')
    .description('Generate an operator Ed25519 key: <name>.key.pem (secret, mode 0600) and <name>.pub.json.')
    .argument('<name>', 'operator name')
    .option('--out <dir>', 'output directory (created when missing)', '.')
    .action(async (name: string, opts: { out: string }) => {
      if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new CliError(`name: "${name}" must match [A-Za-z0-9._-]+`);
      const dir = resolve(opts.out);
      await mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
        throw new CliError(`--out: cannot create ${opts.out}: ${error.code ?? error.message}`);
      });
      await requireFolder(opts.out, '--out');
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
      const state = await pendingState(dir, folder);
      if (state.status !== 'pending')
        throw new CliError(`${folder}: round ${state.round_id} is already finalised`);
      const quorum = parseIntOption(opts.reducedQuorum, '--reduced-quorum');
      if (quorum > state.votes) {
        throw new CliError(`--reduced-quorum: ${quorum} exceeds the ${state.votes} vote(s) filed`);
      }
      const expires = Date.now() + parseDurationOption(opts.expires, '--expires');
      let digest: string;
      try {
        digest = await minutesDigest(dir);
      } catch (error) {
        throw new CliError(`${folder}: ${(error as Error).message}`);
      }
      const request = createAuthorisationRequest(
        state.round_id,
        quorum,
        expires,
        randomBytes(16).toString('hex'),
        digest,
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
    .option(
      '--threshold <k>',
      "require more signers than the keys file's threshold (k can only be raised, never lowered)",
    )
    .option(
      '--state-dir <dir>',
      `where used nonces are recorded, outside every minutes folder (default: $${STATE_DIR_ENV}, else --data-dir)`,
    )
    .option('-d, --data-dir <dir>', 'where the audit log lives', '.data')
    .action(
      async (
        folder: string,
        opts: {
          request: string;
          signatures: string;
          operatorKeys: string;
          threshold?: string;
          stateDir?: string;
          dataDir: string;
        },
      ) => {
        const dir = await requireFolder(folder);
        const state = await pendingState(dir, folder);
        const keys = await readOperatorKeys(opts.operatorKeys);
        let minSigners: number | undefined;
        if (opts.threshold !== undefined) {
          minSigners = parseIntOption(opts.threshold, '--threshold');
          if (minSigners < keys.threshold) {
            throw new CliError(
              `--threshold: ${minSigners} is below the threshold ${keys.threshold} of ${opts.operatorKeys}; ` +
                'k comes from the registered operators and can only be raised',
            );
          }
          if (minSigners > keys.operators.length) {
            throw new CliError(
              `--threshold: ${minSigners} exceeds the ${keys.operators.length} registered operator(s)`,
            );
          }
        }
        const stateDir = await stateDirOutside(
          dir,
          opts.stateDir ?? process.env[STATE_DIR_ENV] ?? opts.dataDir,
        );
        const request = await readRequest(opts.request, '--request');
        const files = opts.signatures
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (files.length === 0) throw new CliError('--signatures: no files given');
        const parts: Authorisation[] = [];
        for (const file of files) {
          parts.push(await readJsonAs(signaturePartSchema, file, '--signatures'));
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
          const outcome = await finaliseWithAuthorisation(dir, combined.value, {
            operators: keys,
            ...(minSigners !== undefined ? { minSigners } : {}),
            nonceStore: new FileNonceStore(stateDir),
            onEvent: (e) => {
              const record = consensusAuditRecord(e, { claimedSigners });
              if (e.type === 'round.emergency_lock_recovered')
                io.stderr(`hive-resilience: ${record.reason}\n`);
              audit.append(record);
            },
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
