/**
 * The chaos upstream's mutable state (faults, sequence counters, stats, timers) and small HTTP helpers.
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ChaosFault, type FaultSpec, faultAt, parseFaultSpec } from './fault-spec.js';

/** Options for {@link startChaosUpstream}. */
export interface ChaosUpstreamOptions {
  /** Port to listen on (default 0: any free port). */
  readonly port?: number;
  /** Interface to bind (default `127.0.0.1`). */
  readonly host?: string;
  /** Initial faults. */
  readonly faults?: FaultSpec;
  /** When set, API requests must carry this key (Bearer or `x-api-key`), else 401. */
  readonly apiKey?: string;
  /** The normal answer (default: a nine-word sentence, streamed word by word). */
  readonly answer?: string;
  /** Model ids listed by `GET /v1/models` besides those named in the faults. */
  readonly models?: ReadonlyArray<string>;
}

/** Request counts for one model. */
export interface ChaosModelStats {
  requests: number;
  streamed: number;
  faulted: number;
}

/** Request counts since start (or the last reset). */
export interface ChaosStats {
  requests: number;
  models: Record<string, ChaosModelStats>;
}

/** The default answer: nine words, so streams have nine content chunks. */
export const DEFAULT_CHAOS_ANSWER = 'The quick brown fox jumps over the lazy dog.';
const MAX_BODY = 16 * 1024 * 1024;

/** Faults, counters, stats and pending timers of one upstream. */
export class ChaosState {
  spec: FaultSpec = {};
  counters = new Map<string, number>();
  stats: ChaosStats = { requests: 0, models: {} };
  timers = new Set<ReturnType<typeof setTimeout>>();
  seq = 0;

  set(spec: FaultSpec, merge: boolean): void {
    const parsed = parseFaultSpec(spec);
    this.spec = merge ? { ...this.spec, ...parsed } : parsed;
    if (merge) for (const key of Object.keys(parsed)) this.counters.delete(key);
    else this.counters.clear();
  }

  resolve(model: string): ChaosFault {
    const key = model in this.spec ? model : '*' in this.spec ? '*' : undefined;
    if (key === undefined) return {};
    const n = this.counters.get(key) ?? 0;
    this.counters.set(key, n + 1);
    return faultAt(this.spec[key]!, n);
  }

  count(model: string, streamed: boolean, faulted: boolean): void {
    this.stats.requests++;
    let m = this.stats.models[model];
    if (!m) {
      m = { requests: 0, streamed: 0, faulted: 0 };
      this.stats.models[model] = m;
    }
    m.requests++;
    if (streamed) m.streamed++;
    if (faulted) m.faulted++;
  }

  delay(ms: number | undefined, res: ServerResponse): Promise<boolean> {
    if (!ms) return Promise.resolve(!res.destroyed);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve(!res.destroyed);
      }, ms);
      this.timers.add(timer);
    });
  }
}

/** Writes a JSON response (unless the socket is gone). */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Reads a request body as text (at most 16 MiB). */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) reject(new Error('body too large'));
      else parts.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** The request body as a JSON object, or undefined when it is not one. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  try {
    const parsed: unknown = JSON.parse(await readBody(req));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves once everything written so far has been handed to the socket (so a cut lands after it). */
export function flushed(res: ServerResponse): Promise<void> {
  if (res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.write('\n', () => setImmediate(resolve));
  });
}
