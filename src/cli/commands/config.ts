/**
 * `hive-resilience config validate|schema`.
 * @packageDocumentation
 */
import type { Command } from 'commander';
import { parseAlertsSettings } from '../../alerts/index.js';
import { parseAuditSettings } from '../../audit/index.js';
import { configJsonSchema } from '../../config/index.js';
import { DEFAULT_CONFIG_PATH, readConfig } from '../../gateway/start-gateway.js';
import { parseGatewaySettings } from '../../server/settings.js';

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
        const c = loaded.config;
        const gateway = parseGatewaySettings({ server: c.server, security: c.security, flags: c.flags });
        if (!gateway.ok) errors.push(...gateway.errors);
        for (const [parse, section] of [
          [parseAlertsSettings, c.alerts],
          [parseAuditSettings, c.audit],
        ] as const) {
          try {
            parse(section);
          } catch (error) {
            errors.push(
              ...(error as Error).message
                .split('\n')
                .slice(1)
                .map((l) => l.trim()),
            );
          }
        }
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
