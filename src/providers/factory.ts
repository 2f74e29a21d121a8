/**
 * Builds a provider from a plain spec (what a compiled model config holds).
 * @packageDocumentation
 */
import type { Dispatcher } from 'undici';
import type { Clock } from '../core/clock.js';
import { AnthropicProvider } from './anthropic.js';
import { OpenAICompatibleProvider } from './openai-compatible.js';
import { SimulatedProvider, type SimulatedProviderOptions } from './simulated.js';
import type { Provider } from './types.js';

/** The provider kinds a config may name. */
export type ProviderKind = 'openai' | 'anthropic' | 'simulated';

/** Everything needed to build a provider. */
export interface ProviderSpec {
  /** `openai` (any OpenAI-compatible API), `anthropic` or `simulated`. */
  readonly kind: ProviderKind;
  /** Required for `openai` and `anthropic`. */
  readonly baseURL?: string;
  /** API key (Bearer for `openai`, `x-api-key` for `anthropic`). */
  readonly apiKey?: string;
  /** Extra headers for every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Total time for a non-streaming call, ms. */
  readonly timeoutMs?: number;
  /** Default time-to-first-token limit for streams, ms. */
  readonly ttftTimeoutMs?: number;
  /** Default idle limit between stream chunks, ms. */
  readonly idleTimeoutMs?: number;
  /** TCP/TLS connect timeout, ms. */
  readonly connectTimeoutMs?: number;
  /** Maximum pooled connections to the base URL. */
  readonly connections?: number;
  /** A shared undici dispatcher instead of a pool per provider. */
  readonly dispatcher?: Dispatcher;
  /** A label used in errors and logs (e.g. the model id). */
  readonly name?: string;
  /** Options for the `simulated` kind (only used with it). */
  readonly simulated?: SimulatedProviderOptions;
  /** Clock for timers (tests inject a `FakeClock`). */
  readonly clock?: Clock;
}

/**
 * Creates the provider a spec describes.
 * @throws TypeError naming the field at fault (unknown kind, missing or bad `baseURL`).
 */
export function createProvider(spec: ProviderSpec): Provider {
  switch (spec.kind) {
    case 'openai':
    case 'anthropic': {
      if (!spec.baseURL) throw new TypeError(`baseURL: required for provider "${spec.kind}"`);
      const options = {
        baseURL: spec.baseURL,
        apiKey: spec.apiKey,
        headers: spec.headers,
        timeoutMs: spec.timeoutMs,
        ttftTimeoutMs: spec.ttftTimeoutMs,
        idleTimeoutMs: spec.idleTimeoutMs,
        connectTimeoutMs: spec.connectTimeoutMs,
        connections: spec.connections,
        dispatcher: spec.dispatcher,
        clock: spec.clock,
        name: spec.name,
      };
      return spec.kind === 'openai' ? new OpenAICompatibleProvider(options) : new AnthropicProvider(options);
    }
    case 'simulated':
      return new SimulatedProvider({ name: spec.name, clock: spec.clock, ...spec.simulated });
    default:
      throw new TypeError(
        `provider: expected "openai", "anthropic" or "simulated", got ${JSON.stringify((spec as { kind: unknown }).kind)}`,
      );
  }
}
