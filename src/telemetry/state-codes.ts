/**
 * Numeric encodings of breaker and health states for Prometheus gauges. Breaker states are the core
 * breaker's names (`half-open`), as breaker events and the gauge source give them.
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
      return 1;
    case 'open':
      return 2;
    case 'isolated':
    case 'disabled':
      return 3;
    default:
      return -1;
  }
}

/**
 * Label value for `breaker_transitions_total{to}`: the state name with an underscore (`closed`,
 * `half_open`, `open`, `isolated`, `disabled`), or `other` for a state this build does not know.
 */
export function breakerStateLabel(state: string): string {
  switch (state) {
    case 'half-open':
      return 'half_open';
    case 'closed':
    case 'open':
    case 'isolated':
    case 'disabled':
      return state;
    default:
      return 'other';
  }
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
