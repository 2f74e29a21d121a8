/**
 * The `state` section: where breaker, health, isolation, flag and outcome-count state lives when several
 * gateway processes serve together. `memory` (the default) keeps it in the process; `redis` shares it.
 * @packageDocumentation
 */
import { z } from 'zod';
import { durationSchema } from './duration.js';

const INSTANCE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The `state` section. Durations accept `"250ms"`, `"1s"` or milliseconds. */
export const stateSchema = z
  .strictObject({
    store: z.enum(['memory', 'redis'], { error: 'expected "memory" or "redis"' }).default('memory').meta({
      description:
        'memory: this process only; redis: shared by every instance using the same url and keyPrefix.',
    }),
    url: z
      .url({ protocol: /^rediss?$/, error: 'expected a URL like "redis://127.0.0.1:6379"' })
      .optional()
      .meta({
        description: 'Redis URL (required with store: redis); may carry a password, which is never logged.',
      }),
    keyPrefix: z
      .string()
      .regex(/^[A-Za-z0-9:._-]{1,64}$/, { error: 'expected 1-64 characters from A-Z a-z 0-9 : . _ -' })
      .default('hive:')
      .meta({
        description:
          'Prefix of every key and of the pub/sub channel: instances sharing state use the same one.',
      }),
    commandTimeout: durationSchema.default(250).meta({
      description:
        'Longest wait for one Redis command; past it the command fails and the gateway serves on local state.',
    }),
    instanceId: z
      .string()
      .regex(INSTANCE_ID, { error: 'expected 1-64 characters from A-Z a-z 0-9 . _ -' })
      .optional()
      .meta({ description: "This instance's id in messages and audit records (default: hostname-pid)." }),
    flushInterval: durationSchema.default(100).meta({
      description:
        'How often this instance adds its batched outcome counts to the shared ones while it counts failures (successes alone go out with each syncInterval read).',
    }),
    syncInterval: durationSchema.default(1000).meta({
      description:
        'How often this instance writes its outcome counts and reads the aggregate back, and Redis reconnection is retried.',
    }),
    window: durationSchema
      .default(30_000)
      .meta({ description: 'Span of the shared outcome counts (10 buckets) a breaker decision reads.' }),
    failureRate: z.number().gt(0).max(1).default(0.5).meta({
      description:
        'A breaker that opens here opens everywhere only when the failure rate across every instance in the window reaches this.',
    }),
  })
  .superRefine((s, ctx) => {
    if (s.store === 'redis' && s.url === undefined)
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'required when store is "redis"' });
    if (s.flushInterval <= 0)
      ctx.addIssue({ code: 'custom', path: ['flushInterval'], message: 'must be greater than 0' });
    if (s.syncInterval <= 0)
      ctx.addIssue({ code: 'custom', path: ['syncInterval'], message: 'must be greater than 0' });
    if (s.commandTimeout <= 0)
      ctx.addIssue({ code: 'custom', path: ['commandTimeout'], message: 'must be greater than 0' });
    if (s.window < 1000) ctx.addIssue({ code: 'custom', path: ['window'], message: 'must be at least 1s' });
  });

/** The validated `state` section. */
export type StateConfig = z.output<typeof stateSchema>;
