/**
 * The `security` section: client keys (with data restrictions), admin keys (with scopes), the
 * failed-key limiter and who may scrape `/metrics`. Keys are written as `${ENV_VAR}` or as a sha256
 * digest; the server hashes them at load and keeps no plaintext.
 * @packageDocumentation
 */
import { z } from 'zod';
import { positiveDurationSchema } from './duration.js';

const nameSchema = z.string().min(1, { error: 'expected a non-empty name' });
const sha256Hex = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, { error: 'expected a sha256 hex digest (64 hex characters)' })
  .transform((s) => s.toLowerCase());

const keyFields = {
  name: nameSchema,
  key: z.string().min(8, { error: 'expected a key of at least 8 characters' }).optional().meta({
    description: 'The key itself (usually an environment variable reference); hashed at load and dropped.',
  }),
  keyHash: sha256Hex.optional().meta({ description: 'sha256 hex digest of the key.' }),
};
const exactlyOneKey = (k: { key?: string; keyHash?: string }) =>
  (k.key === undefined) !== (k.keyHash === undefined);
const oneKeyError = { error: 'expected exactly one of key or keyHash', path: ['key'] };

/** Admin key scopes, lowest first: a higher scope includes the lower ones. */
export const ADMIN_SCOPES = ['read', 'operate', 'admin'] as const;
/** An admin key scope. */
export type AdminScope = (typeof ADMIN_SCOPES)[number];

/** A client key and its data restriction. */
export const clientKeySchema = z
  .strictObject({
    ...keyFields,
    allowModels: z.array(nameSchema).optional(),
    allowProviders: z.array(nameSchema).optional(),
  })
  .refine(exactlyOneKey, oneKeyError);

/** An admin key and its scope. */
export const adminKeySchema = z
  .strictObject({
    ...keyFields,
    scope: z.enum(ADMIN_SCOPES, { error: 'expected one of read, operate, admin' }),
  })
  .refine(exactlyOneKey, oneKeyError);

/** Failed key attempts allowed per client IP in a window before answering 429. */
export const authFailuresSchema = z.strictObject({
  max: z.int().positive().default(10),
  windowMs: positiveDurationSchema.default(60_000),
  trackedIps: z.int().positive().default(10_000),
});

/** `security` section. Key names are unique across client and admin keys. */
export const securitySchema = z
  .strictObject({
    clientKeys: z.array(clientKeySchema).default([]).meta({
      description: 'When any is configured, the inference API requires Authorization: Bearer <client key>.',
    }),
    adminKeys: z.array(adminKeySchema).default([]),
    authFailures: authFailuresSchema.prefault({}),
    metrics: z
      .enum(['public', 'protected'])
      .default('public')
      .meta({ description: 'public: anyone may scrape /metrics; protected: an admin key with read scope.' }),
  })
  .superRefine((security, ctx) => {
    const seen = new Set<string>();
    const check = (list: 'clientKeys' | 'adminKeys') =>
      security[list].forEach((k, i) => {
        if (seen.has(k.name))
          ctx.addIssue({
            code: 'custom',
            path: [list, i, 'name'],
            message: `key name "${k.name}" is used twice`,
          });
        seen.add(k.name);
      });
    check('clientKeys');
    check('adminKeys');
  });

/** A validated `security` section (keys still as written; the server hashes them). */
export type SecurityConfig = z.output<typeof securitySchema>;
