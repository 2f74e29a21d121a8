/**
 * `GET /dashboard`: the operators' dashboard, a static page whose data comes from the admin API with the
 * admin key the operator signs in with (kept in the tab's session storage, sent as a bearer header, never
 * in a URL). The files ship in the package (`dashboard/`, and uPlot from its own dependency); they are read
 * once when the gateway starts and served from memory with a strict Content-Security-Policy: scripts and
 * styles from this origin only, nothing inline, no framing.
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from '../context.js';
import { httpError } from '../errors.js';

/** The Content-Security-Policy of every dashboard response. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Where the page's own files live: `dashboard/` at the package root (from `src/` and from `dist/`). */
export const DASHBOARD_DIR = fileURLToPath(new URL('../../../dashboard/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** One file of the page, held in memory. */
export interface DashboardAsset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

function asset(body: Buffer, type: string): DashboardAsset {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
}

/**
 * Reads the page's files and uPlot's into memory; an empty map when the folder is missing. The package's
 * files are read once per process (they do not change while it runs).
 */
export function loadDashboardAssets(dir: string = DASHBOARD_DIR): Map<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return assets;
  }
  for (const name of names) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, asset(readFileSync(join(dir, name)), type));
  }
  const require = createRequire(import.meta.url);
  for (const [name, file] of [
    ['vendor/uPlot.esm.js', 'uplot/dist/uPlot.esm.js'],
    ['vendor/uPlot.min.css', 'uplot/dist/uPlot.min.css'],
  ] as const) {
    try {
      assets.set(name, asset(readFileSync(require.resolve(file)), TYPES[extname(name)]!));
    } catch {
      // without uPlot the page still works; its charts say so
    }
  }
  return assets;
}

let shipped: Map<string, DashboardAsset> | undefined;

/** Registers `/dashboard` (the page) and `/dashboard/<file>` (its scripts, styles and uPlot). */
export function registerDashboard(app: FastifyInstance, files?: Map<string, DashboardAsset>): void {
  if (!files) shipped ??= loadDashboardAssets();
  const assets = files ?? shipped!;
  const send = (request: FastifyRequest, reply: FastifyReply, name: string) => {
    const file = assets.get(name);
    if (!file) {
      const what = name === 'index.html' ? 'The dashboard is not installed' : 'Unknown dashboard file';
      return sendError(reply, httpError(404, 'not_found_error', what, 'not_found'));
    }
    reply
      .header('content-security-policy', DASHBOARD_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .header('x-frame-options', 'DENY')
      .header('cache-control', 'no-cache')
      .header('etag', file.etag);
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.type(file.type).send(file.body);
  };
  app.get('/dashboard', (request, reply) => send(request, reply, 'index.html'));
  app.get<{ Params: { '*': string } }>('/dashboard/*', (request, reply) =>
    send(request, reply, request.params['*'] || 'index.html'),
  );
}
