/**
 * `hive-resilience chaos upstream`: a fake OpenAI/Anthropic-compatible provider with scriptable faults,
 * for failure drills and tests. `chaos-upstream` is the same command.
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { type FaultSpec, startChaosUpstream } from '../../chaos/index.js';
import { CliError, parsePort } from '../cli-error.js';
import { COMMAND_HELP } from '../command-catalog.js';

interface UpstreamOptions {
  host: string;
  port: number;
  faults?: string;
}

async function runUpstream(opts: UpstreamOptions): Promise<void> {
  let faults: FaultSpec | undefined;
  if (opts.faults) {
    try {
      faults = parseYaml(readFileSync(opts.faults, 'utf8')) as FaultSpec;
    } catch (error) {
      throw new CliError(`--faults: cannot read ${opts.faults}: ${(error as Error).message}`);
    }
  }
  let upstream: Awaited<ReturnType<typeof startChaosUpstream>>;
  try {
    upstream = await startChaosUpstream({ host: opts.host, port: opts.port, faults });
  } catch (error) {
    throw new CliError((error as Error).message, 1);
  }
  process.stderr.write(
    `chaos upstream on ${upstream.url}  (OpenAI base URL ${upstream.url}/v1; Anthropic base URL ${upstream.url})\n` +
      `  set faults:  curl -X POST ${upstream.url}/_chaos/faults -d '{"my-model":"unavailable"}'\n` +
      `  per request: header x-chaos-fault: stall | cut | 503 | reset | malformed | context_length | ...\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await upstream.close();
}

function addUpstreamOptions(cmd: Command): Command {
  return cmd
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('-p, --port <port>', 'listen port', (v) => parsePort(v), 9090)
    .option('-f, --faults <file>', 'initial faults (YAML or JSON: { "<model>": rule })');
}

/** Registers `chaos upstream` and its alias `chaos-upstream`. */
export function registerChaosCommands(program: Command): void {
  const chaos = program.command('chaos').description(COMMAND_HELP.chaos.description);
  addUpstreamOptions(
    chaos.command('upstream').description('Run a fault-injecting OpenAI/Anthropic-compatible upstream.'),
  ).action(runUpstream);
  addUpstreamOptions(
    program.command('chaos-upstream').description(COMMAND_HELP['chaos-upstream'].description),
  ).action(runUpstream);
}
