/**
 * `hive-resilience serve`: runs the gateway until SIGINT/SIGTERM.
 * @packageDocumentation
 */
import type { Command } from 'commander';
import { DEFAULT_CONFIG_PATH, readConfig, startGateway } from '../../gateway/start-gateway.js';
import {
  exposeWorkerRegistry,
  isGatewayWorker,
  runPrimary,
  workerGatewayOptions,
  workerIndex,
} from '../../gateway/workers.js';
import { CliError, parsePort } from '../cli-error.js';
import { COMMAND_HELP } from '../command-catalog.js';
import { startDemoTraffic } from '../demo-traffic.js';
import { chooseLogFormat } from '../log-format.js';

/** Registers `serve`. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(COMMAND_HELP.serve.description)
    .option('-c, --config <file>', 'config file (YAML or JSON); default: the embedded simulated setup')
    .option('--host <host>', 'listen address (default: server.host or 127.0.0.1)')
    .option('-p, --port <port>', 'listen port (default: server.port or 8080)', (v) => parsePort(v))
    .option('--data-dir <dir>', 'where the audit database lives (default: audit.dataDir or ./.data)')
    .option('--demo', 'send a little traffic through the gateway so fallbacks and breakers show up')
    .option(
      '--log-format <format>',
      'auto (readable lines on a terminal, JSON lines otherwise), pretty or json',
      'auto',
    )
    .option(
      '-w, --workers <n>',
      'worker processes sharing the port, state (state.store, or this process without Redis) and metrics',
      parseWorkers,
    )
    .action(
      async (opts: {
        config?: string;
        host?: string;
        port?: number;
        dataDir?: string;
        demo?: boolean;
        logFormat?: string;
        workers?: number;
      }) => {
        const logFormat = chooseLogFormat(opts.logFormat, process.stdout.isTTY === true);
        if ((opts.workers ?? 1) > 1 && !isGatewayWorker()) {
          const loaded = await readConfig(opts.config ?? DEFAULT_CONFIG_PATH);
          if (!loaded.ok) throw new CliError(`invalid configuration:\n  ${loaded.errors.join('\n  ')}`, 1);
          await runPrimary(opts.workers ?? 1, loaded.config.state, (line) =>
            process.stderr.write(`hive-resilience primary: ${line}\n`),
          );
          return;
        }
        const worker = isGatewayWorker();
        const gateway = await startGateway({
          configPath: opts.config,
          host: opts.host,
          port: opts.port,
          dataDir: opts.dataDir,
          logFormat,
          ...(worker ? workerGatewayOptions() : {}),
        });
        if (worker) exposeWorkerRegistry(gateway.metrics.registry);
        const out = process.stderr;
        if (worker && workerIndex() !== 1) {
          await untilSignal();
          await gateway.close();
          process.exit(0); // the IPC channel to the primary would keep a worker alive
        }
        out.write(`\nhive-resilience gateway on ${gateway.url}  (config: ${gateway.configPath})\n`);
        out.write(`  OpenAI API:  ${gateway.url}/v1/chat/completions   models: ${gateway.url}/v1/models\n`);
        out.write(`  health:      ${gateway.url}/health/ready   metrics: ${gateway.url}/metrics\n`);
        out.write(
          `  dashboard:   ${gateway.url}/dashboard   (sign in with an admin key; events: /admin/v1/events)\n`,
        );
        if (gateway.generatedAdminKey) {
          out.write(
            `  admin key for this run (set HIVE_ADMIN_KEY to choose one): ${gateway.generatedAdminKey}\n`,
          );
        }
        out.write(
          `  try: curl -s ${gateway.url}/v1/chat/completions -H 'content-type: application/json' ` +
            `-d '{"model":"governance","messages":[{"role":"user","content":"hello"}]}'\n\n`,
        );
        const demo = opts.demo ? startDemoTraffic(gateway, out) : undefined;
        await untilSignal();
        demo?.stop();
        out.write('hive-resilience: shutting down\n');
        await gateway.close();
        if (worker) process.exit(0); // the IPC channel to the primary would keep a worker alive
      },
    );
}

function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new CliError('--workers: expected an integer from 1 to 64', 2);
  return n;
}
