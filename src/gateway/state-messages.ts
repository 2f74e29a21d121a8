/**
 * What instances sharing state tell each other on the store's channel, and the keys they keep. Messages
 * arrive from the network: {@link parseStateMessage} accepts only well-formed ones.
 * @packageDocumentation
 */
import type { CircuitBreakerSnapshot } from '../core/breaker/breaker-options.js';

/** Version of the message format. */
export const STATE_MESSAGE_VERSION = 1;

/** A breaker opened (or re-opened, or is being probed by the sender) everywhere. */
export interface BreakerMessage {
  readonly t: 'breaker';
  readonly model: string;
  readonly snap: CircuitBreakerSnapshot;
  /** The sender is probing (half-open): hold off until it reports, unless probing here too. */
  readonly probing: boolean;
}
/** A breaker was closed (probe success or an operator). */
export interface ModelMessage {
  readonly t: 'close' | 'isolate' | 'release';
  readonly model: string;
}
/** The sender saw the model answer "throttled" with a `Retry-After`: do not call it before `until`. */
export interface ThrottleMessage {
  readonly t: 'throttle';
  readonly model: string;
  /** Wall-clock milliseconds at which the window ends. */
  readonly until: number;
}
/** A model's health status changed at the sender. */
export interface HealthMessage {
  readonly t: 'health';
  readonly model: string;
  readonly status: 'healthy' | 'degraded' | 'failed';
}
/** The flag overrides table (feature → `on` | `off` | `25%`). */
export interface FlagsMessage {
  readonly t: 'flags';
  readonly overrides: Readonly<Record<string, string>>;
}
/** The sender reconnected after an outage and wrote what it did meanwhile: read everything again. */
export interface ResyncMessage {
  readonly t: 'resync';
}

/** A message's body. */
export type StateMessageBody =
  | BreakerMessage
  | ModelMessage
  | ThrottleMessage
  | HealthMessage
  | FlagsMessage
  | ResyncMessage;

/** A message as sent: the body plus the format version and the sender's instance id. */
export type StateMessage = StateMessageBody & { readonly v: number; readonly from: string };

const HEALTH = new Set(['healthy', 'degraded', 'failed']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 200;
}

/** The message, or undefined when `value` is not a well-formed one (its snapshot is checked on use). */
export function parseStateMessage(value: unknown): StateMessage | undefined {
  if (!isRecord(value) || value.v !== STATE_MESSAGE_VERSION || !isName(value.from)) return undefined;
  switch (value.t) {
    case 'breaker':
      return isName(value.model) && isRecord(value.snap) && typeof value.probing === 'boolean'
        ? (value as unknown as StateMessage)
        : undefined;
    case 'close':
    case 'isolate':
    case 'release':
      return isName(value.model) ? (value as unknown as StateMessage) : undefined;
    case 'throttle':
      return isName(value.model) && typeof value.until === 'number' && Number.isFinite(value.until)
        ? (value as unknown as StateMessage)
        : undefined;
    case 'health':
      return isName(value.model) && HEALTH.has(value.status as string)
        ? (value as unknown as StateMessage)
        : undefined;
    case 'flags':
      return isRecord(value.overrides) && Object.values(value.overrides).every((m) => typeof m === 'string')
        ? (value as unknown as StateMessage)
        : undefined;
    case 'resync':
      return value as unknown as StateMessage;
    default:
      return undefined;
  }
}

/** Keys, relative to the store's prefix. */
export const stateKeys = {
  breaker: (model: string) => `breaker:${model}`,
  isolated: (model: string) => `isolated:${model}`,
  health: (model: string) => `health:${model}`,
  throttle: (model: string) => `throttle:${model}`,
  probe: (model: string) => `probe:${model}`,
  flags: 'flags',
} as const;
