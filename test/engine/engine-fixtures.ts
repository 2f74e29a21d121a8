/**
 * Builds engines over a chaos upstream for the engine's integration tests.
 */
import { validateConfig } from '../../src/config/index.js';
import type { HiveConfig, HiveConfigInput } from '../../src/config/schema.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { ResilienceEngine, type ResilienceEngineOptions } from '../../src/engine/index.js';

/** A model entry pointing at the chaos upstream; the upstream sees `model` = the id. */
export function chaosModel(baseURL: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    provider: 'openai',
    baseURL,
    apiKey: 'sk-test-secret-0000',
    capabilities: ['streaming', 'json', 'tools', 'voting'],
    contextWindow: 8000,
    maxRetries: 0,
    timeout: '5s',
    ttftTimeout: '5s',
    idleTimeout: '400ms',
    circuitBreakerThreshold: 3,
    ...extra,
  };
}

/** Validates a config object (throws with the issues when invalid). */
export function configOf(input: Record<string, unknown>): HiveConfig {
  const result = validateConfig(input as HiveConfigInput);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return result.config;
}

/** Fast retry timing so tests do not wait on BIP-03's one-second backoff. */
export const FAST_RESILIENCE = {
  retry: { baseDelay: 5, maxDelay: 20, throttledBaseDelay: 5, fallbackInsteadOfWait: '2s' },
  healthCheckInterval: '1h',
};

/** An engine that records its events. */
export function engineWithEvents(
  config: HiveConfig,
  options: ResilienceEngineOptions = {},
): { engine: ResilienceEngine; events: EngineEvent[] } {
  const engine = ResilienceEngine.fromConfig(config, { probes: false, ...options });
  const events: EngineEvent[] = [];
  engine.events.on((e) => events.push(e));
  return { engine, events };
}

/** A one-message chat body. */
export function ask(text = 'Say hello'): {
  model: string;
  messages: Array<{ role: 'user'; content: string }>;
} {
  return { model: 'ignored', messages: [{ role: 'user', content: text }] };
}
