/**
 * Where the embedded default config lives (a module of its own, so naming it loads nothing else).
 * @packageDocumentation
 */
import { fileURLToPath } from 'node:url';

/** The embedded default config (simulated models; no keys, no network). */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));
