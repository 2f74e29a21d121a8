/**
 * `hive-resilience serve`: runs the gateway until SIGINT/SIGTERM.
 * @packageDocumentation
 */
import type { Command } from 'commander';
import { startGateway } from '../../gateway/start-gateway.js';
import { parsePort } from '../cli-error.js';
import { startDemoTraffic } from '../demo-traffic.js';
import { chooseLogFormat } from '../log-format.js';

/** Registers `serve`. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the OpenAI-compatible resilient gateway (embedded simulated models when no --config).')
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
    .action(
      async (opts: {
        config?: string;
        host?: string;
        port?: number;
        dataDir?: string;
        demo?: boolean;
        logFormat?: string;
      }) => {
        const logFormat = chooseLogFormat(opts.logFormat, process.stdout.isTTY === true);
        const gateway = await startGateway({
          configPath: opts.config,
          host: opts.host,
          port: opts.port,
          dataDir: opts.dataDir,
          logFormat,
        });
        const out = process.stderr;
        out.write(`\nhive-resilience gateway on ${gateway.url}  (config: ${gateway.configPath})\n`);
        out.write(`  OpenAI API:  ${gateway.url}/v1/chat/completions   models: ${gateway.url}/v1/models\n`);
        out.write(`  health:      ${gateway.url}/health/ready   metrics: ${gateway.url}/metrics\n`);
        out.write(`  dashboard events (SSE): ${gateway.url}/admin/v1/events\n`);
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
        await new Promise<void>((resolve) => {
          const stop = (): void => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        demo?.stop();
        out.write('hive-resilience: shutting down\n');
        await gateway.close();
      },
    );
}
