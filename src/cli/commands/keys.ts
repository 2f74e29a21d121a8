/**
 * `hive-resilience keys admin|client`: makes a random key and the sha256 digest to put in the config.
 * @packageDocumentation
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { COMMAND_HELP } from '../command-catalog.js';

const SCOPES = ['read', 'operate', 'admin'];

/** Registers `keys admin` and `keys client`. */
export function registerKeysCommands(program: Command): void {
  const keys = program.command('keys').description(COMMAND_HELP.keys.description);
  keys
    .command('admin <name>')
    .description('Make an admin key; prints the key once and the config entry with its digest.')
    .option('-s, --scope <scope>', 'read | operate | admin', 'read')
    .action((name: string, opts: { scope: string }) => {
      if (!SCOPES.includes(opts.scope))
        throw new CliError(`--scope: expected one of ${SCOPES.join(', ')}, got "${opts.scope}"`);
      print(name, 'hra', `scope: ${opts.scope}`, 'adminKeys');
    });
  keys
    .command('client <name>')
    .description('Make a client (inference) key; prints the key once and the config entry with its digest.')
    .action((name: string) => print(name, 'hrc', undefined, 'clientKeys'));
}

function print(name: string, prefix: string, extra: string | undefined, section: string): void {
  if (!/^[\w.-]{1,64}$/.test(name))
    throw new CliError(`name: use letters, digits, ".", "_" or "-" (got "${name}")`);
  const key = `${prefix}_${randomBytes(24).toString('base64url')}`;
  const digest = createHash('sha256').update(key).digest('hex');
  process.stdout.write(
    `key (shown once, give it to the user): ${key}\n\nsecurity:\n  ${section}:\n    - name: ${name}\n` +
      `      keyHash: ${digest}\n${extra ? `      ${extra}\n` : ''}`,
  );
}
