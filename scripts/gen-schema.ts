/**
 * Writes schema/hive-resilience.schema.json from the zod schema. Run: `npx tsx scripts/gen-schema.ts`.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configJsonSchema } from '../src/config/json-schema.js';

const target = fileURLToPath(new URL('../schema/hive-resilience.schema.json', import.meta.url));
writeFileSync(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
