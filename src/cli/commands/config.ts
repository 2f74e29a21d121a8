/**
 * `hive-resilience config validate|schema`.
 * @packageDocumentation
 */
import type { Command } from 'commander';
import { configJsonSchema } from '../../config/index.js';
import { checkGatewayConfig, DEFAULT_CONFIG_PATH, readConfig } from '../../gateway/start-gateway.js';

/** Registers `config validate` and `config schema`. */
export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('Validate a config file or print its JSON Schema.');
  config
    .command('validate [file]')
    .description('Validate a config file (default: the embedded one); every problem is named by its path.')
    .action(async (file: string | undefined) => {
      const path = file ?? DEFAULT_CONFIG_PATH;
      const loaded = await readConfig(path);
      const errors = loaded.ok ? [] : loaded.errors;
      if (loaded.ok) {
        const checked = checkGatewayConfig(loaded.config);
        if (!checked.ok) errors.push(...checked.errors);
      }
      if (errors.length > 0) {
        process.stderr.write(`${path}: invalid\n  ${errors.join('\n  ')}\n`);
        process.exitCode = 1;
        return;
      }
      const models = loaded.ok ? Object.keys(loaded.config.models).length : 0;
      process.stdout.write(`${path}: valid (${models} models)\n`);
    });
  config
    .command('schema')
    .description('Print the JSON Schema of the config file (for editor completion).')
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
}
