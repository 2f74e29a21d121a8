/**
 * Builds a provider from a plain spec (what a compiled model config holds).
 * @packageDocumentation
 */
import { AnthropicProvider } from './anthropic.js';
import type { NamedHttpProviderOptions } from './http-provider.js';
import { OpenAICompatibleProvider } from './openai-compatible.js';
import { SimulatedProvider, type SimulatedProviderOptions } from './simulated.js';
import type { Provider } from './types.js';

/** The provider kinds a config may name. */
export type ProviderKind = 'openai' | 'anthropic' | 'simulated';

/**
 * Everything needed to build a provider: the kind, the HTTP provider options (`baseURL` is required for
 * `openai` and `anthropic`; the API key goes as Bearer for `openai`, as `x-api-key` for `anthropic`), a
 * label for errors and logs (e.g. the model id) and the simulated options.
 */
export interface ProviderSpec extends Partial<NamedHttpProviderOptions> {
  /** `openai` (any OpenAI-compatible API), `anthropic` or `simulated`. */
  readonly kind: ProviderKind;
  /** Options for the `simulated` kind (only used with it). */
  readonly simulated?: SimulatedProviderOptions;
}

/**
 * Creates the provider a spec describes.
 * @throws TypeError naming the field at fault (unknown kind, missing or bad `baseURL`).
 */
export function createProvider(spec: ProviderSpec): Provider {
  switch (spec.kind) {
    case 'openai':
    case 'anthropic': {
      const { kind, simulated, baseURL, ...rest } = spec;
      if (!baseURL) throw new TypeError(`baseURL: required for provider "${kind}"`);
      const options = { ...rest, baseURL };
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
