/**
 * `hive-resilience config validate|schema`.
 * @packageDocumentation
 */
import type { Command } from 'commander';
import { configJsonSchema } from '../../config/index.js';
import { DEFAULT_CONFIG_PATH, readConfig } from '../../gateway/start-gateway.js';
import { COMMAND_HELP } from '../command-catalog.js';

/** Registers `config validate` and `config schema`. */
export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description(COMMAND_HELP.config.description);
  config
    .command('validate [file]')
    .description('Validate a config file (default: the embedded one); every problem is named by its path.')
    .action(async (file: string | undefined) => {
      const path = file ?? DEFAULT_CONFIG_PATH;
      const loaded = await readConfig(path);
      if (!loaded.ok) {
        process.stderr.write(`${path}: invalid\n  ${loaded.errors.join('\n  ')}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`${path}: valid (${Object.keys(loaded.config.models).length} models)\n`);
    });
  config
    .command('schema')
    .description('Print the JSON Schema of the config file (for editor completion).')
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
