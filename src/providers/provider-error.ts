/**
 * The error a provider failure carries: safe to log, serialise and show (never a secret).
 * @packageDocumentation
 */
import type { FailureKind } from '../core/outcome.js';

/** What a {@link ProviderError} is built from. */
export interface ProviderErrorInit {
  /** The classified kind (mirrors the failure's kind). */
  readonly kind: FailureKind;
  /** `openai` | `anthropic` | `simulated` (or a configured provider name). */
  readonly provider: string;
  /** The provider's model name, when the call was for one. */
  readonly model?: string;
  /** HTTP status, when the upstream answered. */
  readonly status?: number;
  /** A short machine code: the upstream's error code/type, or a transport code such as `ECONNRESET`. */
  readonly code?: string;
  /** The upstream's own error message (already redacted and truncated). */
  readonly upstreamMessage?: string;
  /** A short description of what went wrong. */
  readonly detail?: string;
}

const MAX_UPSTREAM_MESSAGE = 500;
const KEY_PATTERNS: readonly RegExp[] = [
  /\b(sk|pk|rk)-[A-Za-z0-9_-]{8,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\b(x-api-key|authorization|api[_-]?key)(["']?\s*[:=]\s*["']?)[^\s"',}]{6,}/gi,
];

/**
 * Removes anything that looks like a credential from `text`, plus every exact `secrets` value, and
 * truncates it. Used on upstream messages, which sometimes echo part of the key back.
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  out = out.replace(KEY_PATTERNS[0]!, '[redacted]');
  out = out.replace(KEY_PATTERNS[1]!, 'Bearer [redacted]');
  out = out.replace(KEY_PATTERNS[2]!, '$1$2[redacted]');
  return out.length > MAX_UPSTREAM_MESSAGE ? `${out.slice(0, MAX_UPSTREAM_MESSAGE)}…` : out;
}

/**
 * A provider call failure. Its message names the provider, model, status and code; it never contains
 * an API key or an Authorization header (upstream messages are redacted before they get here).
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  /** The classified kind. */
  readonly kind: FailureKind;
  /** The provider kind or name. */
  readonly provider: string;
  /** The provider's model name, when known. */
  readonly model: string | undefined;
  /** HTTP status, when the upstream answered. */
  readonly status: number | undefined;
  /** Upstream error code/type or transport error code. */
  readonly code: string | undefined;
  /** The upstream's own (redacted) error message. */
  readonly upstreamMessage: string | undefined;

  constructor(init: ProviderErrorInit) {
    super(ProviderError.describe(init));
    this.kind = init.kind;
    this.provider = init.provider;
    this.model = init.model;
    this.status = init.status;
    this.code = init.code;
    this.upstreamMessage = init.upstreamMessage;
  }

  private static describe(init: ProviderErrorInit): string {
    const where = init.model ? `${init.provider} (${init.model})` : init.provider;
    const parts: string[] = [];
    if (init.status !== undefined) parts.push(`HTTP ${init.status}`);
    if (init.code) parts.push(init.code);
    const head = parts.length > 0 ? `${where}: ${parts.join(' ')}` : where;
    const tail = init.upstreamMessage ?? init.detail;
    return tail ? `${head}: ${tail}` : `${head}: ${init.kind} failure`;
  }

  /** A plain, secret-free object for logs and API error bodies. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      kind: this.kind,
      provider: this.provider,
      model: this.model,
      status: this.status,
      code: this.code,
      upstreamMessage: this.upstreamMessage,
    };
  }
}
