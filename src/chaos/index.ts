/**
 * The chaos upstream: a fake OpenAI/Anthropic-compatible provider with scriptable faults.
 * @packageDocumentation
 */
export {
  type ChaosModelStats,
  type ChaosStats,
  type ChaosUpstream,
  type ChaosUpstreamOptions,
  DEFAULT_CHAOS_ANSWER,
  startChaosUpstream,
} from './chaos-upstream.js';
export {
  type ChaosFault,
  FAULT_PRESETS,
  type FaultRule,
  type FaultSpec,
  faultAt,
  parseFaultHeader,
  parseFaultSpec,
  toFault,
} from './fault-spec.js';
export { answerPieces, type ChaosApi, contextLengthBody, errorBody } from './wire-format.js';
