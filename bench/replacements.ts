/**
 * Hand-written parts against the well-kept libraries that do the same job (issue 15), side by side in
 * one mitata run: canonical JSON (ours vs canonicalize 2), the SSE parser (ours vs eventsource-parser 3),
 * duration text (ours; no installed library parses the same grammar), CORS (our onRequest hook vs
 * @fastify/cors 11) and the per-caller rate limit (our RequestLimiter vs @fastify/rate-limit 11), the
 * last two as whole Fastify requests through `inject`. Run: `npx tsx bench/replacements.ts [canonical|sse|
 * duration|cors|rate …]` (no names: every group).
 */
import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import canonicalizeModule from 'canonicalize';
import { createParser } from 'eventsource-parser';
import Fastify, { type FastifyInstance } from 'fastify';
import { bench, do_not_optimize, group, run as runMitata, summary } from 'mitata';
import { canonicalJson, type JsonValue } from '../src/audit/canonical-json.js';
import { systemClock } from '../src/core/clock.js';
import { parseDurationText } from '../src/core/duration.js';
import { SseParser } from '../src/providers/sse.js';
import { RequestLimiter } from '../src/server/request-limiter.js';
import { loadavg } from './loadavg.js';

// canonicalize is CommonJS (`module.exports = serialize`); its typings declare an ES default export.
const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;

/** A typical audit record body (what the audit chain hashes). */
const auditBody: JsonValue = {
  seq: 1042,
  ts: 1_796_205_281_878,
  type: 'request.fallback',
  actor: 'system',
  reason: 'sim-flaky failed (transient); trying sim-steady',
  data: {
    requestId: 'req-4f1c2a',
    target: 'governance',
    from: 'sim-flaky',
    to: 'sim-steady',
    substitution: false,
    trail: [
      { model: 'sim-flaky', kind: 'transient', latencyMs: 12.5, retries: 1, note: 'HTTP 503' },
      { model: 'sim-steady', kind: 'success', latencyMs: 48.25, retries: 0, note: '' },
    ],
  },
  prevHash: 'b1946ac92492d2347c6235b4d2611184b1946ac92492d2347c6235b4d2611184',
};

/** An OpenAI stream of 40 chunks, cut into 1 KiB network reads. */
function sseReads(): string[] {
  let text = '';
  for (let i = 0; i < 40; i++) {
    const chunk = {
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o',
      choices: [{ index: 0, delta: { content: ` word${i}` }, finish_reason: null }],
    };
    text += `data: ${JSON.stringify(chunk)}\n\n`;
  }
  text += 'data: [DONE]\n\n';
  const reads: string[] = [];
  for (let i = 0; i < text.length; i += 1024) reads.push(text.slice(i, i + 1024));
  return reads;
}

const ALLOWED = ['https://app.example.com'];

/** Our CORS hook as src/server/app.ts registers it (simple requests; preflights are a separate route). */
function ourCors(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    if (origin !== undefined && ALLOWED.includes(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
      reply.header('access-control-expose-headers', 'x-request-id, x-hive-model');
    }
    done();
  });
}

async function app(setup: (a: FastifyInstance) => Promise<void> | void): Promise<FastifyInstance> {
  const a = Fastify({ logger: false });
  await setup(a);
  a.get('/', async () => ({ ok: true }));
  await a.ready();
  return a;
}

/** The groups named on the command line (`canonical`, `sse`, `duration`, `cors`, `rate`), or all. */
function wanted(name: string): boolean {
  const picked = process.argv.slice(2);
  return picked.length === 0 || picked.includes(name);
}

/** Runs the comparisons. */
export async function run(): Promise<void> {
  const reads = sseReads();
  const bare = await app(() => {});
  const corsOurs = await app(ourCors);
  const corsLib = await app(async (a) => {
    await a.register(fastifyCors, {
      origin: ALLOWED,
      exposedHeaders: 'x-request-id, x-hive-model',
    });
  });
  const limiter = new RequestLimiter({ requestsPerMinute: 1e9, trackedClients: 10_000 }, systemClock);
  const limitOurs = await app((a) => {
    a.addHook('onRequest', (request, reply, done) => {
      const wait = limiter.take(`ip:${request.ip}`);
      if (wait > 0) reply.code(429).send({ error: 'rate limited' });
      else done();
    });
  });
  const limitLib = await app(async (a) => {
    await a.register(fastifyRateLimit, { max: 1e9, timeWindow: 60_000 });
  });
  const request = { method: 'GET' as const, url: '/', headers: { origin: 'https://app.example.com' } };

  if (wanted('canonical'))
    summary(() => {
      group('canonical JSON of an audit record', () => {
        bench('ours (canonicalJson)', () => do_not_optimize(canonicalJson(auditBody)));
        bench('canonicalize 2', () => do_not_optimize(canonicalize(auditBody)));
      });
    });
  if (wanted('sse'))
    summary(() => {
      group('SSE: parse a 40-chunk OpenAI stream in 1 KiB reads', () => {
        bench('ours (SseParser)', () => {
          const p = new SseParser();
          let n = 0;
          for (const r of reads) n += p.push(r).length;
          n += p.end().length;
          return do_not_optimize(n);
        });
        bench('eventsource-parser 3', () => {
          let n = 0;
          const p = createParser({
            onEvent: () => {
              n++;
            },
          });
          for (const r of reads) p.feed(r);
          return do_not_optimize(n);
        });
      });
    });
  if (wanted('duration'))
    group('duration text', () => {
      bench('ours (parseDurationText "1m30s")', () => do_not_optimize(parseDurationText('1m30s', 1)));
      bench('ours (parseDurationText "30s")', () => do_not_optimize(parseDurationText('30s', 1)));
    });
  if (wanted('cors'))
    summary(() => {
      group('CORS: one Fastify request (inject) with an allowed Origin', () => {
        bench('no CORS (baseline)', async () => do_not_optimize(await bare.inject(request)));
        bench('ours (onRequest hook)', async () => do_not_optimize(await corsOurs.inject(request)));
        bench('@fastify/cors 11', async () => do_not_optimize(await corsLib.inject(request)));
      });
    });
  if (wanted('rate'))
    summary(() => {
      group('rate limit: one Fastify request (inject), one caller', () => {
        bench('no limit (baseline)', async () => do_not_optimize(await bare.inject(request)));
        bench('ours (RequestLimiter token bucket)', async () =>
          do_not_optimize(await limitOurs.inject(request)),
        );
        bench('@fastify/rate-limit 11', async () => do_not_optimize(await limitLib.inject(request)));
      });
    });
  await runMitata();
  await Promise.all([bare, corsOurs, corsLib, limitOurs, limitLib].map((a) => a.close()));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(`# bench: replacements (loadavg ${loadavg()})\n`);
  await run();
  console.log(`\n(loadavg after: ${loadavg()})`);
}
