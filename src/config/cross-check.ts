/**
 * Checks that need the whole configuration: references between models, chains and routes, and aliases.
 * @packageDocumentation
 */
import type { ConfigIssue } from './config-error.js';
import type { HiveConfig } from './schema.js';

/** The parts of a config the cross-checks read (so extended schemas can reuse them). */
export type CrossCheckable = Pick<HiveConfig, 'models' | 'chains' | 'routes'>;

/**
 * Returns every reference problem: unknown fallbacks, chain members and route preferences; duplicate
 * aliases (case-insensitive); aliases equal to another model's id; a model falling back to itself.
 * References may name a model id or an alias.
 */
export function crossCheckConfig(config: CrossCheckable): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const ids = new Map<string, string>();
  for (const id of Object.keys(config.models)) {
    const key = id.toLowerCase();
    const other = ids.get(key);
    if (other !== undefined) {
      issues.push({ path: ['models', id], message: `model id differs only in case from "${other}"` });
    }
    ids.set(key, id);
  }
  const owner = new Map<string, string>(ids);

  for (const [id, model] of Object.entries(config.models)) {
    model.aliases.forEach((alias, i) => {
      const key = alias.toLowerCase();
      const path = ['models', id, 'aliases', i];
      const idOwner = ids.get(key);
      if (idOwner !== undefined && idOwner !== id) {
        issues.push({ path, message: `alias "${alias}" is the id of another model ("${idOwner}")` });
        return;
      }
      const aliasOwner = owner.get(key);
      if (aliasOwner !== undefined && aliasOwner !== id) {
        issues.push({ path, message: `alias "${alias}" is already used by model "${aliasOwner}"` });
        return;
      }
      owner.set(key, id);
    });
  }

  const resolve = (name: string): string | undefined => owner.get(name.toLowerCase());
  const checkRef = (name: string, path: ReadonlyArray<string | number>): string | undefined => {
    const target = resolve(name);
    if (target === undefined) issues.push({ path, message: `unknown model "${name}"` });
    return target;
  };

  for (const [id, model] of Object.entries(config.models)) {
    model.fallbacks.forEach((name, i) => {
      const target = checkRef(name, ['models', id, 'fallbacks', i]);
      if (target === id) {
        issues.push({ path: ['models', id, 'fallbacks', i], message: 'a model cannot fall back to itself' });
      }
    });
  }
  for (const [name, chain] of Object.entries(config.chains)) {
    checkRef(chain.primaryModel, ['chains', name, 'primaryModel']);
    chain.fallbackChain.forEach((m, i) => {
      checkRef(m, ['chains', name, 'fallbackChain', i]);
    });
  }
  for (const [name, route] of Object.entries(config.routes)) {
    route.prefer.forEach((m, i) => {
      checkRef(m, ['routes', name, 'prefer', i]);
    });
  }
  return issues;
}
