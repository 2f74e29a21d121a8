import { describe, expect, it } from 'vitest';
import { COMMAND_HELP, COMMAND_MODULES } from '../../src/cli/command-catalog.js';
import { buildProgram } from '../../src/cli/main.js';

const argv = (...args: string[]) => ['node', 'hive-resilience', ...args];

describe('lazily loaded commands', () => {
  it('answers the root help from the catalog exactly as the fully loaded program would', async () => {
    const quick = await buildProgram(argv('--help'));
    const full = await buildProgram(argv('no-such-command')); // an unknown command loads every module
    expect(quick.helpInformation()).toEqual(full.helpInformation());
    expect(full.commands.map((c) => c.name())).toEqual(Object.keys(COMMAND_HELP));
  });

  it('registers only the module of the command being run', async () => {
    const program = await buildProgram(argv('keys', 'admin', 'ops', '--scope', 'read'));
    expect(program.commands.map((c) => c.name())).toEqual(['keys']);
    const consensus = await buildProgram(argv('help', 'emergency'));
    expect(consensus.commands.map((c) => c.name())).toEqual(['vote', 'chain', 'emergency']);
  });

  it('every catalog entry is defined by exactly one module', () => {
    const owners = COMMAND_MODULES.flatMap((m) => m.names);
    expect([...owners].sort()).toEqual(Object.keys(COMMAND_HELP).sort());
  });
});
