/**
 * Numeric encodings of breaker and health states for Prometheus gauges.
 * @packageDocumentation
 */

/**
 * `breaker_state` gauge values: `0` closed, `1` half-open, `2` open, `3` isolated or disabled by an
 * operator (forced open / forced closed out of the normal cycle), `-1` a state this build does not know.
 */
export function breakerStateCode(state: string): number {
  switch (state) {
    case 'closed':
      return 0;
    case 'half-open':
    case 'half_open':
    case 'halfOpen':
      return 1;
    case 'open':
      return 2;
    case 'isolated':
    case 'disabled':
    case 'forced_open':
    case 'forced-open':
      return 3;
    default:
      return -1;
  }
}

const BREAKER_STATE_LABELS = ['closed', 'half_open', 'open', 'isolated', 'disabled'] as const;

/**
 * Bounded label value for `breaker_transitions_total{to}`: a known state name (`closed`, `half_open`,
 * `open`, `isolated`, `disabled`) or `other`.
 */
export function breakerStateLabel(state: string): string {
  if (state === 'half-open' || state === 'halfOpen') return 'half_open';
  if (state === 'forced_open' || state === 'forced-open') return 'isolated';
  return (BREAKER_STATE_LABELS as readonly string[]).includes(state) ? state : 'other';
}

/** `health_status` gauge values: `0` healthy, `1` degraded, `2` failed, `-1` unknown. */
export function healthStatusCode(status: string): number {
  switch (status) {
    case 'healthy':
      return 0;
    case 'degraded':
      return 1;
    case 'failed':
      return 2;
    default:
      return -1;
  }
}
