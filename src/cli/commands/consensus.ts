/**
 * `hive-resilience vote`, `chain verify` and `emergency keygen|request|sign|authorise`: governance rounds
 * over the engine, verification of minutes folders, and operator-signed emergency consensus.
 *
 * Exit codes: 0 finalised / chain valid; 1 chain defects; 2 bad input; 3 `emergency_pending`;
 * 4 `quorum_failed`; 5 emergency authorisation refused.
 * @packageDocumentation
 */
import type { Command } from 'commander';
import { formatChainReport, verifyMinutes } from '../../consensus/verify.js';
import { COMMAND_HELP } from '../command-catalog.js';
import { CONSENSUS_EXIT, type ConsensusCliIo, processIo, requireFolder } from './consensus-io.js';
import { registerEmergency } from './emergency.js';
import { registerVote } from './vote.js';

export {
  CONSENSUS_EXIT,
  type ConsensusCliIo,
  type OperatorKeysFile,
  readOperatorKeys,
} from './consensus-io.js';

function registerChainVerify(program: Command, io: ConsensusCliIo): void {
  program
    .command('chain')
    .description(COMMAND_HELP.chain.description)
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

/** Registers `vote`, `chain verify` and `emergency keygen|request|sign|authorise`. */
export function registerConsensusCommands(program: Command, io: ConsensusCliIo = processIo): void {
  registerVote(program, io);
  registerChainVerify(program, io);
  registerEmergency(program, io);
}
