/**
 * The `hive-resilience` command line: serve the gateway, inspect it, run governance votes, verify
 * records, and drive chaos drills.
 * @packageDocumentation
 */
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { registerAuditCommands } from './commands/audit.js';
import { registerChaosCommands } from './commands/chaos.js';
import { registerConfigCommands } from './commands/config.js';
import { registerConsensusCommands } from './commands/consensus.js';
import { registerKeysCommands } from './commands/keys.js';
import { registerServeCommand } from './commands/serve.js';
import { registerStatusCommand } from './commands/status.js';

/** Builds the program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('hive-resilience')
    .description('Resilience gateway and framework for multi-model AI systems (BIP-021).')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerServeCommand(program);
  registerStatusCommand(program);
  registerConsensusCommands(program);
  registerAuditCommands(program);
  registerChaosCommands(program);
  registerConfigCommands(program);
  registerKeysCommands(program);
  return program;
}

/** Runs the CLI; bad input prints one clear line and exits non-zero, never a stack trace. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof CliError) {
      process.stderr.write(`hive-resilience: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`hive-resilience: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

const isEntry =
  process.argv[1] !== undefined && /(?:main\.[jt]s|hive-resilience(?:\.js)?)$/.test(process.argv[1]);
if (isEntry) {
  const code = await main();
  if (code !== 0) process.exitCode = code;
}
