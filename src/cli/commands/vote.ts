/**
 * `hive-resilience vote`: runs a governance voting round over the engine for a minutes folder, prints
 * progress and a summary, and sets the exit code (0 finalised, 3 `emergency_pending`, 4 `quorum_failed`).
 * @packageDocumentation
 */
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import type { AuditLog } from '../../audit/audit-log.js';
import { consensusAuditRecord } from '../../consensus/audit-events.js';
import type { OperatorKey } from '../../consensus/authorisation.js';
import { EngineVoteBackend } from '../../consensus/engine-vote-backend.js';
import type { ConsensusEvent } from '../../consensus/events.js';
import { assertNoSymlinks } from '../../consensus/minutes-fs.js';
import { parseProposals } from '../../consensus/proposal.js';
import type { RoundOutcome, VoterSpec } from '../../consensus/round-options.js';
import { runRound } from '../../consensus/round-runner.js';
import { PENDING_FILE } from '../../consensus/round-state.js';
import { makeRules } from '../../consensus/rules.js';
import { ResilienceEngine } from '../../engine/resilience-engine.js';
import { CliError, parseDurationOption } from '../cli-error.js';
import { COMMAND_HELP } from '../command-catalog.js';
import {
  CONSENSUS_EXIT,
  type ConsensusCliIo,
  loadConfigFor,
  openAudit,
  parseFraction,
  parseIntOption,
  readJson,
  readOperatorKeys,
  requireFolder,
} from './consensus-io.js';

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
  // a minutes folder is untrusted: refuse planted links before reading anything through them
  await assertNoSymlinks(dir).catch((error: Error) => {
    throw new CliError(error.message);
  });
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
      if (threshold < keys.threshold) {
        throw new CliError(
          `--threshold: ${threshold} is below the threshold ${keys.threshold} of ${opts.operatorKeys}; ` +
            'k comes from the registered operators and can only be raised',
        );
      }
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

/** Registers `vote <minutes-folder>`. */
export function registerVote(program: Command, io: ConsensusCliIo): void {
  program
    .command('vote')
    .description(COMMAND_HELP.vote.description)
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
      "operators that must sign an emergency authorisation (default and minimum: the keys file's threshold)",
    )
    .option('-d, --data-dir <dir>', 'where the audit log lives', '.data')
    .action((folder: string, opts: VoteOptions) => voteAction(folder, opts, io));
}
