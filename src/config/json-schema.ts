/**
 * The configuration file's JSON Schema, for editor completion (`$schema` in the file or a
 * `yaml-language-server` comment).
 * @packageDocumentation
 */
import { z } from 'zod';
import { configSchema } from './schema.js';

/** The `$id` of the published schema. */
export const CONFIG_SCHEMA_ID = 'https://hive-resilience.dev/schema/hive-resilience.schema.json';

/** Builds the JSON Schema (draft 2020-12) of the configuration file as written (durations as strings). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    $schema: schema['$schema'],
    $id: CONFIG_SCHEMA_ID,
    title: 'hive-resilience configuration',
    description:
      'Models, fallback chains, capability routes, resilience, health, server, security, feature flags, audit and alerts.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
