/**
 * The top-level commands: how the root help shows each one, and the module that defines it. `--help` and
 * `--version` are answered from this table alone; running a command loads only the module that defines
 * it, so a quick command never pays for the gateway, SQLite or the consensus code.
 * @packageDocumentation
 */
import type { Command } from 'commander';

/** A top-level command's line in the root help. */
export interface CommandHelp {
  /** The command as the help lists it, e.g. `vote [options] <minutes-folder>`. */
  readonly term: string;
  readonly description: string;
}

/** The root help's line for each top-level command (the modules take their description from here). */
export const COMMAND_HELP = {
  serve: {
    term: 'serve [options]',
    description: 'Run the OpenAI-compatible resilient gateway (embedded simulated models when no --config).',
  },
  status: {
    term: 'status [options]',
    description: 'Show the health and breaker state of every model of a running gateway.',
  },
  vote: {
    term: 'vote [options] <minutes-folder>',
    description: 'Run a governance voting round over a CMMV-Hive minutes folder (needs proposals.json).',
  },
  chain: { term: 'chain', description: 'Voting-chain records.' },
  emergency: {
    term: 'emergency',
    description:
      'Emergency consensus: finalise a round under a reduced quorum with k-of-n operator signatures.',
  },
  audit: { term: 'audit', description: 'Verify and read the tamper-evident audit log.' },
  chaos: { term: 'chaos', description: 'Chaos engineering: fault-injecting upstreams for drills.' },
  'chaos-upstream': { term: 'chaos-upstream [options]', description: 'Same as `chaos upstream`.' },
  config: { term: 'config', description: 'Validate a config file or print its JSON Schema.' },
  keys: { term: 'keys', description: 'Make admin and client keys (the config stores only digests).' },
} as const satisfies Record<string, CommandHelp>;

/** A top-level command name. */
export type CommandName = keyof typeof COMMAND_HELP;

/** A module defining one or more top-level commands, loaded on demand. */
export interface CommandModule {
  readonly names: readonly CommandName[];
  readonly load: () => Promise<(program: Command) => void>;
}

/** Every command module, in the order the root help lists their commands. */
export const COMMAND_MODULES: readonly CommandModule[] = [
  { names: ['serve'], load: async () => (await import('./commands/serve.js')).registerServeCommand },
  { names: ['status'], load: async () => (await import('./commands/status.js')).registerStatusCommand },
  {
    names: ['vote', 'chain', 'emergency'],
    load: async () => (await import('./commands/consensus.js')).registerConsensusCommands,
  },
  { names: ['audit'], load: async () => (await import('./commands/audit.js')).registerAuditCommands },
  {
    names: ['chaos', 'chaos-upstream'],
    load: async () => (await import('./commands/chaos.js')).registerChaosCommands,
  },
  { names: ['config'], load: async () => (await import('./commands/config.js')).registerConfigCommands },
  { names: ['keys'], load: async () => (await import('./commands/keys.js')).registerKeysCommands },
];
