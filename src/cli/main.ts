/**
 * The `hive-resilience` command line: serve the gateway, inspect it, run governance votes, verify
 * records, and drive chaos drills.
 * @packageDocumentation
 */
import { Command, CommanderError, Help } from 'commander';
import { CliError } from './cli-error.js';
import { COMMAND_HELP, COMMAND_MODULES, type CommandModule } from './command-catalog.js';

/**
 * Builds the program for `argv` (exported for tests). Only the module defining the command being run is
 * loaded; with no command (`--help`, `--version`) the root help comes from the command catalog, and an
 * unknown command loads every module so the error can suggest the nearest one.
 */
export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('hive-resilience')
    .description('Resilience gateway and framework for multi-model AI systems (BIP-021).')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  const word = words[0] === 'help' ? words[1] : words[0];
  const owner = (name: string): CommandModule | undefined =>
    COMMAND_MODULES.find((m) => m.names.some((n) => n === name));
  const wanted = word === undefined ? undefined : owner(word);
  if (wanted) {
    (await wanted.load())(program);
  } else if (word !== undefined) {
    for (const m of COMMAND_MODULES) (await m.load())(program);
  } else {
    for (const [name, help] of Object.entries(COMMAND_HELP))
      program.command(name).description(help.description);
    const terms: Readonly<Record<string, { readonly term: string }>> = COMMAND_HELP;
    const standard = new Help();
    program.configureHelp({
      subcommandTerm: (cmd) => terms[cmd.name()]?.term ?? standard.subcommandTerm(cmd),
    });
  }
  return program;
}

/** Runs the CLI; bad input prints one clear line and exits non-zero, never a stack trace. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync([...argv]);
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
