/**
 * Breaker and health states as Prometheus label values. The gauges `breaker_state{model,state}` and
 * `health_status{model,status}` export one series per known state, `1` for the current one and `0` for
 * the others (the usual Prometheus encoding of an enum), so a rule reads `hive_breaker_state{state="open"} == 1`
 * instead of comparing with a number code.
 * @packageDocumentation
 */

/** Every `state` label value of `breaker_state` (the breaker's names, with an underscore in `half_open`). */
export const BREAKER_STATE_LABELS = ['closed', 'half_open', 'open', 'isolated', 'disabled'] as const;

/** Every `status` label value of `health_status`. */
export const HEALTH_STATUS_LABELS = ['healthy', 'degraded', 'failed'] as const;

/**
 * Label value for a breaker state (`breaker_state{state}` and `breaker_transitions_total{to}`): the
 * state name with an underscore (`closed`, `half_open`, `open`, `isolated`, `disabled`), or `other`
 * for a state this build does not know.
 */
export function breakerStateLabel(state: string): string {
  switch (state) {
    case 'half-open':
      return 'half_open';
    case 'closed':
    case 'half_open':
    case 'open':
    case 'isolated':
    case 'disabled':
      return state;
    default:
      return 'other';
  }
}

/** Label value for a health status (`healthy`, `degraded`, `failed`), or `other`. */
export function healthStatusLabel(status: string): string {
  return status === 'healthy' || status === 'degraded' || status === 'failed' ? status : 'other';
}
