/**
 * `hive-resilience status`: asks a running gateway for its models, health and breakers and prints a
 * table; `--watch` redraws it every `--interval` until Ctrl-C.
 * @packageDocumentation
 */
import type { Command } from 'commander';
import { CliError, parseDurationOption } from '../cli-error.js';
import { COMMAND_HELP } from '../command-catalog.js';
import { watchStatus } from '../status-watch.js';

interface ModelRow {
  id: string;
  owned_by?: string;
  hive?: { health?: { status?: string; score?: number }; breaker?: string };
}

interface HealthRow {
  model: string;
  successRate?: number | null;
  latencyP50Ms?: number | null;
  latencyP95Ms?: number | null;
  consecutiveFailures?: number;
}

/** What `status` reads from a gateway. */
export interface GatewayStatus {
  readonly models: ModelRow[];
  /** `/health/models`, when an admin key was given. */
  readonly health: { models?: HealthRow[] } | undefined;
}

/** Registers `status`. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description(COMMAND_HELP.status.description)
    .option('-u, --url <url>', 'gateway URL', 'http://127.0.0.1:8080')
    .option('-k, --admin-key <key>', 'admin key with read scope (default: HIVE_ADMIN_KEY)')
    .option('--json', 'print the raw JSON')
    .option('-w, --watch', 'redraw the table every --interval until Ctrl-C')
    .option('--interval <duration>', 'time between redraws with --watch (e.g. 2s, 500ms)', '2s')
    .action(
      async (opts: { url: string; adminKey?: string; json?: boolean; watch?: boolean; interval: string }) => {
        const key = opts.adminKey ?? process.env.HIVE_ADMIN_KEY;
        const base = opts.url.replace(/\/+$/, '');
        if (opts.watch) {
          if (opts.json) throw new CliError('--watch and --json cannot be combined');
          const intervalMs = parseDurationOption(opts.interval, '--interval');
          if (intervalMs < 100)
            throw new CliError(`--interval: expected at least 100ms, got "${opts.interval}"`);
          const stop = new AbortController();
          process.once('SIGINT', () => stop.abort());
          await watchStatus({
            render: async () => renderStatus(await readStatus(base, key), key !== undefined),
            intervalMs,
            write: (text) => process.stdout.write(text),
            terminal: process.stdout.isTTY === true,
            signal: stop.signal,
          });
          return;
        }
        const status = await readStatus(base, key);
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
          return;
        }
        process.stdout.write(renderStatus(status, key !== undefined));
      },
    );
}

/** Reads models (and health, with an admin key) from the gateway at `base`. */
export async function readStatus(base: string, key: string | undefined): Promise<GatewayStatus> {
  const models = await getJson<{ data: ModelRow[] }>(`${base}/v1/models`, undefined);
  const health = key ? await getJson<{ models?: HealthRow[] }>(`${base}/health/models`, key) : undefined;
  return { models: models.data, health };
}

function ms(n: number | null | undefined): string {
  return typeof n === 'number' ? `${Math.round(n)}ms` : '';
}

/** The status table (with success rate and latency columns when health details were read). */
export function renderStatus(status: GatewayStatus, withKey: boolean): string {
  const details = new Map((status.health?.models ?? []).map((h) => [h.model, h]));
  const head = ['model', 'provider', 'health', 'score', 'breaker'];
  if (withKey) head.push('success', 'p50', 'p95', 'fails');
  const rows = status.models.map((m) => {
    const row = [
      m.id,
      m.owned_by ?? '',
      m.hive?.health?.status ?? '?',
      m.hive?.health?.score === undefined ? '' : m.hive.health.score.toFixed(2),
      m.hive?.breaker ?? '?',
    ];
    if (withKey) {
      const h = details.get(m.id);
      const rate = h?.successRate;
      row.push(
        typeof rate === 'number' ? `${(rate * 100).toFixed(1)}%` : '',
        ms(h?.latencyP50Ms),
        ms(h?.latencyP95Ms),
        h?.consecutiveFailures === undefined ? '' : String(h.consecutiveFailures),
      );
    }
    return row;
  });
  const hint = withKey ? '' : '(pass --admin-key or set HIVE_ADMIN_KEY for latency and error rates)\n';
  return table(head, rows) + hint;
}

async function getJson<T>(url: string, key: string | undefined): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  } catch {
    throw new CliError(`cannot reach the gateway at ${new URL(url).origin} (is it running? see --url)`, 1);
  }
  if (response.status === 401 || response.status === 403) {
    throw new CliError(
      `the gateway refused the admin key for ${new URL(url).pathname} (${response.status})`,
      1,
    );
  }
  if (!response.ok) throw new CliError(`${new URL(url).pathname} answered ${response.status}`, 1);
  return (await response.json()) as T;
}

/** Formats rows as an aligned text table. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `${cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()}\n`;
  return line(head) + line(widths.map((w) => '-'.repeat(w))) + rows.map(line).join('');
}
