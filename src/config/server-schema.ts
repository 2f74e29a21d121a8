/**
 * The `server` section: where the gateway listens and how it treats requests.
 * @packageDocumentation
 */
import { z } from 'zod';
import { positiveDurationSchema } from './duration.js';

/** Per-caller request rate limit for `/v1/*`. */
export const rateLimitSchema = z.strictObject({
  requestsPerMinute: z.int().positive(),
  burst: z.int().positive().optional(),
  trackedClients: z.int().positive().default(10_000),
});

/** Cross-origin requests (off unless configured). */
export const corsSchema = z.strictObject({
  origins: z.union([z.literal('*'), z.array(z.string().min(1)).min(1)]),
  credentials: z.boolean().default(false),
  maxAgeSeconds: z.int().nonnegative().default(600),
});

/** `server` section. */
export const serverSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.int().min(0).max(65535).default(8080),
  bodyLimitBytes: z
    .int()
    .positive()
    .default(1_048_576)
    .meta({ description: 'Largest accepted request body in bytes (default 1 MiB).' }),
  requestTimeoutMs: positiveDurationSchema
    .default(120_000)
    .meta({ description: 'Overall deadline of one inference request ("2m", or milliseconds).' }),
  trustProxy: z
    .union([
      z.boolean(),
      z.int().min(0),
      z.array(z.string().min(1)).min(1, { error: 'expected at least one proxy address' }),
    ])
    .default(false)
    .superRefine((value, c) => {
      if (value === true)
        c.addIssue({
          code: 'custom',
          message:
            'true would trust any x-forwarded-for a client writes itself (it could dodge the auth lockout and forge its audited address); give the number of proxies in front of the gateway (e.g. 1) or their addresses',
        });
    })
    .transform((value) => (value === true ? false : value) as false | number | string[])
    .meta({
      description:
        "Behind reverse proxies: false (default; the socket's address is the client), the number of proxies in front of the gateway (the client is that many hops from the right of x-forwarded-for), or the proxies' addresses/CIDR ranges (x-forwarded-for is read only from them). true is refused.",
    }),
  bodyTimeoutMs: positiveDurationSchema.default(30_000).meta({
    description:
      'Time allowed to receive a whole request, headers and body (default 30s); a client that trickles its body longer gets a 408 and its connection is closed.',
  }),
  headersTimeoutMs: positiveDurationSchema.default(20_000).meta({
    description: "Time allowed to receive a request's headers (default 20s; at most bodyTimeoutMs).",
  }),
  streamStallTimeoutMs: positiveDurationSchema.default(60_000).meta({
    description:
      'A streaming client that reads nothing for this long while the gateway has events waiting for it is disconnected (default 60s); only that client is affected, and it is never counted against the model.',
  }),
  eventStreams: z
    .strictObject({
      max: z.int().positive().default(64),
      perKey: z.int().positive().default(8),
      bufferBytes: z
        .int()
        .positive()
        .default(1_048_576)
        .meta({ description: 'Bytes buffered for one slow subscriber before its events are dropped.' }),
    })
    .prefault({})
    .meta({ description: 'Most open admin event streams (/admin/v1/events) at once, and per admin key.' }),
  accessLog: z.boolean().default(true).meta({ description: 'Log every request (pino access lines).' }),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  sseHeartbeatMs: positiveDurationSchema
    .default(15_000)
    .meta({ description: 'Heartbeat comment interval of the admin event stream.' }),
  rateLimit: rateLimitSchema.optional().meta({
    description: 'Per-caller request rate limit for /v1/* (per client key, else per IP); off when absent.',
  }),
  cors: corsSchema.optional().meta({ description: 'CORS; off unless configured.' }),
});

/** A validated `server` section (durations in ms). */
export type ServerConfig = z.output<typeof serverSchema>;
