/**
 * `hive-resilience status`: asks a running gateway for its models, health and breakers and prints a table.
 * @packageDocumentation
 */
import type { Command } from 'commander';
import { CliError } from '../cli-error.js';

interface ModelRow {
  id: string;
  owned_by?: string;
  hive?: { health?: { status?: string; score?: number }; breaker?: string };
}

/** Registers `status`. */
export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show the health and breaker state of every model of a running gateway.')
    .option('-u, --url <url>', 'gateway URL', 'http://127.0.0.1:8080')
    .option('-k, --admin-key <key>', 'admin key with read scope (default: HIVE_ADMIN_KEY)')
    .option('--json', 'print the raw JSON')
    .action(async (opts: { url: string; adminKey?: string; json?: boolean }) => {
      const key = opts.adminKey ?? process.env.HIVE_ADMIN_KEY;
      const base = opts.url.replace(/\/+$/, '');
      const models = await getJson<{ data: ModelRow[] }>(`${base}/v1/models`, undefined);
      const health = key ? await getJson<unknown>(`${base}/health/models`, key) : undefined;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ models: models.data, health }, null, 2)}\n`);
        return;
      }
      const rows = models.data.map((m) => [
        m.id,
        m.owned_by ?? '',
        m.hive?.health?.status ?? '?',
        m.hive?.health?.score === undefined ? '' : m.hive.health.score.toFixed(2),
        m.hive?.breaker ?? '?',
      ]);
      process.stdout.write(table(['model', 'provider', 'health', 'score', 'breaker'], rows));
      if (!key)
        process.stdout.write('(pass --admin-key or set HIVE_ADMIN_KEY for latency and error rates)\n');
      else process.stdout.write(`${JSON.stringify(health, null, 2)}\n`);
    });
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
